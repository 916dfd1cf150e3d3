/**
 * One contract, every backend (STYLE section 7): the same scenarios run against Core Lightning
 * over its JSON-RPC socket and over clnrest, LND over REST (each against its fake server), and
 * FakeNodeBackend, from either end of the settlement channel. They pin down what the settlement
 * client relies on (src/lightning/types.ts): a balance moves only when a payment settles (never
 * while an HTLC is held, never when the commitment fee changes), local + remote is the capacity,
 * every HTLC in flight is listed with its direction, amount and hash, a keysend stays pending until
 * it is final, and received keysends come with their records where the node reports them.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type { ChannelState, KeysendRequest, LightningBackend, PaymentResult } from '../../src/lightning/types.js';
import { backendHarnesses, type StartedBackend } from '../support/backend-harness.js';
import { FakeLightningNetwork, type FakeChannel, type FakeNode } from '../support/fake-lightning.js';
import { eventually } from '../support/wait.js';

const NOW = 1_760_000_000_000;
/** The settlement channel: the provider opens it (and pays fee and anchors), the receiver is the peer. */
const PROVIDER_SIDE = 600_000_000n;
const RECEIVER_SIDE = 400_000_000n;
const CAPACITY = PROVIDER_SIDE + RECEIVER_SIDE;
const DIGEST_RECORD = '65537';

