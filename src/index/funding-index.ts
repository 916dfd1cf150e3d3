/**
 * The funding index (kind `funding_index`, docs/METHODOLOGY.md 8.8): the cumulative funding per unit
 * of USD notional since this oracle's epoch, I = sum over its funding ticks of rate x elapsed / 8 h.
 * A client owes `notional x (I(t2) - I(t1))` between two of its settlements, so funding no longer
 * depends on when anyone polled. Here the one step a funding tick takes, pure and exact: the rate at
 * 10^-10 per 8 h times whole milliseconds over 28 800 000 ms is not a whole number of 10^-17 (nor of
 * any power of ten: 28 800 000 = 2^10 x 3^2 x 5^5, and no power of ten removes the 3^2), so the
 * signed value is the exact index floored and the state carries the remainder in 72ths of a unit.
 * Nothing is lost to rounding over the index's life: after any number of steps the value is the
 * floor of the exact sum, as if it were computed at once (test/index/funding-index.property.test.ts).
 */
import { InputError } from '../core/errors.js';
import { FUNDING_INDEX_EXPONENT, RATE_EXPONENT, floorDiv } from '../core/fixed.js';
import { FUNDING_PERIOD_MS } from './readings.js';

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
const SCALE = 10n ** BigInt(RATE_EXPONENT - FUNDING_INDEX_EXPONENT);
const PERIOD = BigInt(FUNDING_PERIOD_MS);
/** rate x elapsed ms x 10^7 / 28 800 000 = rate x elapsed x 25 / 72 units of 10^-17. */
const PER_RATE_MS = SCALE / gcd(SCALE, PERIOD);
/** The remainder's denominator: 72. */
export const INDEX_PARTS = PERIOD / gcd(SCALE, PERIOD);

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

export interface FundingIndexState {
  /** The index as signed, at FUNDING_INDEX_EXPONENT: the exact index, floored. */
  readonly value: bigint;
  /** What the floor left, in INDEX_PARTS-ths of a unit: 0 <= remainder < INDEX_PARTS. */
  readonly remainder: bigint;
  /** observedAt of the last signed index (ms); null for a new index, which starts at its first tick. */
  readonly at: number | null;
}

/** A new index: its first signed value is 0, at its first funding tick (its epoch). */
/**
 * How many funding ticks one signed rate may cover (docs/METHODOLOGY.md 8.8). Part of what the index
 * means, so it is a constant of its own: as long as /funding serves a rate as current today (three
 * ticks, src/server/freshness.ts), but a change there must not change the signed index.
 */
export const FUNDING_INDEX_MAX_STEP_TICKS = 3;

export const NEW_FUNDING_INDEX: FundingIndexState = { value: 0n, remainder: 0n, at: null };

export type FundingIndexStep =
  | {
      readonly ok: true;
      readonly state: FundingIndexState;
      /** Time since the last signed index, and the part of it that accrued (at most maxStepMs). */
      readonly elapsedMs: number;
      readonly accruedMs: number;
    }
  | { readonly ok: false; readonly reason: string };

/** Throws InputError unless `state` is one the steps below can continue (the store's and the CLI's check). */
export function checkFundingIndexState(state: FundingIndexState): void {
  if (typeof state.value !== 'bigint' || state.value < I64_MIN || state.value > I64_MAX)
    throw new InputError(`funding index value must be a signed 64-bit integer, got ${String(state.value)}`);
  if (typeof state.remainder !== 'bigint' || state.remainder < 0n || state.remainder >= INDEX_PARTS)
    throw new InputError(`funding index remainder must be in 0..${INDEX_PARTS - 1n}, got ${String(state.remainder)}`);
  if (state.at !== null && (!Number.isSafeInteger(state.at) || state.at < 0))
    throw new InputError(`funding index time must be null or ms since the epoch, got ${String(state.at)}`);
}

/**
 * The index at a funding tick at `at` (ms) whose signed rate is `rate` (10^-10 per 8 h): the last
 * signed index plus rate x min(at - its time, maxStepMs) / 8 h, exactly. The rate signed in a tick
 * is the rate of the interval that ends at it; a longer interval (refused ticks, the oracle down)
 * accrues only its last `maxStepMs` (METHODOLOGY 8.8, gaps). Refuses, with the reason, a tick before
 * the last signed index (the clock went back) and a value beyond 64 bits. Throws InputError for a
 * caller bug: a malformed state, a non-integer time or a non-positive maxStepMs.
 */
export function advanceFundingIndex(
  state: FundingIndexState,
  step: { readonly rate: bigint; readonly at: number; readonly maxStepMs: number },
): FundingIndexStep {
  checkFundingIndexState(state);
  const { rate, at, maxStepMs } = step;
  if (typeof rate !== 'bigint') throw new InputError(`rate must be a bigint, got ${typeof rate}`);
  if (!Number.isSafeInteger(at) || at < 0) throw new InputError(`at must be ms since the epoch, got ${String(at)}`);
  if (!Number.isSafeInteger(maxStepMs) || maxStepMs <= 0)
    throw new InputError(`maxStepMs must be a positive integer, got ${String(maxStepMs)}`);
  const last = state.at ?? at;
  if (at < last)
    return {
      ok: false,
      reason: `the clock is ${last - at} ms behind the last signed funding index: it never goes back in time`,
    };
  const elapsedMs = at - last;
  const accruedMs = Math.min(elapsedMs, maxStepMs);
  const parts = state.value * INDEX_PARTS + state.remainder + rate * BigInt(accruedMs) * PER_RATE_MS;
  const value = floorDiv(parts, INDEX_PARTS);
  if (value < I64_MIN || value > I64_MAX)
    return { ok: false, reason: `the funding index would leave the signed 64-bit range (${value})` };
  return { ok: true, state: { value, remainder: parts - value * INDEX_PARTS, at }, elapsedMs, accruedMs };
}
