/**
 * The exchange side of the feeds: which market a source is, its id, and the fetchers the ccxt
 * adapter implements. What they hand over (observations and readings) is the aggregator's type
 * (src/index/readings.ts): the adapter knows the core, the core knows no adapter.
 */
import type { FundingObservation, Observation } from '../index/readings.js';

/** A configured market: which exchange, which ccxt unified symbol. */
export interface SourceSpec {
  readonly exchange: string;
  readonly symbol: string;
}

/** The source id of a spec, as used in observations and verdicts. */
export function sourceId(spec: SourceSpec): string {
  return `${spec.exchange}:${spec.symbol}`;
}

/** Quote currency of a ccxt unified symbol ("BTC/USDT" -> "USDT", "BTC/USD:USD" -> "USD"). */
export function quoteOf(symbol: string): string {
  const afterSlash = symbol.split('/')[1] ?? '';
  return afterSlash.split(':')[0] ?? '';
}

/** Reads one market of one exchange; the ccxt adapter (src/feeds/exchange.ts) implements it. */
export interface ObservationFetcher {
  /** Fetches the ticker of `symbol` and converts it; rejects on any network, HTTP or parse error. */
  fetchObservation(symbol: string): Promise<Observation>;
}

/** Reads the funding rate of one perpetual; the ccxt adapter implements it beside ObservationFetcher. */
export interface FundingFetcher {
  /**
   * Fetches and normalises the funding rate of `symbol`; rejects on any network, HTTP or parse
   * error, and when the venue's funding interval is unknown.
   */
  fetchFunding(symbol: string): Promise<FundingObservation>;
}
