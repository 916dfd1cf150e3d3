import { expect } from 'chai';
import { assessFreshness } from '../../src/server/freshness.js';
import type { Refusal } from '../../src/server/types.js';
import { FakeState, T0, TICK_MS, attestation } from './fake-oracle.js';

describe('assessFreshness', () => {
  // [case, observedAt of the latest (or null), refusal (or null), now, expected]
  const cases: ReadonlyArray<[string, number | null, Refusal | null, number, object]> = [
    [
      'nothing signed, nothing refused',
      null,
      null,
      T0,
      { fresh: false, reason: 'no attestation signed yet', ageMs: null },
    ],
    [
      'nothing signed, a refusal',
      null,
      { at: T0, reason: 'quorum not met' },
      T0,
      { fresh: false, reason: 'quorum not met', ageMs: null },
    ],
    ['just signed', T0, null, T0, { fresh: true, ageMs: 0 }],
    ['exactly at the bound', T0, null, T0 + 3 * TICK_MS, { fresh: true, ageMs: 3 * TICK_MS }],
    [
      'one ms past the bound',
      T0,
      null,
      T0 + 3 * TICK_MS + 1,
      { fresh: false, reason: 'last attestation is 15001 ms old, limit 15000 ms', ageMs: 15_001 },
    ],
    [
      'stale after a later refusal',
      T0,
      { at: T0 + TICK_MS, reason: 'all sources stale' },
      T0 + 4 * TICK_MS,
      { fresh: false, reason: 'all sources stale', ageMs: 20_000 },
    ],
    [
      'stale, refusal older than the quote says nothing',
      T0,
      { at: T0 - TICK_MS, reason: 'old news' },
      T0 + 4 * TICK_MS,
      { fresh: false, reason: 'last attestation is 20000 ms old, limit 15000 ms', ageMs: 20_000 },
    ],
    [
      'fresh despite a later refusal',
      T0,
      { at: T0 + TICK_MS, reason: 'quorum not met' },
      T0 + TICK_MS,
      { fresh: true, ageMs: TICK_MS },
    ],
    ['dated slightly ahead (clock jitter)', T0, null, T0 - 5_000, { fresh: true, ageMs: -5_000 }],
    [
      'dated far ahead: the clock moved back',
      T0,
      null,
      T0 - 5_001,
      {
        fresh: false,
        reason: "last attestation is dated 5001 ms in the future: the oracle's clock moved back",
        ageMs: -5_001,
      },
    ],
  ];
  for (const [name, observedAt, refusal, now, expected] of cases) {
    it(name, () => {
      const state = new FakeState();
      if (observedAt !== null) state.publish(attestation(1, observedAt));
      if (refusal !== null) state.refuse('index_price', refusal);
      const result = assessFreshness(state, 'index_price', now, TICK_MS);
      const { published: _published, ...rest } = result as { published?: unknown };
      expect(rest).to.deep.equal(expected);
      if (result.fresh) expect(result.published.json.sequence).to.equal('1');
    });
  }
});