for (const harness of backendHarnesses) {
  for (const viewer of ['provider', 'receiver'] as const) {
    const opener = viewer === 'provider' ? 'the opener' : 'not the opener';
    describe(`lightning contract: ${harness.name} at the ${viewer} (${opener})`, () => {
      let provider: FakeNode;
      let receiver: FakeNode;
      let carol: FakeNode;
      let dave: FakeNode;
      let me: FakeNode;
      let peer: FakeNode;
      let channel: FakeChannel;
      let started: StartedBackend;
      let backend: LightningBackend;

      beforeEach(async () => {
        const network = new FakeLightningNetwork(() => NOW);
        provider = network.addNode('provider');
        receiver = network.addNode('receiver');
        carol = network.addNode('carol'); // pays from elsewhere
        dave = network.addNode('dave'); // the receiver's accomplice
        channel = network.openChannel(provider, receiver, PROVIDER_SIDE, RECEIVER_SIDE, 10_000_000n, {
          commitFeeMsat: 2_530_000n,
          anchorsMsat: 660_000n,
        });
        network.openChannel(carol, provider, 500_000_000n, 500_000_000n);
        network.openChannel(provider, dave, 500_000_000n, 500_000_000n);
        [me, peer] = viewer === 'provider' ? [provider, receiver] : [receiver, provider];
        started = await harness.start(me, { now: () => NOW });
        backend = started.backend;
      });
      afterEach(() => started.close());

      async function channelState(): Promise<ChannelState> {
        const state = await backend.getChannel(channel.shortChannelId);
        if (!state) throw new Error('the settlement channel is not listed');
        return state;
      }

      /** Expects the provider's side at `providerSide` and the receiver's at the rest of the capacity. */
      async function expectSides(providerSide: bigint): Promise<ChannelState> {
        const state = await channelState();
        const sides = { local: state.localBalanceMsat, remote: state.remoteBalanceMsat };
        const receiverSide = CAPACITY - providerSide;
        expect(sides).to.deep.equal(
          viewer === 'provider'
            ? { local: providerSide, remote: receiverSide }
            : { local: receiverSide, remote: providerSide },
        );
        return state;
      }

      function settlementKeysend(amountMsat: bigint): KeysendRequest {
        return {
          destination: peer.id,
          amountMsat,
          maxFeeMsat: 5_000n,
          preimage: randomBytes(32).toString('hex'),
          customRecords: { [DIGEST_RECORD]: 'ab'.repeat(32) },
          label: 'contract',
          timeoutMs: 300,
          channelId: channel.shortChannelId,
        };
      }

      const finalStatusOf = (hash: string): Promise<PaymentResult> =>
        eventually(async () => {
          const found = await backend.lookupPayment(hash);
          return found && found.status !== 'pending' ? found : null;
        });

      it('reports each side with the fee and anchors at the opener, so local + remote is the capacity', async () => {
        const state = await expectSides(PROVIDER_SIDE);
        expect(state.pendingHtlcs).to.deep.equal([]);
        expect(state.balanceResolutionMsat).to.equal(harness.resolutionMsat);
      });

      it('a forward from the receiver through the provider moves the balances by its HTLC, fee included', async () => {
        const payment = provider.forward(receiver, dave, 10_000_000n, { feeMsat: 1_000n });
        expect(payment.status).to.equal('complete');
        await expectSides(PROVIDER_SIDE + 10_001_000n);
      });

      it('a payment from elsewhere to the receiver through the provider moves them by what it delivers', async () => {
        expect(provider.forward(carol, receiver, 7_000_000n).status).to.equal('complete');
        await expectSides(PROVIDER_SIDE - 7_000_000n);
      });

      it('an HTLC held in flight moves no balance until it settles, and is listed exactly', async () => {
        const held = provider.forward(receiver, dave, 10_000_000n, { feeMsat: 1_000n, hold: true });
        const state = await expectSides(PROVIDER_SIDE);
        expect(state.pendingHtlcs).to.deep.equal([
          { direction: viewer === 'receiver' ? 'out' : 'in', amountMsat: 10_001_000n, paymentHash: held.paymentHash },
        ]);
        // LND reports each HTLC in whole sats: one offered by the side that did not open adds a sat of doubt.
        expect(state.balanceResolutionMsat).to.equal(harness.resolutionMsat + harness.resolutionPerHtlcMsat);
        receiver.resolvePending(held.paymentHash, 'complete');
        expect((await expectSides(PROVIDER_SIDE + 10_001_000n)).pendingHtlcs).to.deep.equal([]);
      });

      it('a held HTLC that fails moves nothing', async () => {
        const held = carol.pay([provider, receiver], 3_000_000n, { hold: true });
        expect((await expectSides(PROVIDER_SIDE)).pendingHtlcs).to.have.length(1);
        carol.resolvePending(held.paymentHash, 'failed');
        expect((await expectSides(PROVIDER_SIDE)).pendingHtlcs).to.deep.equal([]);
      });

      it('a commitment fee update moves no balance', async () => {
        provider.updateFee(receiver, 9_870_000n);
        await expectSides(PROVIDER_SIDE);
        provider.updateFee(receiver, 0n);
        await expectSides(PROVIDER_SIDE);
      });

      it('a keysend held in flight is pending and listed, then complete once it settles, moving balances', async () => {
        me.nextFault = { kind: 'pending' };
        const sent = await backend.keysend(settlementKeysend(5_000_000n));
        expect(sent).to.include({ status: 'pending', feeMsat: null, failure: null });
        expect(await backend.lookupPayment(sent.paymentHash)).to.include({ status: 'pending' });
        const state = await expectSides(PROVIDER_SIDE);
        expect(state.pendingHtlcs).to.deep.equal([
          { direction: 'out', amountMsat: 5_000_000n, paymentHash: sent.paymentHash },
        ]);
        me.resolvePending(sent.paymentHash, 'complete');
        expect(await finalStatusOf(sent.paymentHash)).to.include({ status: 'complete', feeMsat: 0n });
        await expectSides(viewer === 'provider' ? PROVIDER_SIDE - 5_000_000n : PROVIDER_SIDE + 5_000_000n);
      });

      it('a keysend held in flight that fails ends failed and moves nothing', async () => {
        me.nextFault = { kind: 'pending' };
        const sent = await backend.keysend(settlementKeysend(5_000_000n));
        expect(sent.status).to.equal('pending');
        me.resolvePending(sent.paymentHash, 'failed');
        expect(await finalStatusOf(sent.paymentHash)).to.include({ status: 'failed', feeMsat: null });
        expect((await expectSides(PROVIDER_SIDE)).pendingHtlcs).to.deep.equal([]);
      });

      it('lists received keysends, settlements or not, with records where the node has them; no invoices', async () => {
        const digest = 'cd'.repeat(32);
        const settlement = peer.keysend({ ...settlementKeysend(2_000_000n), destination: me.id, label: 'x' });
        peer.keysend({
          destination: me.id,
          amountMsat: 2_000_000n,
          maxFeeMsat: 0n,
          preimage: randomBytes(32).toString('hex'),
          customRecords: { [DIGEST_RECORD]: digest },
          label: 'settlement',
        });
        const other = carol.pay(viewer === 'provider' ? [provider] : [provider, receiver], 4_000_000n, {
          kind: 'keysend',
        });
        peer.pay([me], 1_000_000n, { kind: 'invoice', label: 'coffee' });
        const received = await backend.listReceived(NOW - 1000);
        const byHash = new Map(received.map((r) => [r.paymentHash, r]));
        expect(received).to.have.length(3);
        expect(byHash.get(other.paymentHash)).to.include({ amountMsat: 4_000_000n, settledAt: NOW });
        expect(byHash.get(settlement.paymentHash)?.amountMsat).to.equal(2_000_000n);
        const records = received.map((r) => r.customRecords?.[DIGEST_RECORD] ?? null);
        if (harness.reportsRecords) expect(records).to.include(digest);
        else expect(received.map((r) => r.customRecords)).to.deep.equal([null, null, null]);
      });
    });
  }
}
