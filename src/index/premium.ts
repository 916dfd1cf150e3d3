/**
 * The premium of the perpetuals' mark prices over our spot index, through the same filters as
 * every other figure (filters.ts), so one broken or wrong-unit mark is judged, not signed: a
 * source whose rate was rejected this tick is not trusted for its mark either; a mark must
 * convert to the target and give a premium within the plausibility bounds, and that premium must
 * lie within an absolute distance of the preliminary median of the premiums; the median of the
 * accepted ones is signed when at least `premiumQuorum` remain. Pure, like the rest of the
 * aggregator.
 */
import type { FundingObservation, FundingReading } from './readings.js';
import { RATE_ONE, divRoundHalfEven } from '../core/fixed.js';
import type { FundingRules, PremiumOutcome, SourceVerdict } from './types.js';
import { toTarget } from './convert.js';
import { absoluteDeviation, runFilters, type Measure } from './filters.js';
import { price as showPrice, ratePercent } from './wording.js';

/** One millionth (10^-6) at RATE_EXPONENT: the unit of funding and premium dispersion. */
export const MILLIONTH = RATE_ONE / 1_000_000n;

/** What the premium needs from a funding aggregation; see `judgePremium`. */
export interface PremiumInput {
  readonly target: string;
  readonly readings: readonly FundingReading[];
  readonly rules: FundingRules;
  /** This tick's spot index at PRICE_EXPONENT in `target`, or null when none was signed. */
  readonly index: bigint | null;
  readonly conversions: ReadonlyMap<string, bigint>;
  readonly now: number;
}

/**
 * Judges every perpetual's mark against the spot index. Takes the verdicts on the rates of the
 * same tick (one per reading) and the input, already checked by aggregateFunding; returns the
 * premium with one verdict per reading, or why there is none. Throws nothing on valid input.
 */
export function judgePremium(rateVerdicts: readonly SourceVerdict[], input: PremiumInput): PremiumOutcome {
  const { index, rules } = input;
  if (index === null) return { ok: false, reason: 'no spot index this tick', verdicts: [] };
  const rates = new Map(rateVerdicts.map((v) => [v.source, v]));
  const measure = premiumMeasure(input, index, rates);
  // The premium has no frozen rule: a stuck mark moves away from the index and meets the deviation rule.
  const filtered = runFilters(input.readings, { ...rules, quorum: rules.premiumQuorum }, input.now, measure, null);
  if (!filtered.ok) return { ok: false, reason: `mark prices: ${filtered.reason}`, verdicts: filtered.verdicts };
  return {
    ok: true,
    value: filtered.centre,
    dispersionPpm: Number(filtered.spread / MILLIONTH),
    contributions: filtered.accepted.map(({ observation: o, value }) => ({
      source: o.source,
      premium: value,
      exchangeTs: o.exchangeTs,
      receivedAt: o.receivedAt,
    })),
    verdicts: filtered.verdicts,
  };
}

/** Premiums: mark_in_target / index - 1 at RATE_EXPONENT, bounded, compared by absolute distance. */
function premiumMeasure(
  input: PremiumInput,
  index: bigint,
  rates: ReadonlyMap<string, SourceVerdict>,
): Measure<FundingObservation> {
  const { rules, target } = input;
  const markIn = (reading: FundingReading, obs: FundingObservation): bigint | null =>
    obs.markPrice === null ? null : toTarget(obs.markPrice, reading.quote, target, input.conversions);
  const bounds = `${ratePercent(rules.minPremium)}..${ratePercent(rules.maxPremium)}`;
  return {
    value: (reading, obs) => {
      const mark = markIn(reading, obs);
      return mark === null ? null : divRoundHalfEven(mark * RATE_ONE, index) - RATE_ONE;
    },
    check: (reading, obs, premium) => {
      const rate = rates.get(reading.source);
      if (rate !== undefined && rate.verdict !== 'accepted') {
        const reason = `funding rate ${rate.verdict}, so its mark is not used either: ${rate.reason}`;
        return { kind: rate.verdict, reason };
      }
      if (obs.markPrice === null) return { kind: 'error', reason: 'no mark price' };
      const mark = markIn(reading, obs);
      if (mark === null || premium === null) {
        return { kind: 'error', reason: `no ${reading.quote}/${target} rate this tick` };
      }
      if (mark <= 0n) return { kind: 'implausible', reason: `mark price ${showPrice(mark)} ${target} is not positive` };
      if (premium < rules.minPremium || premium > rules.maxPremium) {
        return {
          kind: 'implausible',
          reason:
            `premium ${ratePercent(premium)} (mark ${showPrice(mark)} ${target} over index ${showPrice(index)}) ` +
            `outside plausible range ${bounds}`,
        };
      }
      return null;
    },
    deviation: (premium, prelim) =>
      absoluteDeviation(`premium ${ratePercent(premium)}`, premium, prelim, rules.maxPremiumDeviation),
    raw: (obs) => obs.markPrice,
  };
}
