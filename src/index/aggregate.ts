/**
 * The aggregator: one tick's source readings in, one index (or a refusal) out, with a verdict and
 * a reason for every source. Pure: no I/O and no clock; `now` is the tick time the caller read.
 *
 * Order of the filters (DESIGN section 3, docs/METHODOLOGY.md): no observation, staleness by our
 * receive time and by the exchange's timestamp, quote conversion, plausibility bounds, deviation
 * from a preliminary median, then quorum. Every comparison is on integers, so every oracle given
 * the same readings reaches the same verdicts and the same index.
 */
import type { Observation, SourceReading } from '../feeds/types.js';
import { InputError } from '../core/errors.js';
import { PRICE_ONE, abs, divRoundHalfEven, median } from '../core/fixed.js';
import type { IndexOutcome, IndexRules, SourceVerdict, VerdictKind } from './types.js';
import { percent, price as showPrice, seconds } from './wording.js';

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
 * A reading on its way through the filters: `judgement` is set by the first filter it fails, or
 * by the median check for the survivors.
 */
interface Draft {
  readonly reading: SourceReading;
  readonly price: bigint | null;
  judgement: { kind: VerdictKind; reason: string } | null;
  deviationBps: number | null;
}

const VERDICT_ORDER: readonly VerdictKind[] = ['accepted', 'stale', 'implausible', 'outlier', 'error'];
/** Exchange error text can be long (HTML error pages); keep reasons readable. */
const MAX_ERROR_CHARS = 200;

/**
 * Computes the index of one tick. Takes the readings, the rules, the conversion rates and the tick
 * time; returns IndexSuccess (median of the accepted prices, at least `quorum` of them) or
 * IndexRefusal (why nothing can be signed), each with one verdict per reading in input order.
 * Throws InputError for malformed input (bad rules, duplicate sources, non-positive rates).
 */
export function aggregate(input: AggregateInput): IndexOutcome {
  checkInput(input);
  const { pair, rules, now, readings } = input;
  const drafts = readings.map((r) => judgeAlone(r, input));

  const survivors = drafts.filter((d) => d.judgement === null);
  if (survivors.length > 0) {
    const prelim = median(survivors.map((d) => d.price as bigint));
    const limit = BigInt(rules.maxDeviationBps);
    for (const d of survivors) {
      const diff = abs((d.price as bigint) - prelim);
      d.deviationBps = Number((diff * 10_000n) / prelim);
      // Compare unrounded: the floored bps is for display only and must not decide.
      const over = diff * 10_000n > limit * prelim;
      const shown = over && d.deviationBps === rules.maxDeviationBps ? `just over ${percent(limit)}` : percent(d.deviationBps);
      const reason = `${shown} from preliminary median ${showPrice(prelim)}, limit ${percent(limit)}`;
      if (over) d.judgement = { kind: 'outlier', reason: withFetchError(reason, d.reading) };
      else d.judgement = { kind: 'accepted', reason };
    }
  }

  const verdicts = drafts.map((d) => toVerdict(d, now));
  const accepted = drafts.filter((d) => d.judgement?.kind === 'accepted');
  if (accepted.length < rules.quorum) {
    return {
      ok: false,
      pair,
      observedAt: now,
      reason:
        `${accepted.length} of ${readings.length} sources accepted, quorum is ${rules.quorum}` +
        (readings.length > 0 ? ` (${countVerdicts(verdicts)})` : ''),
      verdicts,
    };
  }

  const prices = accepted.map((d) => d.price as bigint);
  const index = median(prices);
  const spread = prices.reduce((max, p) => (abs(p - index) > max ? abs(p - index) : max), 0n);
  return {
    ok: true,
    pair,
    price: index,
    observedAt: now,
    dispersionPpm: Number((spread * 1_000_000n) / index),
    accepted: accepted.map((d) => acceptedObservation(d)).sort((a, b) => compareStrings(a.source, b.source)),
    verdicts,
  };
}

/** Filters 1-4: the checks that need only the reading itself. */
function judgeAlone(reading: SourceReading, input: AggregateInput): Draft {
  const { rules, now, target } = input;
  const obs = reading.observation;
  if (obs === null) {
    const reason = reading.lastError !== null ? clip(reading.lastError) : 'no observation yet';
    return { reading, price: null, judgement: { kind: 'error', reason }, deviationBps: null };
  }
  const rate = reading.quote === target ? PRICE_ONE : input.conversions.get(reading.quote);
  // Converted even when stale, so /sources can show what the source said in the target quote.
  const price = rate === undefined ? null : divRoundHalfEven(obs.price * rate, PRICE_ONE);
  const reject = (kind: VerdictKind, reason: string): Draft => ({
    reading,
    price,
    judgement: { kind, reason: withFetchError(reason, reading) },
    deviationBps: null,
  });

  const age = now - obs.receivedAt;
  if (age > rules.maxAgeMs) return reject('stale', `received ${seconds(age)} ago, limit ${seconds(rules.maxAgeMs)}`);
  if (-age > rules.maxFutureSkewMs) {
    return reject('stale', `received ${seconds(-age)} after the tick time, limit ${seconds(rules.maxFutureSkewMs)}`);
  }
  if (obs.exchangeTs !== null) {
    const exchangeAge = now - obs.exchangeTs;
    if (exchangeAge > rules.maxExchangeAgeMs) {
      return reject('stale', `exchange timestamp ${seconds(exchangeAge)} old, limit ${seconds(rules.maxExchangeAgeMs)}`);
    }
    if (-exchangeAge > rules.maxFutureSkewMs) {
      return reject('stale', `exchange clock ahead by ${seconds(-exchangeAge)}, limit ${seconds(rules.maxFutureSkewMs)}`);
    }
  }
  if (price === null) return reject('error', `no ${reading.quote}/${target} rate this tick`);
  if (price <= 0n) return reject('implausible', `price ${showPrice(price)} ${target} is not positive`);
  if (price < rules.minPrice || price > rules.maxPrice) {
    return reject(
      'implausible',
      `price ${showPrice(price)} ${target} outside plausible range ${showPrice(rules.minPrice)}..${showPrice(rules.maxPrice)}`,
    );
  }
  return { reading, price, judgement: null, deviationBps: null };
}

