/**
 * k of n funding indices (docs/METHODOLOGY.md 8.6): the agreed increase is the median of each
 * oracle's increase over the same interval, so one oracle out of three, whatever it signs, moves
 * nothing on its own; and the funding target rounds once, exactly as the target without funding.
 */
import { expect } from 'chai';
import { fundingUsd, medianIncrement, targetWithFundingMsat } from '../../src/client/funding-increments.js';
import { targetReceiverMsat } from '../../src/client/stable-math.js';

describe('client/funding-increments', () => {
  const cases: [string, bigint[], number, bigint | string][] = [
    ['three oracles: the middle one', [30n, 10n, 20n], 2, 40n],
    ['one oracle far off cannot move it', [20n, 21n, 10n ** 18n], 2, 42n],
    ['an even count: the middle two, kept exact as twice the median', [1n, 2n, 4n, 100n], 2, 6n],
    ['negative increases (shorts paid longs)', [-5n, -7n, -6n], 3, -12n],
    ['fewer than k', [5n], 2, '1 oracles gave a funding index increase, threshold is 2'],
  ];
  for (const [what, increments, k, expected] of cases)
    it(what, () => {
      const outcome = medianIncrement(increments, k);
      if (typeof expected === 'string') expect(outcome).to.deep.equal({ ok: false, reason: expected });
      else expect(outcome).to.deep.equal({ ok: true, twiceMedian: expected });
    });

  it('funding is stableUsd x the median at 10^-25 USD, half to even once', () => {
    expect(fundingUsd(100n * 10n ** 8n, 2n * 10n ** 14n)).to.equal(10n ** 24n); // 100 USD x 0.001 = 0.1 USD
    expect(fundingUsd(3n, 1n)).to.equal(2n); // 1.5 -> 2
    expect(fundingUsd(1n, 1n)).to.equal(0n); // 0.5 -> 0
  });

  it('with no funding the target is exactly the one without; with 0.1 USD it holds 0.1 USD more', () => {
    for (const price of [1n, 99_000n * 10n ** 8n, 123_456_789n])
      expect(targetWithFundingMsat(10_000_000_000n, 0n, price)).to.equal(targetReceiverMsat(10_000_000_000n, price));
    expect(targetWithFundingMsat(100n * 10n ** 8n, 10n ** 24n, 100_000n * 10n ** 8n)).to.equal(100_100_000n);
  });

  it('reproduces the worked example of docs/METHODOLOGY.md 8.6', () => {
    const stable = 1000n * 10n ** 8n;
    const price = 97_000n * 10n ** 8n;
    const fundingPart = (increments: bigint[]) => {
      const median = medianIncrement(increments, 2);
      if (!median.ok) throw new Error(median.reason);
      const usd = fundingUsd(stable, median.twiceMedian);
      return targetWithFundingMsat(stable, usd, price) - targetReceiverMsat(stable, price);
    };
    expect(targetReceiverMsat(stable, price)).to.equal(1_030_927_835n);
    expect(fundingPart([10n ** 15n, 10n ** 15n - 100n, 2n * 10n ** 15n])).to.equal(10_309_278n);
    expect(fundingPart([10n ** 15n, 2n * 10n ** 15n])).to.equal(15_463_918n);
    expect(fundingPart([10n ** 15n, 11n * 10n ** 14n])).to.equal(10_824_742n);
  });
});
