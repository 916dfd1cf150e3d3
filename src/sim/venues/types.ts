/**
 * What each simulated venue provides: its market catalogue and its real JSON shapes. The server
 * (../server.ts) owns time, faults and HTTP; a venue only maps paths to answers.
 */
import type { FundingQuote, Quote } from '../quote.js';

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
  /** Settlement currency of a perpetual swap ("USDT" for BTC/USDT:USDT); absent on spot markets. */
  readonly settle?: string;
  /**
   * The one funding interval this venue's ccxt parser assumes (Deribit 8 h, Kraken Futures 1 h), so
   * a scenario cannot pick another; absent where the venue states its interval.
   */
  readonly fixedIntervalMs?: number;
}

/** What the scenario says about the venue's perpetuals, for listings that state funding intervals. */
export interface VenueContext {
  /** The scenario's funding interval of perpetual `symbol`, in ms; undefined if it is not priced. */
  intervalMsOf(symbol: string): number | undefined;
}

/** What a request path asks for. */
export type Route =
  | { readonly kind: 'static'; readonly body: unknown }
  | { readonly kind: 'html'; readonly body: string }
  | { readonly kind: 'ticker'; readonly market: VenueMarket }
  | { readonly kind: 'funding'; readonly market: VenueMarket }
  | { readonly kind: 'unknownMarket'; readonly marketId: string }
  | { readonly kind: 'notFound' };

/** A simulated exchange. */
export interface Venue {
  readonly markets: readonly VenueMarket[];
  /**
   * Maps `path` (after the /<exchange> prefix, starting with "/") and its query to a route; `nowMs`
   * for server times, `context` for listings that state funding intervals.
   */
  route(path: string, query: URLSearchParams, nowMs: number, context: VenueContext): Route;
  /** The ticker body of `market` showing `quote`. */
  ticker(market: VenueMarket, quote: Quote): unknown;
  /** The funding body of perpetual `market` showing `funding`; venues without perpetuals omit it. */
  funding?(market: VenueMarket, funding: FundingQuote): unknown;
  /** The venue's own error body for HTTP `status`. */
  error(status: number, message: string): unknown;
}

/** Finds a catalogue market by venue id, or returns the unknownMarket route. */
export function tickerRoute(markets: readonly VenueMarket[], marketId: string): Route {
  const market = markets.find((m) => m.id === marketId);
  return market ? { kind: 'ticker', market } : { kind: 'unknownMarket', marketId };
}

/** Finds a perpetual by venue id for a funding request, or returns the unknownMarket route. */
export function fundingRoute(markets: readonly VenueMarket[], marketId: string): Route {
  const market = markets.find((m) => m.id === marketId && m.settle !== undefined);
  return market ? { kind: 'funding', market } : { kind: 'unknownMarket', marketId };
}

/** A decimal string as a JSON number, for venues that print numbers; anything else (a fault) passes through. */
export function jsonNumber(value: string | undefined): unknown {
  if (value === undefined) return null;
  return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
}

/** 8 hours in ms: the funding interval of most BTC perpetuals. */
export const EIGHT_HOURS_MS = 8 * 60 * 60 * 1000;

/** Price increment of `decimals` places as a decimal string, e.g. 2 -> "0.01". */
export function tickSize(decimals: number): string {
  return decimals === 0 ? '1' : `0.${'0'.repeat(decimals - 1)}1`;
}