function toVerdict(d: Draft, now: number): SourceVerdict {
  const obs = d.reading.observation;
  // Every draft has a judgement here: survivors of filters 1-4 were judged against the median.
  const judged = d.judgement as { kind: VerdictKind; reason: string };
  return {
    source: d.reading.source,
    verdict: judged.kind,
    reason: judged.reason,
    quote: d.reading.quote,
    rawPrice: obs?.price ?? null,
    price: d.price,
    exchangeTs: obs?.exchangeTs ?? null,
    receivedAt: obs?.receivedAt ?? null,
    ageMs: obs === null ? null : now - obs.receivedAt,
    deviationBps: d.deviationBps,
  };
}

function acceptedObservation(d: Draft): Observation {
  const obs = d.reading.observation as Observation;
  return { source: obs.source, price: d.price as bigint, exchangeTs: obs.exchangeTs, receivedAt: obs.receivedAt };
}

function countVerdicts(verdicts: readonly SourceVerdict[]): string {
  return VERDICT_ORDER.map((kind) => [kind, verdicts.filter((v) => v.verdict === kind).length] as const)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${count} ${kind}`)
    .join(', ');
}

function withFetchError(reason: string, reading: SourceReading): string {
  return reading.lastError === null ? reason : `${reason}; last fetch failed: ${clip(reading.lastError)}`;
}

function clip(text: string): string {
  return text.length <= MAX_ERROR_CHARS ? text : `${text.slice(0, MAX_ERROR_CHARS)}...`;
}

/** Code-unit order, not locale order: every oracle must sort (and so commit to) sources alike. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkInput(input: AggregateInput): void {
  const { rules } = input;
  if (typeof input.pair !== 'string' || input.pair === '') throw new InputError('pair must be a non-empty string');
  if (typeof input.target !== 'string' || input.target === '') throw new InputError('target must be a non-empty string');
  if (!Number.isSafeInteger(input.now)) throw new InputError(`now must be integer milliseconds, got ${String(input.now)}`);
  for (const key of ['maxAgeMs', 'maxExchangeAgeMs', 'maxFutureSkewMs'] as const) {
    const v = rules[key];
    if (!Number.isSafeInteger(v) || v < 0) throw new InputError(`rules.${key} must be a non-negative integer, got ${String(v)}`);
  }
  if (!Number.isSafeInteger(rules.maxDeviationBps) || rules.maxDeviationBps < 0 || rules.maxDeviationBps > 10_000) {
    throw new InputError(`rules.maxDeviationBps must be an integer in 0..10000, got ${String(rules.maxDeviationBps)}`);
  }
  if (!Number.isSafeInteger(rules.quorum) || rules.quorum < 1) {
    throw new InputError(`rules.quorum must be an integer >= 1, got ${String(rules.quorum)}`);
  }
  if (typeof rules.minPrice !== 'bigint' || typeof rules.maxPrice !== 'bigint') {
    throw new InputError('rules.minPrice and rules.maxPrice must be bigints at PRICE_EXPONENT');
  }
  // A positive floor keeps the median positive, so deviation and dispersion never divide by zero.
  if (rules.minPrice <= 0n || rules.minPrice > rules.maxPrice) {
    throw new InputError('rules need 0 < minPrice <= maxPrice');
  }
  for (const [quote, rate] of input.conversions) {
    if (typeof rate !== 'bigint' || rate <= 0n) {
      throw new InputError(`conversion rate for ${quote} must be a positive bigint, got ${String(rate)}`);
    }
  }
  const seen = new Set<string>();
  for (const r of input.readings) checkReading(r, seen);
}

function checkReading(r: SourceReading, seen: Set<string>): void {
  if (typeof r.source !== 'string' || r.source === '') throw new InputError('reading.source must be a non-empty string');
  if (seen.has(r.source)) throw new InputError(`duplicate source ${r.source}`);
  seen.add(r.source);
  if (typeof r.quote !== 'string' || r.quote === '') throw new InputError(`${r.source}: quote must be a non-empty string`);
  if (r.lastError !== null && typeof r.lastError !== 'string') throw new InputError(`${r.source}: lastError must be a string or null`);
  const obs = r.observation;
  if (obs === null) return;
  if (obs.source !== r.source) throw new InputError(`${r.source}: observation is from ${obs.source}`);
  if (typeof obs.price !== 'bigint') throw new InputError(`${r.source}: observation price must be a bigint`);
  if (!Number.isSafeInteger(obs.receivedAt)) throw new InputError(`${r.source}: receivedAt must be integer milliseconds`);
  if (obs.exchangeTs !== null && !Number.isSafeInteger(obs.exchangeTs)) {
    throw new InputError(`${r.source}: exchangeTs must be integer milliseconds or null`);
  }
}
