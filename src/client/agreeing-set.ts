/**
 * Which quotes agree, so that one oracle out of n cannot veto settlement by signing a figure the
 * others do not (docs: README "Risks you take", the oracles). An agreeing set is a run of the
 * sorted values: it holds every value between its lowest and its highest (a quote the set
 * surrounds cannot be left out), and its spread, highest minus lowest, is within the bound. The
 * best set has the most quotes; among equally large ones, the smallest spread (colluders who
 * tie with honest oracles must then agree more tightly than they do), then the median nearest
 * the median of all the values (a robust anchor: within the honest range while the faulty are
 * fewer than the honest), then the lowest values, so the choice never depends on input order.
 * Pure and exact: bigint values at one exponent, O(n^2) runs of n sorted values.
 */

/** How far apart the values of an agreeing set may be. */
export type SpreadBound =
  /** Spread at most `bps` basis points of the set's median (prices). */
  | { readonly bps: number }
  /** Spread at most `abs`, at the values' exponent (rates: near zero, a relative bound means nothing). */
  | { readonly abs: bigint };

/** A run of the sorted values: indices `first..last`, inclusive. */
export interface AgreeingRun {
  readonly first: number;
  readonly last: number;
  /** Twice the run's median (the sum of its middle two values, or twice its middle one): exact. */
  readonly twiceMedian: bigint;
  readonly spread: bigint;
}

const abs = (n: bigint): bigint => (n < 0n ? -n : n);

/** Twice the median of `sorted[first..last]`. */
function twiceMedianOf(sorted: readonly bigint[], first: number, last: number): bigint {
  const lower = first + ((last - first) >> 1);
  const upper = first + ((last - first + 1) >> 1);
  return (sorted[lower] as bigint) + (sorted[upper] as bigint);
}

/** True when `spread` is within `bound` of a set whose median is `twiceMedian / 2`. */
function isWithinBound(spread: bigint, twiceMedian: bigint, bound: SpreadBound): boolean {
  if ('abs' in bound) return spread <= bound.abs;
  // spread <= bps/10000 * |median|, with median = twiceMedian / 2, kept exact.
  return spread * 20_000n <= BigInt(bound.bps) * abs(twiceMedian);
}

/** Negative when run `a` is the better choice (see the module doc for the order). */
function compareRuns(a: AgreeingRun, b: AgreeingRun, twiceAll: bigint): number {
  const size = b.last - b.first - (a.last - a.first);
  if (size !== 0) return size;
  if (a.spread !== b.spread) return a.spread < b.spread ? -1 : 1;
  const da = abs(a.twiceMedian - twiceAll);
  const db = abs(b.twiceMedian - twiceAll);
  if (da !== db) return da < db ? -1 : 1;
  return a.first - b.first;
}

/**
 * The best agreeing run of `sorted` (ascending, non-empty) under `bound`. A single value always
 * agrees with itself, so there is always one; the caller compares its size with the threshold.
 * Runs never split equal values: equal quotes are all in or all out.
 */
export function findAgreeingRun(sorted: readonly bigint[], bound: SpreadBound): AgreeingRun {
  const n = sorted.length;
  if (n === 0) throw new RangeError('no values to agree on');
  const twiceAll = twiceMedianOf(sorted, 0, n - 1);
  let best: AgreeingRun | null = null;
  for (let first = 0; first < n; first++) {
    if (first > 0 && sorted[first - 1] === sorted[first]) continue;
    for (let last = n - 1; last >= first; last--) {
      if (last < n - 1 && sorted[last + 1] === sorted[last]) continue;
      const spread = (sorted[last] as bigint) - (sorted[first] as bigint);
      const twiceMedian = twiceMedianOf(sorted, first, last);
      if (!isWithinBound(spread, twiceMedian, bound)) continue;
      const run = { first, last, twiceMedian, spread };
      if (best === null || compareRuns(run, best, twiceAll) < 0) best = run;
      // Shorter runs from this start are smaller than this one: none of them can be better.
      break;
    }
  }
  return best as AgreeingRun;
}
