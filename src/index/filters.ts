/**
 * The filter pipeline every aggregation shares (the spot index, its conversions, the funding rate
 * and the premium): no observation, staleness by our receive time and by the exchange's
 * timestamp, checks on the value itself, then against a preliminary median: frozen (where the
 * figure has a frozen rule, frozen.ts) and deviation; quorum, final median. What differs between
 * them (the value compared, its plausibility check, how deviation is measured and worded) comes in
 * as callbacks, so the order of the filters and the quorum rule exist once.
 */
import { InputError } from '../core/errors.js';
import { abs, median } from '../core/fixed.js';
import { VERDICT_KINDS, type SourceVerdict, type VerdictKind } from './types.js';
import type { Reading } from './readings.js';
import { judgeStillness, type Stillness } from './frozen.js';
import { ratePercent, seconds } from './wording.js';

/** What every observation carries, whatever it measures. */
export interface TimedObservation {
  readonly source: string;
  readonly exchangeTs: number | null;
  readonly receivedAt: number;
}

/** The freshness and quorum rules the pipeline applies itself. */
export interface PipelineRules {
  readonly maxAgeMs: number;
  readonly maxExchangeAgeMs: number;
  readonly maxFutureSkewMs: number;
  readonly quorum: number;
}

/** A rejection or acceptance with its reason. */
export interface Judgement {
  readonly kind: VerdictKind;
  readonly reason: string;
}

/** Filter 6 for one survivor: whether it is an outlier, the reason either way, and its bps if relative. */
export interface DeviationJudgement {
  readonly over: boolean;
  readonly reason: string;
  readonly deviationBps: number | null;
}

/** The parts of an aggregation that depend on what is measured. */
export interface Measure<O extends TimedObservation> {
  /** The value compared across sources (computed even when stale, for display), or null if there is none. */
  value(reading: Reading<O>, observation: O): bigint | null;
  /** Filters 3-4 on a fresh reading: a rejection, or null to go on to the median. */
  check(reading: Reading<O>, observation: O, value: bigint | null): Judgement | null;
  /** Filter 6: judges a survivor's value against the preliminary median of all survivors. */
  deviation(value: bigint, preliminary: bigint): DeviationJudgement;
  /** The value as the venue reported it, for the verdict's `rawPrice` (null when there is none). */
  raw(observation: O): bigint | null;
}

/** An accepted source with its compared value. */
export interface AcceptedReading<O extends TimedObservation> {
  readonly reading: Reading<O>;
  readonly observation: O;
  readonly value: bigint;
}

/**
 * The result of the pipeline: verdicts in input order, the preliminary median (null when no
 * source passed filters 1-4), and either the final median or why there is none.
 */
export type Filtered<O extends TimedObservation> =
  | {
      readonly ok: true;
      readonly verdicts: readonly SourceVerdict[];
      readonly preliminary: bigint | null;
      /** Sorted by source id. */
      readonly accepted: readonly AcceptedReading<O>[];
      /** Median of the accepted values. */
      readonly centre: bigint;
      /** max |accepted value - centre|. */
      readonly spread: bigint;
    }
  | {
      readonly ok: false;
      readonly verdicts: readonly SourceVerdict[];
      readonly preliminary: bigint | null;
      readonly reason: string;
    };

interface Draft<O extends TimedObservation> {
  readonly reading: Reading<O>;
  readonly value: bigint | null;
  judgement: Judgement | null;
  deviationBps: number | null;
}

/** Exchange error text can be long (HTML error pages); keep reasons readable. */
const MAX_ERROR_CHARS = 200;

/**
 * Runs the filters over one tick's readings. Takes readings already checked by `checkCommon`, the
 * rules, the tick time, the measure and the figure's frozen rule (null for a figure without one);
 * returns one verdict per reading in input order and, when at least `quorum` are accepted, their
 * median and spread. Throws nothing on valid input.
 */
