/**
 * The aggregator: one tick's source readings in, one index (or a refusal) out, with a verdict and
 * a reason for every source. Pure: no I/O and no clock; `now` is the tick time the caller read.
 *
 * Order of the filters (DESIGN section 3, docs/METHODOLOGY.md): no observation, staleness by our
 * receive time and by the exchange's timestamp, quote conversion, plausibility bounds, then
 * against a preliminary median: frozen (a value still for too long while the median moved) and
 * deviation; then quorum. Every comparison is on integers, so every oracle given the same readings
 * and history reaches the same verdicts and the same index. The pipeline itself lives in
 * filters.ts, shared with the funding rate; this module says what a price is and how far is too far.
 */
import type { Observation, SourceReading } from './readings.js';
import { InputError } from '../core/errors.js';
import { abs } from '../core/fixed.js';
import type { FigurePoint, IndexOutcome, IndexRules } from './types.js';
import { toTarget } from './convert.js';
import {
  checkCommon,
  checkPipelineRules,
  runFilters,
  type DeviationJudgement,
  type Judgement,
  type Measure,
} from './filters.js';
import { checkFrozenAfter, checkHistory, type Stillness } from './frozen.js';
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
  /** This market's preliminary medians on earlier ticks, oldest first (empty: nothing is frozen). */
  readonly history: readonly FigurePoint[];
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
  const filtered = runFilters(input.readings, rules, now, priceMeasure(input), priceStillness(input));
  const { preliminary, verdicts } = filtered;
  if (!filtered.ok) return { ok: false, pair, observedAt: now, preliminary, reason: filtered.reason, verdicts };
  const index = filtered.centre;
  return {
    ok: true,
    pair,
    preliminary,
    price: index,
    observedAt: now,
    dispersionPpm: Number((filtered.spread * 1_000_000n) / index),
    accepted: filtered.accepted.map(({ observation: o, value }): Observation => ({
      source: o.source,
      price: value,
      exchangeTs: o.exchangeTs,
      receivedAt: o.receivedAt,
    })),
    verdicts,
  };
}

/** Prices: converted to the target, bounded, and compared relative to the median in basis points. */
function priceMeasure(input: AggregateInput): Measure<Observation> {
  const { rules, target } = input;
  return {
    // Converted even when stale, so /sources can show what the source said in the target quote.
    value: (reading, obs) => toTarget(obs.price, reading.quote, target, input.conversions),
    check: (reading, _obs, price): Judgement | null => {
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
      const { over, bps, shown } = relative(price, prelim, rules.maxDeviationBps);
      const reason = `${shown} from preliminary median ${showPrice(prelim)}, limit ${percent(rules.maxDeviationBps)}`;
      return { over, deviationBps: bps, reason };
    },
    raw: (obs) => obs.price,
  };
}

/** Prices are frozen when the median moved further than `frozenMoveBps` of where it was. */
function priceStillness(input: AggregateInput): Stillness {
  const { rules } = input;
  return {
    afterMs: rules.frozenAfterMs,
    history: input.history,
    moved: (then, now) => {
      const { over, shown } = relative(now, then, rules.frozenMoveBps);
      return { over, distance: shown, limit: percent(rules.frozenMoveBps) };
    },
    show: showPrice,
  };
}

/**
 * |value - base| against `limitBps` of `base` (positive): whether it is over, compared exactly on
 * integers, its floored basis points for display, and those in words ("just over 1.00%" when the
 * floor equals the limit, since the floored bps must not decide).
 */
function relative(value: bigint, base: bigint, limitBps: number): { over: boolean; bps: number; shown: string } {
  const diff = abs(value - base);
  const bps = Number((diff * 10_000n) / base);
  const over = diff * 10_000n > BigInt(limitBps) * base;
  return { over, bps, shown: over && bps === limitBps ? `just over ${percent(limitBps)}` : percent(bps) };
}

function checkInput(input: AggregateInput): void {
  checkIndexRules(input.rules);
  checkCommon(input, (source, obs) => {
    if (typeof obs.price !== 'bigint') throw new InputError(`${source}: observation price must be a bigint`);
  });
  checkHistory(input.history, input.now);
  // The frozen move is relative to the median it starts from, which must be a price.
  if (input.history.some((p) => p.value <= 0n)) throw new InputError('history values must be positive prices');
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
  if (!Number.isSafeInteger(rules.frozenMoveBps) || rules.frozenMoveBps < 0) {
    throw new InputError(`rules.frozenMoveBps must be a non-negative integer, got ${String(rules.frozenMoveBps)}`);
  }
  checkFrozenAfter('rules.frozenAfterMs', rules.frozenAfterMs);
  if (typeof rules.minPrice !== 'bigint' || typeof rules.maxPrice !== 'bigint') {
    throw new InputError('rules.minPrice and rules.maxPrice must be bigints at PRICE_EXPONENT');
  }
  // A positive floor keeps the median positive, so deviation and dispersion never divide by zero.
  if (rules.minPrice <= 0n || rules.minPrice > rules.maxPrice) {
    throw new InputError(
      `rules need 0 < minPrice <= maxPrice, got minPrice ${showPrice(rules.minPrice)} and maxPrice ${showPrice(rules.maxPrice)}`,
    );
  }
}
