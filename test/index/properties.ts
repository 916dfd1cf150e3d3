/**
 * What the robustness property tests of every aggregation share: readings interleaved in a random
 * order, one verdict per reading, and independence from that order.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { SourceVerdict } from '../../src/index/types.js';

interface Judged {
  readonly verdicts: readonly SourceVerdict[];
}

/** `items` reordered by the sort keys `order` (missing keys count as 0; ties keep input order). */
export function interleave<T>(items: readonly T[], order: readonly number[]): T[] {
  return items
    .map((item, i) => [order[i] ?? 0, i, item] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map(([, , item]) => item);
}

/** Asserts one verdict per reading, in the readings' order. */
export function expectOneVerdictEach(
  input: { readonly readings: readonly { readonly source: string }[] },
  out: Judged,
): void {
  expect(out.verdicts.map((v) => v.source)).to.deep.equal(input.readings.map((r) => r.source));
}

/**
 * Checks, over `runs` scenarios from `scenarios`, that `run` gives the same outcome (verdicts
 * compared in source order) when only the scenario's `order` of the readings changes.
 */
export function checkOrderIndependence<S extends { readonly order: readonly number[] }>(
  scenarios: fc.Arbitrary<S>,
  run: (s: S) => Judged,
  runs: number,
): void {
  const withPermutation = scenarios.chain((s) =>
    fc
      .array(fc.nat(), { minLength: s.order.length, maxLength: s.order.length })
      .map((order) => [s, { ...s, order }] as const),
  );
  fc.assert(
    fc.property(withPermutation, ([s, shuffled]) => {
      expect(canonical(run(shuffled))).to.deep.equal(canonical(run(s)));
    }),
    { numRuns: runs },
  );
}

/**
 * The outcome with verdicts in source order (the premium's too, where there is one), so two
 * orders of the same readings compare equal.
 */
function canonical(out: Judged): Judged {
  const sorted = (vs: readonly SourceVerdict[]) =>
    [...vs].sort((x, y) => (x.source < y.source ? -1 : x.source > y.source ? 1 : 0));
  const premium = (out as { premium?: Judged }).premium;
  return {
    ...out,
    verdicts: sorted(out.verdicts),
    ...(premium ? { premium: { ...premium, verdicts: sorted(premium.verdicts) } } : {}),
  };
}