export function runFilters<O extends TimedObservation>(
  readings: readonly Reading<O>[],
  rules: PipelineRules,
  now: number,
  measure: Measure<O>,
  stillness: Stillness | null,
): Filtered<O> {
  const drafts = readings.map((r) => judgeAlone(r, rules, now, measure));

  const survivors = drafts.filter((d) => d.judgement === null);
  // Filters 5 and 6 judge every survivor against the same preliminary median, frozen ones included.
  const preliminary = survivors.length > 0 ? median(survivors.map((d) => d.value as bigint)) : null;
  if (preliminary !== null) {
    for (const d of survivors) {
      const frozen = stillness === null ? null : judgeStillness(d.reading, preliminary, now, stillness);
      if (frozen !== null) {
        d.judgement = { kind: frozen.kind, reason: withFetchError(frozen.reason, d.reading) };
        continue;
      }
      const judged = measure.deviation(d.value as bigint, preliminary);
      d.deviationBps = judged.deviationBps;
      d.judgement = judged.over
        ? { kind: 'outlier', reason: withFetchError(judged.reason, d.reading) }
        : { kind: 'accepted', reason: judged.reason };
    }
  }

  const verdicts = drafts.map((d) => toVerdict(d, now, measure));
  const accepted = drafts.filter((d) => d.judgement?.kind === 'accepted');
  if (accepted.length < rules.quorum) {
    return {
      ok: false,
      verdicts,
      preliminary,
      reason:
        `${accepted.length} of ${readings.length} sources accepted, quorum is ${rules.quorum}` +
        (readings.length > 0 ? ` (${countVerdicts(verdicts)})` : ''),
    };
  }
  const values = accepted.map((d) => d.value as bigint);
  const centre = median(values);
  return {
    ok: true,
    verdicts,
    preliminary,
    accepted: accepted
      .map((d) => ({ reading: d.reading, observation: d.reading.observation as O, value: d.value as bigint }))
      .sort((a, b) => compareStrings(a.reading.source, b.reading.source)),
    centre,
    spread: maxDistance(values, centre),
  };
}

/**
 * Filter 5 with an absolute limit, for figures that cross zero (rates, premiums): over when
 * |value - preliminary| > limit, exactly at the limit accepted. `label` words the value itself
 * ("0.0100% per 8 h"); the reason adds the distance, the median and the limit in percent.
 */
export function absoluteDeviation(
  label: string,
  value: bigint,
  preliminary: bigint,
  limit: bigint,
): DeviationJudgement {
  const diff = abs(value - preliminary);
  return {
    over: diff > limit,
    deviationBps: null,
    reason: `${label}, ${ratePercent(diff)} from preliminary median ${ratePercent(preliminary)}, limit ${ratePercent(limit)}`,
  };
}

/** max |v - centre| over a list (0 for an empty one). */
export function maxDistance(values: readonly bigint[], centre: bigint): bigint {
  return values.reduce((max, v) => (abs(v - centre) > max ? abs(v - centre) : max), 0n);
}

/** Code-unit order, not locale order: every oracle must sort (and so commit to) sources alike. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Filters 1-4: the checks that need only the reading itself. */
function judgeAlone<O extends TimedObservation>(
  reading: Reading<O>,
  rules: PipelineRules,
  now: number,
  measure: Measure<O>,
): Draft<O> {
  const obs = reading.observation;
  if (obs === null) {
    const reason = reading.lastError !== null ? clip(reading.lastError) : 'no observation yet';
    return { reading, value: null, judgement: { kind: 'error', reason }, deviationBps: null };
  }
  const value = measure.value(reading, obs);
  const judgement = staleness(obs, rules, now) ?? measure.check(reading, obs, value);
  return {
    reading,
    value,
    judgement: judgement === null ? null : { kind: judgement.kind, reason: withFetchError(judgement.reason, reading) },
    deviationBps: null,
  };
}

function staleness(obs: TimedObservation, rules: PipelineRules, now: number): Judgement | null {
  const stale = (reason: string): Judgement => ({ kind: 'stale', reason });
  const age = now - obs.receivedAt;
  if (age > rules.maxAgeMs) return stale(`received ${seconds(age)} ago, limit ${seconds(rules.maxAgeMs)}`);
  if (-age > rules.maxFutureSkewMs) {
    return stale(`received ${seconds(-age)} after the tick time, limit ${seconds(rules.maxFutureSkewMs)}`);
  }
  if (obs.exchangeTs !== null) {
    const exchangeAge = now - obs.exchangeTs;
    if (exchangeAge > rules.maxExchangeAgeMs) {
      return stale(`exchange timestamp ${seconds(exchangeAge)} old, limit ${seconds(rules.maxExchangeAgeMs)}`);
    }
    if (-exchangeAge > rules.maxFutureSkewMs) {
      return stale(`exchange clock ahead by ${seconds(-exchangeAge)}, limit ${seconds(rules.maxFutureSkewMs)}`);
    }
  }
  return null;
}

