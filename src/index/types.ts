/**
 * The aggregator's contract: rules in, an index (or a refusal with reasons) out. Every source gets
 * a verdict with a human-readable reason, signed or not.
 */
import type { Observation } from '../feeds/types.js';

/** Thresholds of one aggregation. Prices at PRICE_EXPONENT in the target quote (USD). */
export interface IndexRules {
  /** Drop an observation received longer ago than this, by our own clock. */
  readonly maxAgeMs: number;
  /** Drop an observation whose exchange timestamp (where there is one) is older than this. */
  readonly maxExchangeAgeMs: number;
  /** Drop an observation whose exchange timestamp is further than this in our future. */
  readonly maxFutureSkewMs: number;
  /** Plausibility bounds, inclusive, after conversion to the target quote. */
  readonly minPrice: bigint;
  readonly maxPrice: bigint;
  /** Reject a source further than this from the preliminary median, in basis points of it. */
  readonly maxDeviationBps: number;
  /** Minimum number of surviving sources to sign anything. */
  readonly quorum: number;
}

export type VerdictKind = 'accepted' | 'stale' | 'implausible' | 'outlier' | 'error';

/** What the aggregator decided about one source on one tick, and why. */
export interface SourceVerdict {
  readonly source: string;
  readonly verdict: VerdictKind;
  /** Why, in words an operator understands ("received 41 s ago, limit 30 s"). */
  readonly reason: string;
  readonly quote: string;
  /** Price as observed, in the market's quote currency; null when there is no observation. */
  readonly rawPrice: bigint | null;
  /** Price converted to the target quote; null when there is none or it could not be converted. */
  readonly price: bigint | null;
  readonly exchangeTs: number | null;
  readonly receivedAt: number | null;
  /** now - receivedAt, or null. */
  readonly ageMs: number | null;
  /** |price - preliminary median| in basis points of the median, when it was computed. */
  readonly deviationBps: number | null;
}

export type IndexOutcome = IndexSuccess | IndexRefusal;

export interface IndexSuccess {
  readonly ok: true;
  readonly pair: string;
  /** The index: median of the accepted prices, at PRICE_EXPONENT. */
  readonly price: bigint;
  /** Tick time the index was computed at. */
  readonly observedAt: number;
  /** max |accepted price - index| in parts per million of the index, floored. */
  readonly dispersionPpm: number;
  /** The accepted observations, converted to the target quote, sorted by source id. */
  readonly accepted: readonly Observation[];
  readonly verdicts: readonly SourceVerdict[];
}

export interface IndexRefusal {
  readonly ok: false;
  readonly pair: string;
  readonly observedAt: number;
  /** Why nothing can be signed, e.g. "2 of 6 sources accepted, quorum is 3". */
  readonly reason: string;
  readonly verdicts: readonly SourceVerdict[];
}
