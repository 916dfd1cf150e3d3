/**
 * Timing loop for the CPU benchmarks: runs a function many times, timing each call with
 * process.hrtime.bigint(), and summarises the per-call times. Per-call samples (not one total)
 * are what make a p99 possible: a tick that is usually fast but sometimes slow matters to the
 * tick interval, and the mean hides it.
 */

/** Where results go so that no measured call is dead code. */
let sink: unknown;

/** Per-call timing of one benchmark case, in microseconds. */
export interface Timing {
  readonly iterations: number;
  readonly meanUs: number;
  readonly p50Us: number;
  readonly p99Us: number;
  /** Calls per second implied by the mean. */
  readonly perSecond: number;
}

export interface TimingBudget {
  /** Untimed calls first, so the JIT has compiled the path being measured. */
  readonly warmup: number;
  /** Stop after this many timed calls ... */
  readonly maxIterations: number;
  /** ... or once this much time has been spent timing, whichever comes first. */
  readonly budgetMs: number;
  /** Never fewer than this many timed calls, whatever the budget (a p99 needs samples). */
  readonly minIterations: number;
}

/**
 * Calls `fn(i)` warmup + n times (i counts from 0 across both) and returns the per-call mean,
 * median and p99. What `fn` returns is stored in a module variable so the call cannot be
 * optimised away. Throws whatever `fn` throws: a benchmark of a failing path measures nothing.
 */
export function timeCalls(fn: (i: number) => unknown, budget: TimingBudget): Timing {
  for (let i = 0; i < budget.warmup; i++) sink = fn(i);
  const samples: number[] = [];
  const deadline = process.hrtime.bigint() + BigInt(budget.budgetMs) * 1_000_000n;
  for (let i = 0; i < budget.maxIterations; i++) {
    const start = process.hrtime.bigint();
    sink = fn(budget.warmup + i);
    const end = process.hrtime.bigint();
    samples.push(Number(end - start));
    if (samples.length >= budget.minIterations && end >= deadline) break;
  }
  const sorted = Float64Array.from(samples).sort();
  const meanNs = samples.reduce((a, b) => a + b, 0) / samples.length;
  return {
    iterations: samples.length,
    meanUs: meanNs / 1000,
    p50Us: percentile(sorted, 0.5) / 1000,
    p99Us: percentile(sorted, 0.99) / 1000,
    perSecond: 1e9 / meanNs,
  };
}

/** Nearest-rank percentile of an ascending, non-empty array; q in (0, 1]. */
export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no samples');
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}
