/**
 * Issue 11: funding must not depend on when anyone polled. Two clients that have both used the same
 * attestations (the same index quotes and the same funding index quotes) must compute the same
 * funding to the millisatoshi, whatever their round schedules, outages and restarts before, and
 * whichever oracles were down in between. Observed from outside, as the peers see each other: at a
 * common instant the receiver's round runs first, then the provider's; when they agree, whatever
 * one side expects is exactly what the other pays, and after one pays the other finds nothing
 * owed (the minimum payment is 0, so a difference of 1 msat shows).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { RoundReport } from '../../src/client/round.js';
import { setup, type World } from './round-setup.js';

type Who = 'receiver' | 'provider';
type Step =
  | { t: 'round'; who: Who }
  | { t: 'time'; ms: number }
  | { t: 'rate'; rate: bigint }
  | { t: 'price'; bps: number }
  | { t: 'restart'; who: Who }
  | { t: 'down'; oracle: number; down: boolean }
  | { t: 'sync' };

const who = fc.constantFrom<Who>('receiver', 'provider');
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('round' as const), who }) },
  {
    weight: 4,
    arbitrary: fc.record({ t: fc.constant('time' as const), ms: fc.integer({ min: 1_000, max: 4 * 3_600_000 }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant('rate' as const), rate: fc.bigInt({ min: -50_000_000n, max: 50_000_000n }) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('price' as const), bps: fc.integer({ min: -300, max: 300 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('restart' as const), who }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('down' as const),
      oracle: fc.integer({ min: 0, max: 2 }),
      down: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('sync' as const) }) },
);

/** Payments go on whatever else moves; every amount moves, so a 1 msat difference shows. */
const AGREEMENT = { minPaymentMsat: '0' };

function world(): World {
  return setup({ funding: true, extra: AGREEMENT });
}

/** Both sides' rounds at one instant, receiver first; throws unless they agree to the msat. */
async function sync(w: World, context: string): Promise<[RoundReport, RoundReport]> {
  const r = await w.receiver.round();
  const p = await w.provider.round();
  const seen =
    `${context}\n  receiver ${r.action} ${r.amountMsat}: ${r.reason}` +
    `\n  provider ${p.action} ${p.amountMsat}: ${p.reason}`;
  if (r.action === 'refuse' || p.action === 'refuse') {
    expect([r.action, p.action], seen).to.deep.equal(['refuse', 'refuse']);
  } else if (r.action === 'expect') {
    expect([p.action, p.amountMsat], `what the receiver expects, the provider pays (${seen})`).to.deep.equal([
      'pay',
      r.amountMsat,
    ]);
  } else {
    expect([r.action, p.action], `after the receiver's round nothing is owed (${seen})`).to.deep.equal([
      r.action === 'pay' ? 'pay' : 'none',
      'none',
    ]);
  }
  // The funding totals themselves, not only the amounts: identical at every common attestation.
  expect(w.receiver.ledger.funding()?.indexUsd, `funding totals (${seen})`).to.equal(
    w.provider.ledger.funding()?.indexUsd,
  );
  return [r, p];
}

/** How the peers begin: one side's first round, then the other's `leadMs` later while the index moves. */
interface Start {
  readonly first: Who;
  readonly leadMs: number;
  readonly rate: bigint;
}

const start: fc.Arbitrary<Start> = fc.record({
  first: who,
  leadMs: fc.oneof(fc.constant(0), fc.integer({ min: 1_000, max: 3 * 24 * 3_600_000 })),
  rate: fc.bigInt({ min: -50_000_000n, max: 50_000_000n }),
});

/** The peers start apart: whatever either did alone before, both are owed the same funding from the agreed start. */
async function begin(w: World, s: Start): Promise<string> {
  w.oracles.fundingRate = s.rate;
  await w[s.first].round();
  w.clock.advance(s.leadMs);
  await sync(w, `start: ${s.first} first, the other ${s.leadMs} ms later at rate ${s.rate}`);
  return `start ${s.first} +${s.leadMs} ms at ${s.rate}`;
}

async function play(first: Start, steps: readonly Step[]): Promise<void> {
  const w = world();
  const log: string[] = [await begin(w, first)];
  for (const s of steps) {
    log.push(JSON.stringify(s, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
    if (s.t === 'round') await w[s.who].round();
    else if (s.t === 'time') w.clock.advance(s.ms);
    else if (s.t === 'rate') w.oracles.fundingRate = s.rate;
    else if (s.t === 'price') w.oracles.price = (w.oracles.price * BigInt(10_000 + s.bps)) / 10_000n;
    else if (s.t === 'restart') w[s.who].restart();
    else if (s.t === 'down') {
      if (s.down) w.oracles.down.add(s.oracle);
      else w.oracles.down.delete(s.oracle);
    } else await sync(w, log.join(' '));
  }
  w.oracles.down.clear();
  w.clock.advance(1_000);
  await sync(w, `${log.join(' ')} (all oracles back)`);
}

describe('client/funding property: peers that used the same attestations agree on funding to the msat', function () {
  this.timeout(300_000);

  it('one side stopped for six hours while the rate changes: both agree when it is back', async () => {
    const w = world();
    await sync(w, 'start');
    w.oracles.fundingRate = 10_000_000n; // 0.1 % per 8 h
    for (let hour = 1; hour <= 6; hour += 1) {
      w.clock.advance(3_600_000);
      w.oracles.fundingRate = BigInt(hour) * 5_000_000n; // the rate climbs while the receiver is stopped
      await w.provider.round();
    }
    w.clock.advance(60_000);
    await sync(w, 'the receiver is back');
    const total = (side: 'receiver' | 'provider') => w[side].ledger.funding()!.indexUsd;
    expect(total('receiver')).to.equal(total('provider'));
    expect(total('receiver') > 0n).to.equal(true);
  });

  it('whatever their round schedules, outages, restarts and oracles down in between', async () => {
    await fc.assert(fc.asyncProperty(start, fc.array(step, { minLength: 3, maxLength: 30 }), play), { numRuns: 30 });
  });

  it('never disagrees because the two sides began on different days (the agreed start, not their first rounds)', async () => {
    const w = world();
    await begin(w, { first: 'provider', leadMs: 26 * 3_600_000, rate: 20_000_000n });
    expect(w.receiver.ledger.funding()!.indexUsd > 0n, 'a day of funding before the receiver joined').to.equal(true);
  });
});
