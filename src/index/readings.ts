/**
 * What the aggregations read: one source's latest observation as the poller holds it at tick time.
 * Prices are fixed-point at PRICE_EXPONENT in the market's own quote currency, rates at
 * RATE_EXPONENT per FUNDING_PERIOD_MS; times are integer milliseconds since the Unix epoch. The
 * feeds (src/feeds/) produce these; the aggregation and signing code knows no exchange adapter.
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

/** The latest state of one source as the poller holds it at tick time, whatever it observes. */
export interface Reading<O> {
  readonly source: string;
  /** Quote currency of the market (e.g. "USD", "USDT"); decides whether conversion applies. */
  readonly quote: string;
  /** Last good observation, or null if none was ever received. */
  readonly observation: O | null;
  /** Message of the most recent failed fetch if it is newer than `observation`, else null. */
  readonly lastError: string | null;
  /**
   * When the observed value last changed: the receivedAt of the first observation in an unbroken
   * run with the current value. Absent when unknown; such a source is never judged frozen.
   */
  readonly valueSince?: number;
}

/** A spot market's reading. */
export type SourceReading = Reading<Observation>;

/**
 * The one period every funding rate is normalised to before aggregation and signing: 8 hours,
 * the interval of most BTC perpetuals. A `funding_rate` attestation is a rate per this period.
 */
export const FUNDING_PERIOD_MS = 8 * 60 * 60 * 1000;

/** One funding rate read from one perpetual swap market. */
export interface FundingObservation {
  /** Source id, `<exchange>:<symbol>`, e.g. "binance:BTC/USDT:USDT". */
  readonly source: string;
  /**
   * The current funding rate normalised to FUNDING_PERIOD_MS, at RATE_EXPONENT. Positive: longs
   * pay shorts. Normalised as rate * FUNDING_PERIOD_MS / intervalMs, rounded half to even.
   */
  readonly rate: bigint;
  /** The venue's own funding interval in ms (1 h, 4 h, 8 h ...); never guessed. */
  readonly intervalMs: number;
  /** The venue's mark price at PRICE_EXPONENT in the contract's quote currency, or null. */
  readonly markPrice: bigint | null;
  /** The exchange's timestamp for the data, or null when it gives none. */
  readonly exchangeTs: number | null;
  /** When our process received the response, by the injected clock. */
  readonly receivedAt: number;
}

/** A perpetual's reading; its quote is the contract's price currency ("USDT" for BTC/USDT:USDT, "USD" for BTC/USD:BTC). */
export type FundingReading = Reading<FundingObservation>;
