/**
 * The poller's memory for the frozen filter: with a value-equality function, each reading says
 * since when its value stands still (the receive time of the first observation with the current
 * value), through failed fetches too; a new value, or a clock that went back, starts it afresh.
 */
import { expect } from 'chai';
import { ManualClock } from '../../src/core/clock.js';
import { Poller } from '../../src/feeds/poller.js';
import type { Observation } from '../../src/index/readings.js';

const T0 = 1_700_000_000_000;
const SPEC = { exchange: 'kraken', symbol: 'BTC/USD' };

/** Timers that never fire on their own: the test drives every poll with pollOnce. */
const timers = { setTimeout: () => null, clearTimeout: () => undefined };

/** A poller of one source answering `answers` in turn (an Error is a failed fetch), received at the clock's time. */
function pollerOf(answers: readonly (bigint | Error)[], sameValue?: (a: Observation, b: Observation) => boolean) {
  const clock = new ManualClock(T0);
  let call = 0;
  const fetch = async (): Promise<Observation> => {
    const answer = answers[call++] ?? new Error('no more answers');
    if (answer instanceof Error) throw answer;
    return { source: 'kraken:BTC/USD', price: answer, exchangeTs: null, receivedAt: clock.now() };
  };
  const poller = new Poller<Observation>({
    sources: [{ spec: SPEC, fetch }],
    intervalMs: 2_000,
    timeoutMs: 4_000,
    backoffInitialMs: 1_000,
    backoffMaxMs: 60_000,
    clock,
    timers,
    ...(sameValue ? { sameValue } : {}),
  });
  /** Polls once at `at` ms after T0; returns the reading's valueSince relative to T0. */
  const pollAt = async (at: number): Promise<number | undefined> => {
    clock.set(T0 + at);
    await poller.pollOnce();
    const since = poller.readings()[0]?.valueSince;
    return since === undefined ? undefined : since - T0;
  };
  return { pollAt };
}

const samePrice = (a: Observation, b: Observation): boolean => a.price === b.price;

describe('feeds/poller: since when a value stands still', () => {
  it('keeps the receive time of the first observation with the current value', async () => {
    const { pollAt } = pollerOf([5n, 5n, 5n], samePrice);
    expect([await pollAt(0), await pollAt(2_000), await pollAt(4_000)]).to.deep.equal([0, 0, 0]);
  });

  it('starts afresh when the value changes, even back to an earlier value', async () => {
    const { pollAt } = pollerOf([5n, 6n, 6n, 5n], samePrice);
    expect([await pollAt(0), await pollAt(2_000), await pollAt(4_000), await pollAt(6_000)]).to.deep.equal([
      0, 2_000, 2_000, 6_000,
    ]);
  });

  it('keeps it through failed fetches, and compares the next value with the last good one', async () => {
    const { pollAt } = pollerOf([5n, new Error('HTTP 503'), 5n, new Error('timeout'), 7n], samePrice);
    const seen = [await pollAt(0), await pollAt(2_000), await pollAt(4_000), await pollAt(6_000), await pollAt(8_000)];
    expect(seen).to.deep.equal([0, 0, 0, 0, 8_000]);
  });

  it('starts afresh when the clock went back', async () => {
    const { pollAt } = pollerOf([5n, 5n], samePrice);
    expect([await pollAt(10_000), await pollAt(4_000)]).to.deep.equal([10_000, 4_000]);
  });

  it('says nothing before the first observation, or without an equality function', async () => {
    const failing = pollerOf([new Error('HTTP 503')], samePrice);
    expect(await failing.pollAt(0)).to.equal(undefined);
    const unknown = pollerOf([5n, 5n]);
    expect([await unknown.pollAt(0), await unknown.pollAt(2_000)]).to.deep.equal([undefined, undefined]);
  });
});
