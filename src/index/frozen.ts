/**
 * The frozen filter. A venue that sends no timestamp with its data (Kraken and Bitfinex tickers,
 * OKX and Deribit funding) can go on answering one old value that we receive fresh, and no age
 * limit sees it. A live venue follows the market, so a value that has not changed for longer
 * than a limit while the figure (the preliminary median) moved beyond another limit is frozen.
 * The aggregator stays pure: the reading says since when its value stands still (the poller
 * knows), and the input carries the figure's earlier preliminary medians (the service keeps them).
 */
import { InputError } from '../core/errors.js';
import type { Reading } from './readings.js';
import type { Judgement } from './filters.js';
import type { FigurePoint } from './types.js';
import { seconds } from './wording.js';

/** The frozen rule of one figure, with how its values are compared and worded. */
export interface Stillness {
  /** A value unchanged for longer than this is frozen if the figure moved too far meanwhile. */
  readonly afterMs: number;
  /** The figure's preliminary medians on earlier ticks, oldest first, strictly increasing in time. */
  readonly history: readonly FigurePoint[];
  /** How far the figure went from `then` to `now`, whether that is beyond the limit, and the limit. */
  moved(then: bigint, now: bigint): { readonly over: boolean; readonly distance: string; readonly limit: string };
  /** A value of the figure in words ("97000.00", "0.0100%"). */
  show(value: bigint): string;
}

/**
 * Judges one source that passed staleness and plausibility: frozen when its value has stood
 * still for longer than `afterMs` and the preliminary median moved beyond the limit since. The
 * figure "then" is its last recorded point at or before the source's value last changed, or the
 * oldest point when the value is older than the history (the move is then judged over the part
 * of the stillness we remember). Null when not frozen, when the reading does not say since when
 * its value stands still, or when the figure has no history.
 */
export function judgeStillness(
  reading: Reading<unknown>,
  preliminary: bigint,
  now: number,
  rule: Stillness,
): Judgement | null {
  const since = reading.valueSince;
  if (since === undefined || now - since <= rule.afterMs) return null;
  const point = pointAt(rule.history, since);
  if (point === null) return null;
  const moved = rule.moved(point.value, preliminary);
  if (!moved.over) return null;
  return {
    kind: 'frozen',
    reason:
      `value unchanged for ${seconds(now - since)} (limit ${seconds(rule.afterMs)}) while the preliminary median ` +
      `moved ${moved.distance} (limit ${moved.limit}), from ${rule.show(point.value)} on the tick ` +
      `${seconds(now - point.at)} ago to ${rule.show(preliminary)}`,
  };
}

/** The last point at or before `at` (binary search), the oldest if all are later, null if there is none. */
function pointAt(history: readonly FigurePoint[], at: number): FigurePoint | null {
  let lo = 0;
  let hi = history.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((history[mid] as FigurePoint).at <= at) lo = mid + 1;
    else hi = mid;
  }
  return history[lo === 0 ? 0 : lo - 1] ?? null;
}

/** Throws InputError unless the frozen rule's `afterMs` (named `name`) is a non-negative integer. */
export function checkFrozenAfter(name: string, afterMs: number): void {
  if (!Number.isSafeInteger(afterMs) || afterMs < 0) {
    throw new InputError(`${name} must be a non-negative integer, got ${String(afterMs)}`);
  }
}

/**
 * Checks the figure's history: integer times, strictly increasing and not after `now`, bigint
 * values. Throws InputError naming the first bad point.
 */
export function checkHistory(history: readonly FigurePoint[], now: number): void {
  if (!Array.isArray(history)) throw new InputError('history must be an array of {at, value} points');
  let previous = Number.NEGATIVE_INFINITY;
  for (const [i, point] of history.entries()) {
    if (!Number.isSafeInteger(point.at) || typeof point.value !== 'bigint') {
      throw new InputError(`history[${i}] must have integer ms \`at\` and a bigint \`value\`, got ${String(point.at)}`);
    }
    if (point.at <= previous || point.at > now) {
      throw new InputError(`history[${i}].at must follow the previous point, not after now (${now}), got ${point.at}`);
    }
    previous = point.at;
  }
}
