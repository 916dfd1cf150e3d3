/**
 * The checks every aggregation table test makes alike: one verdict per source in input order,
 * the expected verdict kinds, the tick time, and substrings of the reasons.
 */
import { expect } from 'chai';
import type { SourceVerdict, VerdictKind } from '../../src/index/types.js';

interface Judged {
  readonly ok: boolean;
  readonly observedAt: number;
  readonly verdicts: readonly SourceVerdict[];
  readonly reason?: string;
  readonly accepted?: readonly { readonly source: string }[];
}

/**
 * Asserts the verdicts of `out` for sources `ids`: kinds, order, tick time `now`, and for each
 * position in `reasons` that its reason contains the text (position -1: the refusal's reason).
 */
export function expectJudged(
  out: Judged,
  ids: readonly string[],
  verdicts: readonly VerdictKind[],
  now: number,
  reasons: Readonly<Record<number, string>> = {},
): void {
  expect(out.verdicts.map((v) => v.verdict)).to.deep.equal(verdicts);
  expect(out.verdicts.map((v) => v.source)).to.deep.equal(ids);
  expect(out.observedAt).to.equal(now);
  for (const [pos, text] of Object.entries(reasons)) {
    const reason = Number(pos) === -1 ? (out.ok ? '(signed)' : out.reason) : out.verdicts[Number(pos)]?.reason;
    expect(reason).to.include(text);
  }
}

/** Asserts that a signed outcome's accepted list is exactly its accepted verdicts, sorted by source id. */
export function expectAcceptedListed(out: Judged): void {
  const acceptedIds = out.verdicts
    .filter((v) => v.verdict === 'accepted')
    .map((v) => v.source)
    .sort();
  expect((out.accepted ?? []).map((o) => o.source)).to.deep.equal(acceptedIds);
}

/**
 * Asserts the result: a refusal when `expected` is null, else a signed outcome whose value (read by
 * `valueOf`) is `expected`, with `dispersionPpm` when given and its accepted list consistent.
 */
export function expectResult<T extends Judged>(
  out: T,
  expected: bigint | null,
  valueOf: (signed: T & { readonly dispersionPpm: number }) => bigint,
  dispersionPpm?: number,
): void {
  if (expected === null) {
    expect(out.ok).to.equal(false);
    return;
  }
  if (!out.ok || !('dispersionPpm' in out)) throw new Error(`expected a signed value, got a refusal: ${out.reason}`);
  const signed = out as T & { readonly dispersionPpm: number };
  expect(valueOf(signed)).to.equal(expected);
  if (dispersionPpm !== undefined) expect(signed.dispersionPpm).to.equal(dispersionPpm);
  expectAcceptedListed(out);
}
