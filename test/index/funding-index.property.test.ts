/**
 * The funding index never loses accrual to rounding: whatever the rates and whole-millisecond
 * steps, the signed value after any number of steps is the floor of the exact sum
 * rate x elapsed x 10^7 / 28 800 000 computed at once, and the remainder carried is exactly what
 * that floor left. Checked against a one-shot computation written here from the definition.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { FUNDING_INDEX_EXPONENT, RATE_EXPONENT } from '../../src/core/fixed.js';
import { advanceFundingIndex, NEW_FUNDING_INDEX, type FundingIndexState } from '../../src/index/funding-index.js';

const PERIOD_MS = 28_800_000n;
const SCALE = 10n ** BigInt(RATE_EXPONENT - FUNDING_INDEX_EXPONENT);
const floorDiv = (n: bigint, d: bigint): bigint => (n >= 0n ? n / d : -((-n + d - 1n) / d));

describe('index/funding-index property: nothing is ever lost to rounding', () => {
  it('after any sequence of steps the value is the floor of the exact sum, and the remainder what it left', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            rate: fc.bigInt({ min: -100_000_000n, max: 100_000_000n }),
            elapsedMs: fc.integer({ min: 0, max: 600_000 }),
          }),
          { maxLength: 200 },
        ),
        fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }),
        (steps, start) => {
          let state: FundingIndexState = { value: start, remainder: 0n, at: 1_700_000_000_000 };
          let exact = 0n; // sum of rate x elapsed, in 10^-10 x ms per 8 h
          for (const { rate, elapsedMs } of steps) {
            const next = advanceFundingIndex(state, { rate, at: state.at! + elapsedMs, maxStepMs: 600_000 });
            if (!next.ok) throw new Error(next.reason);
            state = next.state;
            exact += rate * BigInt(elapsedMs);
          }
          const numerator = exact * SCALE; // in 10^-17 x 28 800 000
          expect(state.value).to.equal(start + floorDiv(numerator, PERIOD_MS));
          // The remainder, in 72ths of a unit, is exactly what the floor left of the exact sum.
          expect(state.remainder * PERIOD_MS).to.equal((numerator - floorDiv(numerator, PERIOD_MS) * PERIOD_MS) * 72n);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('one step of any length gives the same index as many small steps over the same time at the same rate', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -100_000_000n, max: 100_000_000n }),
        fc.array(fc.integer({ min: 0, max: 90_000 }), { minLength: 1, maxLength: 50 }),
        (rate, pieces) => {
          const total = pieces.reduce((a, b) => a + b, 0);
          let many: FundingIndexState = { ...NEW_FUNDING_INDEX, at: 0 };
          for (const ms of pieces) {
            const next = advanceFundingIndex(many, { rate, at: many.at! + ms, maxStepMs: 10 ** 9 });
            if (!next.ok) throw new Error(next.reason);
            many = next.state;
          }
          const once = advanceFundingIndex({ ...NEW_FUNDING_INDEX, at: 0 }, { rate, at: total, maxStepMs: 10 ** 9 });
          expect(once.ok && once.state).to.deep.equal(many);
        },
      ),
      { numRuns: 300 },
    );
  });
});
