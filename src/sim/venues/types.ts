/**
 * What each simulated venue provides: its market catalogue and its real JSON shapes. The server
 * (../server.ts) owns time, faults and HTTP; a venue only maps paths to answers.
 */
import type { Quote } from '../quote.js';

/** One market a venue lists, with its venue-specific id and price decimals (tick). */
export interface VenueMarket {
  /** ccxt unified symbol, e.g. "BTC/USD". */
  readonly symbol: string;
  /** The venue's own market id, e.g. "XXBTZUSD" on Kraken. */
  readonly id: string;
  readonly base: string;
  readonly quote: string;
  /** Decimal places the venue quotes this market's price with. */
  readonly decimals: number;
}

/** What a request path asks for. */
export type Route =
  | { readonly kind: 'static'; readonly body: unknown }
  | { readonly kind: 'html'; readonly body: string }
  | { readonly kind: 'ticker'; readonly market: VenueMarket }
  | { readonly kind: 'unknownMarket'; readonly marketId: string }
  | { readonly kind: 'notFound' };

/** A simulated exchange. */
export interface Venue {
  readonly markets: readonly VenueMarket[];
  /** Maps `path` (after the /<exchange> prefix, starting with "/") and its query to a route; `nowMs` for server times. */
  route(path: string, query: URLSearchParams, nowMs: number): Route;
  /** The ticker body of `market` showing `quote`. */
  ticker(market: VenueMarket, quote: Quote): unknown;
  /** The venue's own error body for HTTP `status`. */
  error(status: number, message: string): unknown;
}

/** Finds a catalogue market by venue id, or returns the unknownMarket route. */
export function tickerRoute(markets: readonly VenueMarket[], marketId: string): Route {
  const market = markets.find((m) => m.id === marketId);
  return market ? { kind: 'ticker', market } : { kind: 'unknownMarket', marketId };
}

/** Price increment of `decimals` places as a decimal string, e.g. 2 -> "0.01". */
export function tickSize(decimals: number): string {
  return decimals === 0 ? '1' : `0.${'0'.repeat(decimals - 1)}1`;
}
