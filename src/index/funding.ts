/**
 * The funding aggregator: one tick's perpetual funding readings in, one signed-to-be funding rate
 * per 8 h (or a refusal) out, plus the premium of the perpetuals' mark prices over our spot index
 * (premium.ts). Pure, like aggregate(), and through the same filters (filters.ts). What differs:
 * rates are dimensionless and cross zero, so no quote conversion, no positivity, and the
 * deviation limit, the frozen move and the dispersion are absolute instead of relative.
 */
import { FUNDING_PERIOD_MS, type FundingObservation, type FundingReading } from './readings.js';
import { InputError } from '../core/errors.js';
import { abs, divRoundHalfEven } from '../core/fixed.js';
import type { FigurePoint, FundingOutcome, FundingRules } from './types.js';
import { absoluteDeviation, checkCommon, checkCount, checkPipelineRules, runFilters, type Measure } from './filters.js';
import { checkFrozenAfter, checkHistory, type Stillness } from './frozen.js';
import { MILLIONTH, judgePremium } from './premium.js';
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
  /** The rate's preliminary medians on earlier funding ticks, oldest first (empty: nothing is frozen). */
  readonly history: readonly FigurePoint[];
}

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
  const filtered = runFilters(input.readings, rules, now, rateMeasure(rules), rateStillness(input));
  const { preliminary, verdicts } = filtered;
  if (!filtered.ok) {
    const premium = { ok: false, reason: 'no funding rate this tick', verdicts: [] } as const;
    return { ok: false, pair, observedAt: now, preliminary, reason: filtered.reason, verdicts, premium };
  }
  return {
    ok: true,
    pair,
    observedAt: now,
    preliminary,
    rate: filtered.centre,
    dispersionPpm: Number(filtered.spread / MILLIONTH),
    accepted: filtered.accepted.map((a) => a.observation),
    verdicts,
    premium: judgePremium(verdicts, input),
  };
}

/** Rates: bounded, and compared to the median by absolute distance, since they cross zero. */
function rateMeasure(rules: FundingRules): Measure<FundingObservation> {
  return {
    value: (_reading, obs) => obs.rate,
    check: (_reading, _obs, rate) => {
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
    deviation: (rate, prelim) => absoluteDeviation(`${ratePercent(rate)} per 8 h`, rate, prelim, rules.maxDeviation),
    raw: perVenueInterval,
  };
}

/** Rates are frozen when the median moved further than `frozenMove` (absolute, as rates cross zero). */
function rateStillness(input: FundingInput): Stillness {
  const { rules } = input;
  return {
    afterMs: rules.frozenAfterMs,
    history: input.history,
    moved: (then, now) => {
      const diff = abs(now - then);
      return { over: diff > rules.frozenMove, distance: ratePercent(diff), limit: ratePercent(rules.frozenMove) };
    },
    show: (rate) => `${ratePercent(rate)} per 8 h`,
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
  checkHistory(input.history, input.now);
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
  const ratios = [
    'minRate',
    'maxRate',
    'maxDeviation',
    'frozenMove',
    'minPremium',
    'maxPremium',
    'maxPremiumDeviation',
  ] as const;
  if (ratios.some((key) => typeof rules[key] !== 'bigint')) {
    throw new InputError(`rules.${ratios.join(', rules.')} must be bigints at RATE_EXPONENT`);
  }
  if (rules.minRate > rules.maxRate) throw new InputError('rules need minRate <= maxRate');
  if (rules.minPremium > rules.maxPremium) throw new InputError('rules need minPremium <= maxPremium');
  for (const key of ['maxDeviation', 'frozenMove', 'maxPremiumDeviation'] as const) {
    if (rules[key] < 0n) throw new InputError(`rules.${key} must not be negative, got ${rules[key]}`);
  }
  checkFrozenAfter('rules.frozenAfterMs', rules.frozenAfterMs);
}
