/**
 * The aggregator: one tick's source readings in, one index (or a refusal) out, with a verdict and
 * a reason for every source. Pure: no I/O and no clock; `now` is the tick time the caller read.
 *
 * Order of the filters (DESIGN section 3, docs/METHODOLOGY.md): no observation, staleness by our
 * receive time and by the exchange's timestamp, quote conversion, plausibility bounds, deviation
 * from a preliminary median, then quorum. Every comparison is on integers, so every oracle given
 * the same readings reaches the same verdicts and the same index. The pipeline itself lives in
 * filters.ts, shared with the funding rate; this module says what a price is and how far is too far.
 */
import type { Observation, SourceReading } from '../feeds/types.js';
import { InputError } from '../core/errors.js';
import { abs } from '../core/fixed.js';
import type { IndexOutcome, IndexRules } from './types.js';
import { toTarget } from './convert.js';
import { checkCommon, checkPipelineRules, runFilters, type DeviationJudgement, type Judgement, type Measure } from './filters.js';
import { percent, price as showPrice } from './wording.js';

/** Everything one aggregation needs; see `aggregate`. */
export interface AggregateInput {
  /** Pair the index is for, e.g. "BTC/USD"; copied into the outcome. */
  readonly pair: string;
  /** Quote currency of the index, e.g. "USD"; readings in it need no conversion. */
  readonly target: string;
  readonly readings: readonly SourceReading[];
  readonly rules: IndexRules;
  /** Rate of each other quote currency in `target`, at PRICE_EXPONENT ("USDT" -> 99_980_000n). */
  readonly conversions: ReadonlyMap<string, bigint>;
  /** Tick time, integer ms since the epoch. */
  readonly now: number;
}

/**
 * Computes the index of one tick. Takes the readings, the rules, the conversion rates and the tick
 * time; returns IndexSuccess (median of the accepted prices, at least `quorum` of them) or
 * IndexRefusal (why nothing can be signed), each with one verdict per reading in input order.
 * Throws InputError for malformed input (bad rules, duplicate sources, non-positive rates).
 */
export function aggregate(input: AggregateInput): IndexOutcome {
  checkInput(input);
  const { pair, rules, now } = input;
  const filtered = runFilters(input.readings, rules, now, priceMeasure(input));
  if (!filtered.ok) return { ok: false, pair, observedAt: now, reason: filtered.reason, verdicts: filtered.verdicts };
  const index = filtered.centre;
  return {
    ok: true,
    pair,
    price: index,
    observedAt: now,
    dispersionPpm: Number((filtered.spread * 1_000_000n) / index),
    accepted: filtered.accepted.map(({ observation: o, value }): Observation => ({
      source: o.source,
      price: value,
      exchangeTs: o.exchangeTs,
      receivedAt: o.receivedAt,
    })),
    verdicts: filtered.verdicts,
  };
}

/** Prices: converted to the target, bounded, and compared relative to the median in basis points. */
function priceMeasure(input: AggregateInput): Measure<Observation> {
  const { rules, target } = input;
  return {
    // Converted even when stale, so /sources can show what the source said in the target quote.
    value: (reading, obs) => toTarget(obs.price, reading.quote, target, input.conversions),
    check: (reading, price): Judgement | null => {
      if (price === null) return { kind: 'error', reason: `no ${reading.quote}/${target} rate this tick` };
      if (price <= 0n) return { kind: 'implausible', reason: `price ${showPrice(price)} ${target} is not positive` };
      if (price < rules.minPrice || price > rules.maxPrice) {
        return {
          kind: 'implausible',
          reason: `price ${showPrice(price)} ${target} outside plausible range ${showPrice(rules.minPrice)}..${showPrice(rules.maxPrice)}`,
        };
      }
      return null;
    },
    deviation: (price, prelim): DeviationJudgement => {
      const limit = BigInt(rules.maxDeviationBps);
      const diff = abs(price - prelim);
      const deviationBps = Number((diff * 10_000n) / prelim);
      // Compare unrounded: the floored bps is for display only and must not decide.
      const over = diff * 10_000n > limit * prelim;
      const shown = over && deviationBps === rules.maxDeviationBps ? `just over ${percent(limit)}` : percent(deviationBps);
      return { over, deviationBps, reason: `${shown} from preliminary median ${showPrice(prelim)}, limit ${percent(limit)}` };
    },
    raw: (obs) => obs.price,
  };
}

function checkInput(input: AggregateInput): void {
  checkIndexRules(input.rules);
  checkCommon(input, (source, obs) => {
    if (typeof obs.price !== 'bigint') throw new InputError(`${source}: observation price must be a bigint`);
  });
}

/**
 * Every rule `aggregate` relies on; the configuration schema calls it too, so a configuration the
 * oracle starts with can never make a tick throw. Throws InputError naming the first bad rule.
 */
export function checkIndexRules(rules: IndexRules): void {
  checkPipelineRules(rules);
  if (!Number.isSafeInteger(rules.maxDeviationBps) || rules.maxDeviationBps < 0 || rules.maxDeviationBps > 10_000) {
    throw new InputError(`rules.maxDeviationBps must be an integer in 0..10000, got ${String(rules.maxDeviationBps)}`);
  }
  if (typeof rules.minPrice !== 'bigint' || typeof rules.maxPrice !== 'bigint') {
    throw new InputError('rules.minPrice and rules.maxPrice must be bigints at PRICE_EXPONENT');
  }
  // A positive floor keeps the median positive, so deviation and dispersion never divide by zero.
  if (rules.minPrice <= 0n || rules.minPrice > rules.maxPrice) {
    throw new InputError(`rules need 0 < minPrice <= maxPrice, got minPrice ${showPrice(rules.minPrice)} and maxPrice ${showPrice(rules.maxPrice)}`);
  }
}