function toVerdict<O extends TimedObservation>(d: Draft<O>, now: number, measure: Measure<O>): SourceVerdict {
  const obs = d.reading.observation;
  // Every draft has a judgement here: survivors of filters 1-4 were judged against the median.
  const judged = d.judgement as Judgement;
  return {
    source: d.reading.source,
    verdict: judged.kind,
    reason: judged.reason,
    quote: d.reading.quote,
    rawPrice: obs === null ? null : measure.raw(obs),
    price: d.value,
    exchangeTs: obs?.exchangeTs ?? null,
    receivedAt: obs?.receivedAt ?? null,
    ageMs: obs === null ? null : now - obs.receivedAt,
    deviationBps: d.deviationBps,
  };
}

function countVerdicts(verdicts: readonly SourceVerdict[]): string {
  return VERDICT_KINDS.map((kind) => [kind, verdicts.filter((v) => v.verdict === kind).length] as const)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${count} ${kind}`)
    .join(', ');
}

function withFetchError(reason: string, reading: Reading<TimedObservation>): string {
  return reading.lastError === null ? reason : `${reason}; last fetch failed: ${clip(reading.lastError)}`;
}

function clip(text: string): string {
  return text.length <= MAX_ERROR_CHARS ? text : `${text.slice(0, MAX_ERROR_CHARS)}...`;
}

/** The input checks both aggregations share: names, tick time, rates, readings (rules are checked apart). */
export interface CommonInput<O extends TimedObservation> {
  readonly pair: string;
  readonly target: string;
  readonly now: number;
  readonly rules: PipelineRules;
  readonly conversions: ReadonlyMap<string, bigint>;
  readonly readings: readonly Reading<O>[];
}

/**
 * Checks what both aggregations take alike, but for the rules (see checkPipelineRules);
 * `checkObservation` checks the measured fields of one observation. Throws InputError naming the
 * first bad field.
 */
export function checkCommon<O extends TimedObservation>(
  input: CommonInput<O>,
  checkObservation: (source: string, observation: O) => void,
): void {
  if (typeof input.pair !== 'string' || input.pair === '') throw new InputError('pair must be a non-empty string');
  if (typeof input.target !== 'string' || input.target === '')
    throw new InputError('target must be a non-empty string');
  if (!Number.isSafeInteger(input.now))
    throw new InputError(`now must be integer milliseconds, got ${String(input.now)}`);
  for (const [quote, rate] of input.conversions) {
    if (typeof rate !== 'bigint' || rate <= 0n) {
      throw new InputError(`conversion rate for ${quote} must be a positive bigint, got ${String(rate)}`);
    }
  }
  const seen = new Set<string>();
  for (const r of input.readings) {
    checkReading(r, seen);
    if (r.observation !== null) checkObservation(r.source, r.observation);
  }
}

/**
 * The freshness and quorum rules every aggregation relies on; the configuration schema calls it
 * too, so start-up refuses what a tick would. Throws InputError naming the first bad rule.
 */
export function checkPipelineRules(rules: PipelineRules): void {
  for (const key of ['maxAgeMs', 'maxExchangeAgeMs', 'maxFutureSkewMs'] as const) {
    const v = rules[key];
    if (!Number.isSafeInteger(v) || v < 0)
      throw new InputError(`rules.${key} must be a non-negative integer, got ${String(v)}`);
  }
  checkCount('rules.quorum', rules.quorum);
}

/** Throws InputError unless `value` is an integer >= 1 (a quorum). */
export function checkCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new InputError(`${name} must be an integer >= 1, got ${String(value)}`);
}

function checkReading(r: Reading<TimedObservation>, seen: Set<string>): void {
  if (typeof r.source !== 'string' || r.source === '')
    throw new InputError('reading.source must be a non-empty string');
  if (seen.has(r.source)) throw new InputError(`duplicate source ${r.source}`);
  seen.add(r.source);
  if (typeof r.quote !== 'string' || r.quote === '')
    throw new InputError(`${r.source}: quote must be a non-empty string`);
  if (r.lastError !== null && typeof r.lastError !== 'string')
    throw new InputError(`${r.source}: lastError must be a string or null`);
  const obs = r.observation;
  if (obs === null) return;
  if (obs.source !== r.source) throw new InputError(`${r.source}: observation is from ${obs.source}`);
  if (!Number.isSafeInteger(obs.receivedAt))
    throw new InputError(`${r.source}: receivedAt must be integer milliseconds`);
  if (obs.exchangeTs !== null && !Number.isSafeInteger(obs.exchangeTs)) {
    throw new InputError(`${r.source}: exchangeTs must be integer milliseconds or null`);
  }
  if (r.valueSince !== undefined && (!Number.isSafeInteger(r.valueSince) || r.valueSince > obs.receivedAt)) {
    throw new InputError(
      `${r.source}: valueSince must be integer ms not after receivedAt, got ${String(r.valueSince)}`,
    );
  }
}
