/**
 * The funding aggregator: one tick's perpetual funding readings in, one signed-to-be funding rate
 * per 8 h (or a refusal) out, plus the premium of the perpetuals' mark prices over our spot index.
 * Pure, like aggregate(), and through the same filters (filters.ts). What differs: rates are
 * dimensionless and cross zero, so no quote conversion, no positivity, and the deviation limit
 * and dispersion are absolute instead of relative to the median.
 */
import type { FundingObservation, FundingReading } from '../feeds/types.js';
import { FUNDING_PERIOD_MS } from '../feeds/types.js';
import { InputError } from '../core/errors.js';
import { RATE_ONE, abs, divRoundHalfEven, median } from '../core/fixed.js';
import type { FundingOutcome, FundingRules, PremiumOutcome } from './types.js';
import { toTarget } from './convert.js';
import { checkCommon, checkCount, checkPipelineRules, maxDistance, runFilters, type AcceptedReading, type Measure } from './filters.js';
import { ratePercent } from './wording.js';

/** Everything one funding aggregation needs; see `aggregateFunding`. */
export interface FundingInput {
  /** The underlying, e.g. "BTC/USD"; copied into the outcome. */
  readonly pair: string;
  /** Quote currency of the spot index, e.g. "USD": mark prices are converted into it. */
  readonly target: string;
  readonly readings: readonly FundingReading[];
  readonly rules: FundingRules;
  /** This tick's spot index at PRICE_EXPONENT in `target`, or null when none was signed. */
  readonly index: bigint | null;
  /** Rate of each other quote currency in `target`, at PRICE_EXPONENT ("USDT" -> 99_980_000n). */
  readonly conversions: ReadonlyMap<string, bigint>;
  /** Tick time, integer ms since the epoch. */
  readonly now: number;
}

/** One millionth (10^-6) at RATE_EXPONENT: the unit of funding and premium dispersion. */
const MILLIONTH = RATE_ONE / 1_000_000n;

/**
 * Computes the funding rate of one tick. Takes the readings (rates already normalised to 8 h),
 * the rules, the spot index, the conversion rates and the tick time; returns FundingSuccess
 * (median of the accepted rates, at least `quorum` of them, with the premium or why there is
 * none) or FundingRefusal, each with one verdict per reading in input order.
 * Throws InputError for malformed input (bad rules, duplicate sources, a bad interval or index).
 */
export function aggregateFunding(input: FundingInput): FundingOutcome {
  checkInput(input);
  const { pair, rules, now } = input;
  const filtered = runFilters(input.readings, rules, now, rateMeasure(rules));
  if (!filtered.ok) {
    return {
      ok: false,
      pair,
      observedAt: now,
      reason: filtered.reason,
      verdicts: filtered.verdicts,
      premium: { ok: false, reason: 'no funding rate this tick' },
    };
  }
  return {
    ok: true,
    pair,
    observedAt: now,
    rate: filtered.centre,
    dispersionPpm: Number(filtered.spread / MILLIONTH),
    accepted: filtered.accepted.map((a) => a.observation),
    verdicts: filtered.verdicts,
    premium: premium(filtered.accepted, input),
  };
}

/** Rates: bounded, and compared to the median by absolute distance, since they cross zero. */
function rateMeasure(rules: FundingRules): Measure<FundingObservation> {
  return {
    value: (_reading, obs) => obs.rate,
    check: (_reading, rate) => {
      // value() never returns null for a rate; the guard keeps the type honest.
      if (rate === null) return { kind: 'error', reason: 'no rate' };
      if (rate < rules.minRate || rate > rules.maxRate) {
        return {
          kind: 'implausible',
          reason: `${ratePercent(rate)} per 8 h outside plausible range ${ratePercent(rules.minRate)}..${ratePercent(rules.maxRate)}`,
        };
      }
      return null;
    },
    deviation: (rate, prelim) => {
      const diff = abs(rate - prelim);
      return {
        over: diff > rules.maxDeviation,
        deviationBps: null,
        reason:
          `${ratePercent(rate)} per 8 h, ${ratePercent(diff)} from preliminary median ${ratePercent(prelim)}, ` +
          `limit ${ratePercent(rules.maxDeviation)}`,
      };
    },
    raw: perVenueInterval,
  };
}

