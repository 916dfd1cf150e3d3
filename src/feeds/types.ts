/**
 * What feeds hand to the aggregator. Prices are fixed-point at PRICE_EXPONENT in the market's own
 * quote currency; times are integer milliseconds since the Unix epoch.
 */

/** One price read from one exchange market. */
export interface Observation {
  /** Source id, `<exchange>:<symbol>`, e.g. "kraken:BTC/USD". */
  readonly source: string;
  /** Median of last, bid and ask, at PRICE_EXPONENT, in `quote` units. */
  readonly price: bigint;
  /** The exchange's own timestamp for the ticker, or null when the venue gives none (Kraken). */
  readonly exchangeTs: number | null;
  /** When our process received the response, by the injected clock. */
  readonly receivedAt: number;
}

/** The latest state of one source as the poller holds it at tick time. */
export interface SourceReading {
  readonly source: string;
  /** Quote currency of the market (e.g. "USD", "USDT"); decides whether conversion applies. */
  readonly quote: string;
  /** Last good observation, or null if none was ever received. */
  readonly observation: Observation | null;
  /** Message of the most recent failed fetch if it is newer than `observation`, else null. */
  readonly lastError: string | null;
}

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
