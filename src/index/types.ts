/**
 * The aggregator's contract: rules in, an index (or a refusal with reasons) out. Every source gets
 * a verdict with a human-readable reason, signed or not.
 */
import type { FundingObservation, Observation } from './readings.js';

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
  /** Call a source frozen when its value has not changed for longer than this ... */
  readonly frozenAfterMs: number;
  /** ... while the preliminary median moved by more than this, in basis points of where it was. */
  readonly frozenMoveBps: number;
}

/** Every verdict a source can get, in the order of the filters that give them (accepted first). */
export const VERDICT_KINDS = ['accepted', 'stale', 'implausible', 'frozen', 'outlier', 'error'] as const;
export type VerdictKind = (typeof VERDICT_KINDS)[number];

/**
 * A figure's preliminary median on one earlier tick: the history the frozen filter reads the
 * figure's value from at the time a source's value last changed (the service keeps it).
 */
export interface FigurePoint {
  /** Tick time, integer ms since the epoch. */
  readonly at: number;
  readonly value: bigint;
}

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
  /** This tick's preliminary median, kept by the service as the figure's history; null when no source reached it. */
  readonly preliminary: bigint | null;
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
  readonly preliminary: bigint | null;
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
  /** Call a source frozen when its rate has not changed for longer than this ... */
  readonly frozenAfterMs: number;
  /** ... while the preliminary median moved by more than this (absolute). */
  readonly frozenMove: bigint;
  /** Plausibility bounds of one source's premium (mark / index - 1), inclusive. */
  readonly minPremium: bigint;
  readonly maxPremium: bigint;
  /** Reject a premium further than this from the preliminary median of the premiums (absolute). */
  readonly maxPremiumDeviation: bigint;
  /** Minimum number of accepted premiums to sign one. */
  readonly premiumQuorum: number;
}

/** One accepted source's premium, with the times of the observation it came from. */
export interface PremiumContribution {
  readonly source: string;
  /** mark in target / index - 1, at RATE_EXPONENT. */
  readonly premium: bigint;
  readonly exchangeTs: number | null;
  readonly receivedAt: number;
}

/**
 * The premium of the perpetuals over our spot index on one funding tick, or why there is none.
 * Verdicts reuse SourceVerdict: `rawPrice` is the mark as the venue quoted it (PRICE_EXPONENT,
 * in its quote currency), `price` the premium (RATE_EXPONENT), `deviationBps` null. They are
 * empty when no premium could be judged at all (no rate, no index).
 */
export type PremiumOutcome =
  | {
      readonly ok: true;
      /** Median of the accepted premiums, at RATE_EXPONENT. */
      readonly value: bigint;
      /** max |premium_i - value| in millionths (units of 10^-6), floored. */
      readonly dispersionPpm: number;
      /** Each accepted source's premium, sorted by source id. */
      readonly contributions: readonly PremiumContribution[];
      readonly verdicts: readonly SourceVerdict[];
    }
  | { readonly ok: false; readonly reason: string; readonly verdicts: readonly SourceVerdict[] };

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
  /** This tick's preliminary median of the rates, null when no source reached it. */
  readonly preliminary: bigint | null;
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
  readonly preliminary: bigint | null;
  readonly reason: string;
  readonly verdicts: readonly SourceVerdict[];
  readonly premium: PremiumOutcome;
}
