/**
 * The drain-proof property over every real adapter: each peer's client runs on Core Lightning
 * (JSON-RPC, REST) or LND (REST) against the fake servers, which report what real nodes report
 * (LND leaves in-flight HTLCs out of its balances and prints whole sats; Core Lightning gives no
 * records for received keysends). Between rounds, the channel is moved by what real nodes do:
 * payments forwarded through it either way, other payments to the peer, HTLCs held in flight then
 * settled or failed, and commitment fee updates. Whatever moves it, a client never pays more than
 * the price path and the agreed funding owe since the agreement began.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { targetReceiverMsat } from '../../src/client/stable-math.js';
import { backendHarnesses, type StartedBackend } from '../support/backend-harness.js';
import type { FakeNode } from '../support/fake-lightning.js';
import { setup, settledBy, usd } from './round-setup.js';

const STABLE = usd('100');
const RESERVE = 10_000_000n;
/** Payments go on while something unexplained stands: the property must hold then too. */
const CONTINUE = { onUnexplained: 'continue' };

type Who = 'receiver' | 'provider';
type Step =
  | { t: 'round'; who: Who }
  | { t: 'price'; bps: number }
  | { t: 'forward'; from: Who; sats: number }
  | { t: 'other'; from: Who; sats: number }
  | { t: 'hold'; from: Who; sats: number }
  | { t: 'release'; settle: boolean }
  | { t: 'fee'; sats: number };

const who = fc.constantFrom<Who>('receiver', 'provider');
const sats = fc.integer({ min: 1, max: 5_000 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('round' as const), who }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('price' as const), bps: fc.integer({ min: -300, max: 300 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('forward' as const), from: who, sats }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('other' as const), from: who, sats }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('hold' as const), from: who, sats }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('release' as const), settle: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('fee' as const), sats: fc.integer({ min: 0, max: 2_000 }) }) },
);

async function play(harness: (typeof backendHarnesses)[number], steps: readonly Step[]): Promise<void> {
  const w = setup({ extra: CONTINUE });
  // A third node beyond the provider, for payments forwarded through the settlement channel.
  const outsider = w.network.addNode('outsider');
  w.network.openChannel(w.provider.node, outsider, 500_000_000n, 500_000_000n);
  const started: StartedBackend[] = [];
  try {
    for (const side of [w.receiver, w.provider]) {
      const one = await harness.start(side.node, { now: () => w.clock.now() });
      started.push(one);
      side.backend = one.backend;
    }
    const baseline = w.channel.balanceA;
    const held: { payer: FakeNode; hash: string }[] = [];
    const net = () => settledBy(w.provider.node) - settledBy(w.receiver.node);
    const peerOf = (x: Who): Who => (x === 'receiver' ? 'provider' : 'receiver');
    const spendable = (x: Who) => (x === 'receiver' ? w.channel.balanceA : w.channel.balanceB) - RESERVE;
    const round = async (c: Who) => {
      const before = net();
      const r = await w[c].round();
      const owed = targetReceiverMsat(STABLE, w.oracles.price) - baseline;
      const context = `${harness.name}, ${c} ${r.action} ${r.amountMsat}: ${r.reason}`;
      if (net() === before) return;
      if (c === 'provider') expect(net() <= owed, `the provider paid beyond what is owed (${context})`).to.equal(true);
      else expect(net() >= owed, `the receiver paid beyond what it owes (${context})`).to.equal(true);
    };
    await round('receiver');
    await round('provider');
    for (const s of steps) {
      if (s.t === 'round') {
        w.clock.advance(1_000);
        await round(s.who);
      } else if (s.t === 'price') {
        w.oracles.price = (w.oracles.price * BigInt(10_000 + s.bps)) / 10_000n;
      } else if (s.t === 'fee') {
        w.receiver.node.updateFee(w.provider.node, BigInt(s.sats) * 1_000n);
      } else if (s.t === 'release') {
        const h = held.shift();
        if (h !== undefined) h.payer.resolvePending(h.hash, s.settle ? 'complete' : 'failed');
      } else {
        const msat = BigInt(s.sats) * 1_000n;
        if (spendable(s.from) < msat + 10_000n) continue;
        const payer = w[s.from].node;
        const peer = w[peerOf(s.from)].node;
        if (s.t === 'other') payer.pay([peer], msat, { kind: 'keysend' });
        else if (s.t === 'hold') held.push({ payer, hash: payer.pay([peer], msat, { hold: true }).paymentHash });
        else if (s.from === 'receiver') w.provider.node.forward(w.receiver.node, outsider, msat);
        else outsider.pay([w.provider.node, w.receiver.node], msat);
      }
    }
    await round('receiver');
    await round('provider');
  } finally {
    for (const one of started) await one.close();
    w.receiver.ledger.close();
    w.provider.ledger.close();
  }
}

describe('client/round over every Lightning adapter: nothing else that moves the channel is ever paid for', function () {
  this.timeout(300_000);
  for (const harness of backendHarnesses.filter((h) => h.name !== 'fake')) {
    it(`on ${harness.name}, in both directions`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 20 }), (steps) => play(harness, steps)),
        { numRuns: 8 },
      );
    });
  }
});
