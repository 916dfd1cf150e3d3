/**
 * The aggregator's contract: rules in, an index (or a refusal with reasons) out. Every source gets
 * a verdict with a human-readable reason, signed or not.
 */
import type { FundingObservation, Observation } from '../feeds/types.js';

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

/**
 * Thresholds of one funding aggregation. Rates are at RATE_EXPONENT, already normalised to
 * FUNDING_PERIOD_MS (8 h); they can be negative, so the deviation limit is absolute, not relative.
 */
export interface FundingRules {
  readonly maxAgeMs: number;
  readonly maxExchangeAgeMs: number;
  readonly maxFutureSkewMs: number;
  /** Plausibility bounds of a normalised rate, inclusive (e.g. -0.01 and 0.01 per 8 h). */
  readonly minRate: bigint;
  readonly maxRate: bigint;
  /** Reject a source whose rate is further than this from the preliminary median (absolute). */
  readonly maxDeviation: bigint;
  readonly quorum: number;
  /** Minimum number of accepted sources with a mark price to sign a premium. */
  readonly premiumQuorum: number;
}

/** The premium of the perpetuals over our spot index on one funding tick, or why there is none. */
export type PremiumOutcome =
  | {
      readonly ok: true;
      /** Median over sources of (mark in target / index - 1), at RATE_EXPONENT. */
      readonly value: bigint;
      /** max |premium_i - value| in millionths (units of 10^-6), floored. */
      readonly dispersionPpm: number;
      /** Each contributing source's premium, sorted by source id. */
      readonly contributions: readonly { readonly source: string; readonly premium: bigint }[];
    }
  | { readonly ok: false; readonly reason: string };

export type FundingOutcome = FundingSuccess | FundingRefusal;

/**
 * A signed-to-be funding rate. Verdicts reuse SourceVerdict: `rawPrice` is the rate per the
 * venue's own interval, `price` the rate normalised to 8 h (both at RATE_EXPONENT), and
 * `deviationBps` is null (the reason states the absolute deviation).
 */
export interface FundingSuccess {
  readonly ok: true;
  readonly pair: string;
  readonly observedAt: number;
  /** Median of the accepted normalised rates, at RATE_EXPONENT, per 8 h. */
  readonly rate: bigint;
  /** max |rate_i - rate| in millionths (units of 10^-6), floored: absolute, since rates cross zero. */
  readonly dispersionPpm: number;
  readonly accepted: readonly FundingObservation[];
  readonly verdicts: readonly SourceVerdict[];
  readonly premium: PremiumOutcome;
}

export interface FundingRefusal {
  readonly ok: false;
  readonly pair: string;
  readonly observedAt: number;
  readonly reason: string;
  readonly verdicts: readonly SourceVerdict[];
  readonly premium: PremiumOutcome;
}
