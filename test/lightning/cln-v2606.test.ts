/**
 * Core Lightning as v26.06 answers (issue 10), over the JSON-RPC socket: received keysends filed as
 * invoices labelled `keysend-<s>.<ns>` with whole-second `paid_at` and the longest text record as
 * description; `xkeysend` where the node has it and the deprecated `keysend` otherwise, detected
 * once; a node that refuses keysend as deprecated (-32601) or has neither command; and a keysend
 * that fails before sending anything (error 210), which leaves nothing in listsendpays.
 */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { silentLogger } from '../../src/core/log.js';
import { createClnRpcBackend } from '../../src/lightning/cln-rpc.js';
import { ClnError } from '../../src/lightning/cln-wire.js';
import { createBackend } from '../../src/lightning/index.js';
import type { KeysendRequest } from '../../src/lightning/types.js';
import { startFakeClnRpc, type FakeClnOptions } from '../support/fake-cln.js';
import { FakeLightningNetwork, type FakeNode } from '../support/fake-lightning.js';

const NOW = 1_750_000_000_000;
const sha256 = (hex: string) => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');
const text = (s: string) => Buffer.from(s, 'utf8').toString('hex');

describe('lightning/cln as v26.06 answers', () => {
  let clock: number;
  let network: FakeLightningNetwork;
  let alice: FakeNode;
  let bob: FakeNode;
  const closers: (() => Promise<void>)[] = [];

  beforeEach(() => {
    clock = NOW;
    network = new FakeLightningNetwork(() => clock);
    alice = network.addNode('alice');
    bob = network.addNode('bob');
    network.openChannel(alice, bob, 600_000_000n, 400_000_000n);
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function node(n: FakeNode, options: FakeClnOptions = {}) {
    const server = await startFakeClnRpc(n, options);
    const backend = createClnRpcBackend({ socketPath: server.socketPath, now: () => clock });
    closers.push(async () => (await backend.close(), await server.close()));
    return { server, backend, socketPath: server.socketPath };
  }

  const request = (overrides: Partial<KeysendRequest> = {}): KeysendRequest => ({
    destination: bob.id,
    amountMsat: 10_000n,
    maxFeeMsat: 5_000n,
    preimage: randomBytes(32).toString('hex'),
    customRecords: { '65537': 'aa'.repeat(32) },
    label: 'settle',
    timeoutMs: 5_000,
    ...overrides,
  });

  describe('receipts', () => {
    it('never drops a keysend that lands later in the same second than a listing starts: its time has the ms', async () => {
      const ours = await node(alice);
      const theirs = await node(bob);
      clock = NOW + 300;
      await ours.backend.keysend(request({ amountMsat: 1_000n }));
      clock = NOW + 700;
      await ours.backend.keysend(request({ amountMsat: 2_000n }));
      // Core Lightning's paid_at says NOW for both; the labels say when each arrived.
      const listed = await theirs.backend.listReceived(NOW + 500);
      expect(listed.map((r) => [r.amountMsat, r.settledAt])).to.deep.equal([[2_000n, NOW + 700]]);
      const all = await theirs.backend.listReceived(NOW);
      expect(all.map((r) => r.settledAt)).to.deep.equal([NOW + 300, NOW + 700]);
    });

    it('files each keysend as lightningd does: keysend-<s>.<ns> label, whole-second paid_at, longest text as description', async () => {
      const ours = await node(alice);
      const theirs = await node(bob);
      clock = NOW + 250;
      await ours.backend.keysend(
        request({
          customRecords: { '65537': 'ff'.repeat(32), '65539': text('long note here'), '65541': text('short') },
        }),
      );
      await ours.backend.keysend(request({ customRecords: { '65537': 'ff'.repeat(32) } }));
      const answer = await theirs.server.cln.handle('listinvoices', {});
      const invoices = (answer as { result: { invoices: Record<string, unknown>[] } }).result.invoices;
      expect(invoices.map((i) => [i.description, i.paid_at])).to.deep.equal([
        ['keysend: long note here', NOW / 1000],
        ['keysend', NOW / 1000],
      ]);
      for (const i of invoices) expect(i.label).to.match(/^keysend-1750000000\.250\d{6}$/);
      // The records themselves are nowhere to be read back; the note is.
      const listed = await theirs.backend.listReceived(NOW);
      expect(listed.map((r) => [r.customRecords, r.note])).to.deep.equal([
        [null, 'long note here'],
        [null, null],
      ]);
    });

    it('drops unknown even TLV types at the receiver unless it sets accept-htlc-tlv-type', async () => {
      const ours = await node(alice);
      const dropping = await node(bob);
      await ours.backend.keysend(request({ customRecords: { '65538': text('an even record') } }));
      expect((await dropping.backend.listReceived(NOW)).map((r) => r.note)).to.deep.equal([null]);
      const accepting = await node(bob, { acceptHtlcTlvTypes: ['65538'] });
      expect((await accepting.backend.listReceived(NOW)).map((r) => r.note)).to.deep.equal(['an even record']);
    });
  });

  it("follows the channel's state through its close, to listclosedchannels once lightningd forgets it", async () => {
    const ours = await node(alice);
    const channel = alice.channels()[0]!;
    const seen: [string, bigint][] = [];
    for (const state of ['normal', 'closing', 'onchain', 'closed'] as const) {
      channel.state = state;
      for (const id of [channel.shortChannelId, channel.channelId]) {
        const c = await ours.backend.getChannel(id);
        expect(c, `${state} by ${id}`).to.not.equal(null);
        if (id === channel.shortChannelId) seen.push([c!.nodeState, c!.localBalanceMsat]);
      }
    }
    expect(seen).to.deep.equal([
      ['CHANNELD_NORMAL', 600_000_000n],
      ['CHANNELD_SHUTTING_DOWN', 600_000_000n],
      ['ONCHAIN', 600_000_000n],
      ['CLOSED', 600_000_000n],
    ]);
    expect(await ours.backend.getChannel('9x9x9')).to.equal(null);
  });

  describe('payments', () => {
    for (const [version, method] of [
      ['v26.06', 'xkeysend'],
      ['v25.09', 'keysend'],
    ] as const) {
      it(`pays by ${method} on ${version}, asks which command once, and reports the node's hash and proof of payment`, async () => {
        const ours = await node(alice, { version });
        // As the round does: the cursor is taken before each intent, and given with the keysend.
        const first = await ours.backend.keysend(request({ sentAfter: await ours.backend.paymentCursor() }));
        const second = await ours.backend.keysend(request({ sentAfter: await ours.backend.paymentCursor() }));
        for (const r of [first, second]) {
          expect(r.status).to.equal('complete');
          expect(sha256(r.preimage!)).to.equal(r.paymentHash);
          expect(await ours.backend.lookupPayment(r.paymentHash)).to.deep.include({ preimage: r.preimage });
        }
        const calls = ours.server.cln.calls.map((c) => c.method);
        expect(calls.filter((m) => m === 'help')).to.have.length.of.at.most(2);
        expect(calls.filter((m) => m === method)).to.have.length(2);
        expect(calls).to.not.include(method === 'xkeysend' ? 'keysend' : 'xkeysend');
        // Found by hash, never by listing every payment ever made.
        expect(calls).to.not.include('listpays');
        const listings = ours.server.cln.calls.filter((c) => c.method === 'listsendpays');
        for (const c of listings) expect(c.params.payment_hash ?? c.params.start).to.not.equal(undefined);
      });
    }

    // The keysend's own answer was a failure, or did not come in time: the lookup that follows finds
    // the payment by the cursor the request carries, never by listing the node's whole history.
    for (const [how, fault] of [
      ['failed at the destination', (n: FakeNode) => (n.nextFault = { kind: 'fail', message: 'incorrect_details' })],
      ['that found no route (210)', (n: FakeNode) => (n.connected = false)],
      ['that timed out', (n: FakeNode) => (n.nextFault = { kind: 'hang' })],
    ] as const) {
      it(`never lists every payment ever made after a keysend ${how}`, async () => {
        const ours = await node(alice, { version: 'v25.09' });
        await ours.backend.keysend(request({ sentAfter: await ours.backend.paymentCursor() }));
        fault(alice);
        const result = await ours.backend.keysend(
          request({ timeoutMs: 300, sentAfter: await ours.backend.paymentCursor() }),
        );
        expect(result.status).to.equal(how === 'that timed out' ? 'pending' : 'failed');
        const listings = ours.server.cln.calls.filter((c) => c.method === 'listsendpays');
        expect(listings).to.have.length.greaterThan(2);
        for (const c of listings)
          expect(c.params.payment_hash ?? c.params.start, JSON.stringify(c.params)).to.not.equal(undefined);
      });
    }

    it("reads the deprecated keysend's answer, whose created_at is a float with nanoseconds", async () => {
      const ours = await node(alice, { version: 'v25.09' });
      clock = NOW + 250;
      const answer = await ours.server.cln.handle('keysend', { destination: bob.id, amount_msat: 1_000 });
      const { created_at: createdAt } = (answer as { result: { created_at: number } }).result;
      expect(Number.isInteger(createdAt)).to.equal(false);
      expect(Math.floor(createdAt)).to.equal(NOW / 1000);
      expect(await ours.backend.keysend(request())).to.include({ status: 'complete' });
    });

    it('uses xkeysend on v26.06 with deprecated APIs off, where keysend is refused', async () => {
      const ours = await node(alice, { deprecatedApis: false });
      expect(await ours.backend.keysend(request())).to.include({ status: 'complete' });
      expect(ours.server.cln.calls.map((c) => c.method))
        .to.include('xkeysend')
        .and.not.include('keysend');
    });

    it('refuses at start-up, clearly, a node that has neither xkeysend nor keysend', async () => {
      const none = await node(alice, { version: 'v25.09', keysendPlugin: false });
      const err = await createBackend({ kind: 'cln-rpc', socket: none.socketPath }, { logger: silentLogger }).then(
        () => expect.fail('expected a refusal'),
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(ClnError).and.include({ kind: 'unsupported' });
      expect((err as Error).message).to.match(/neither xkeysend .* nor keysend/);
    });

    it('a keysend refused as deprecated (-32601) says what to set, and refuses every later payment before its intent', async () => {
      const ours = await node(alice, { version: 'v25.09' });
      expect(await ours.backend.paymentCursor()).to.equal('0');
      alice.nextFault = { kind: 'rpc_error', code: -32601, message: 'Command "keysend" is deprecated' };
      const req = request();
      const err = await ours.backend.keysend(req).then(
        () => expect.fail('expected a refusal'),
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(ClnError).and.include({ kind: 'unsupported' });
      expect((err as Error).message).to.include('allow-deprecated-apis=true');
      // The intent written before it is failed with the node's own words, not "never reached the node".
      expect(await ours.backend.lookupPayment(sha256(req.preimage))).to.include({ status: 'failed' });
      expect((await ours.backend.lookupPayment(sha256(req.preimage)))!.failure).to.include('deprecated');
      await ours.backend.paymentCursor().then(
        () => expect.fail('expected a refusal'),
        (e: unknown) => expect((e as Error).message).to.include('allow-deprecated-apis'),
      );
    });

    it('a keysend that found no route (210) left nothing in listsendpays: failed now, pending while it could start, then unknown', async () => {
      const ours = await node(alice, { version: 'v25.09' });
      alice.connected = false;
      const req = request();
      const result = await ours.backend.keysend(req);
      expect(result).to.include({ status: 'failed' });
      expect(result.failure).to.include('code 210');
      const listed = await ours.server.cln.handle('listsendpays', {});
      expect((listed as { result: { payments: unknown[] } }).result.payments).to.deep.equal([]);
      expect(await ours.backend.lookupPayment(sha256(req.preimage))).to.include({ status: 'failed' });
      // Another process (after a restart) knows only the intent: the node could still start it for a while.
      const restarted = createClnRpcBackend({ socketPath: ours.socketPath, now: () => clock });
      closers.push(() => restarted.close());
      const hints = { sentAfter: '0', sentAt: NOW, timeoutMs: 5_000 };
      expect(await restarted.lookupPayment(sha256(req.preimage), hints)).to.include({ status: 'pending' });
      clock = NOW + 10 * 60_000;
      expect(await restarted.lookupPayment(sha256(req.preimage), hints)).to.equal(null);
    });
  });
});