/**
 * The rate per the venue's own interval, from the normalised one: rate * intervalMs / 8 h, half
 * to even. Exact whenever the interval divides 8 h (1, 2, 4, 8 h), because normalising then only
 * multiplied by an integer; otherwise within one unit of 10^-10 of what the venue published.
 */
function perVenueInterval(obs: FundingObservation): bigint {
  return divRoundHalfEven(obs.rate * BigInt(obs.intervalMs), BigInt(FUNDING_PERIOD_MS));
}

/**
 * The premium of the accepted perpetuals' marks over the spot index: the median of
 * mark_in_target / index - 1, at RATE_EXPONENT, from the sources whose mark can be converted.
 */
function premium(accepted: readonly AcceptedReading<FundingObservation>[], input: FundingInput): PremiumOutcome {
  const { index, target } = input;
  if (index === null) return { ok: false, reason: 'no spot index this tick' };
  const contributions = accepted.flatMap(({ reading, observation }) => {
    const mark = observation.markPrice === null ? null : toTarget(observation.markPrice, reading.quote, target, input.conversions);
    // A non-positive mark is broken data, not a price: it does not contribute.
    if (mark === null || mark <= 0n) return [];
    return [{ source: reading.source, premium: divRoundHalfEven(mark * RATE_ONE, index) - RATE_ONE }];
  });
  const quorum = input.rules.premiumQuorum;
  if (contributions.length < quorum) {
    return {
      ok: false,
      reason: `${contributions.length} of ${accepted.length} accepted sources give a mark price in ${target}, premium quorum is ${quorum}`,
    };
  }
  const values = contributions.map((c) => c.premium);
  const value = median(values);
  return { ok: true, value, dispersionPpm: Number(maxDistance(values, value) / MILLIONTH), contributions };
}

function checkInput(input: FundingInput): void {
  checkFundingRules(input.rules);
  checkCommon(input, (source, obs) => {
    if (typeof obs.rate !== 'bigint') throw new InputError(`${source}: observation rate must be a bigint`);
    if (!Number.isSafeInteger(obs.intervalMs) || obs.intervalMs <= 0) {
      throw new InputError(`${source}: intervalMs must be a positive integer, got ${String(obs.intervalMs)}`);
    }
    if (obs.markPrice !== null && typeof obs.markPrice !== 'bigint') {
      throw new InputError(`${source}: markPrice must be a bigint or null`);
    }
  });
  // A non-positive index would divide by zero or flip the premium's sign.
  if (input.index !== null && (typeof input.index !== 'bigint' || input.index <= 0n)) {
    throw new InputError(`index must be a positive bigint or null, got ${String(input.index)}`);
  }
}

/**
 * Every rule `aggregateFunding` relies on; the configuration schema calls it too, so a
 * configuration the oracle starts with can never make a funding tick throw. Throws InputError
 * naming the first bad rule.
 */
export function checkFundingRules(rules: FundingRules): void {
  checkPipelineRules(rules);
  checkCount('rules.premiumQuorum', rules.premiumQuorum);
  if (typeof rules.minRate !== 'bigint' || typeof rules.maxRate !== 'bigint' || typeof rules.maxDeviation !== 'bigint') {
    throw new InputError('rules.minRate, rules.maxRate and rules.maxDeviation must be bigints at RATE_EXPONENT');
  }
  if (rules.minRate > rules.maxRate) throw new InputError('rules need minRate <= maxRate');
  if (rules.maxDeviation < 0n) throw new InputError('rules.maxDeviation must not be negative');
}
