/**
 * Retry delay after consecutive failures of one source: exponential, so a dead exchange is asked
 * less and less often, and capped, so a recovered one is noticed within `maxMs`.
 */

/**
 * Delay in ms before the next attempt after `failures` consecutive failures (1 = first failure):
 * `initialMs * 2^(failures - 1)`, capped at `maxMs`. Throws RangeError when `failures` is not a
 * positive integer, `initialMs` not a positive integer, or `maxMs` an integer below `initialMs`.
 */
export function backoffDelay(failures: number, initialMs: number, maxMs: number): number {
  if (!Number.isSafeInteger(failures) || failures < 1) {
    throw new RangeError(`failures must be a positive integer, got ${failures}`);
  }
  if (!Number.isSafeInteger(initialMs) || initialMs < 1) {
    throw new RangeError(`initialMs must be a positive integer, got ${initialMs}`);
  }
  if (!Number.isSafeInteger(maxMs) || maxMs < initialMs) {
    throw new RangeError(`maxMs must be an integer >= initialMs (${initialMs}), got ${maxMs}`);
  }
  // Doubling stops as soon as the cap is reached, so a long outage cannot overflow to Infinity.
  let delay = initialMs;
  for (let i = 1; i < failures && delay < maxMs; i++) delay *= 2;
  return Math.min(delay, maxMs);
}
