/**
 * The Core Lightning backend against a fake lightningd, once per transport (JSON-RPC unix socket
 * and clnrest): the same methods and shapes must give the same answers through both.
 */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '../../src/core/errors.js';
import { ClnError } from '../../src/lightning/cln-wire.js';
import { RETRY_END_MARGIN_S } from '../../src/lightning/cln-keysends.js';
import { createClnRestBackend } from '../../src/lightning/cln-rest.js';
import { createClnRpcBackend } from '../../src/lightning/cln-rpc.js';
import type { ChannelState, KeysendRequest, LightningBackend } from '../../src/lightning/types.js';
import { startFakeClnRest, startFakeClnRpc, type FakeClnServer } from '../support/fake-cln.js';
import { FakeLightningNetwork, type FakeChannel, type FakeNode } from '../support/fake-lightning.js';
import { eventually } from '../support/wait.js';

const NOW = 1_750_000_000_000;
const RUNE =
  'tU-RLjMiDpY2U0o3W1oFowar36RFGpWloPbW9-RuZdo9MyZpZD0wMjRiOWExZmE4ZTAwNmYxZTM5MzdmNjVmNjZjNDA4ZTZkYThlMWNhNzI4ZWE0MzIyMmE3MzgxZGYxY2M0NDk2MDUmbWV0aG9kPWxpc3RwZWVyY2hhbm5lbHM=';
const TLV_TYPE = '5262155';
const DIGEST = 'aa'.repeat(32);

/** A backend for `node` through one transport, its fake server, and another backend on that server. */
type Harness = {
  backend: LightningBackend;
  server: FakeClnServer;
  /** A second backend on the same node, as after a restart of the client. */
  another(now: () => number): LightningBackend;
  close(): Promise<void>;
};

const transports: {
  name: string;
  /** The command the node pays by: xkeysend on v26.06 (the default), keysend before it. */
  method: 'xkeysend' | 'keysend';
  start(node: FakeNode, now: () => number): Promise<Harness>;
}[] = [
  {
    name: 'JSON-RPC unix socket',
    method: 'xkeysend',
    async start(node, now) {
      const server = await startFakeClnRpc(node);
      const another = (clock: () => number) => createClnRpcBackend({ socketPath: server.socketPath, now: clock });
      const backend = another(now);
      return { backend, server, another, close: async () => (await backend.close(), await server.close()) };
    },
  },
  {
    name: 'JSON-RPC unix socket, Core Lightning v25.09 (keysend, no xkeysend)',
    method: 'keysend',
    async start(node, now) {
      const server = await startFakeClnRpc(node, { version: 'v25.09' });
      const another = (clock: () => number) => createClnRpcBackend({ socketPath: server.socketPath, now: clock });
      const backend = another(now);
      return { backend, server, another, close: async () => (await backend.close(), await server.close()) };
    },
  },
  {
    name: 'clnrest',
    method: 'xkeysend',
    async start(node, now) {
      const server = await startFakeClnRest(node, { rune: RUNE });
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cln-rune-'));
      const runeFile = path.join(dir, 'rune');
      fs.writeFileSync(runeFile, `${RUNE}\n`, { mode: 0o600 });
      const another = (clock: () => number) => createClnRestBackend({ url: server.url, runeFile, now: clock });
      const backend = another(now);
      return {
        backend,
        server,
        another,
        close: async () => (await backend.close(), await server.close(), fs.rmSync(dir, { recursive: true })),
      };
    },
  },
];

function request(destination: string, overrides: Partial<KeysendRequest> = {}): KeysendRequest {
  return {
    destination,
    amountMsat: 50_000_000n,
    maxFeeMsat: 5_000n,
    preimage: randomBytes(32).toString('hex'),
    customRecords: { [TLV_TYPE]: DIGEST },
    label: 'settle-round-7',
    timeoutMs: 5_000,
    ...overrides,
  };
}

const sha256 = (hex: string): string => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');

for (const transport of transports) {
  describe(`lightning/cln over ${transport.name}`, () => {
    let network: FakeLightningNetwork;
    let alice: FakeNode;
    let bob: FakeNode;
    let channel: FakeChannel;
    let ours: Harness;
    let theirs: Harness;

    let clock: number;

    beforeEach(async () => {
      clock = NOW;
      network = new FakeLightningNetwork(() => clock);
      alice = network.addNode('alice');
      bob = network.addNode('bob');
      network.addNode('carol');
      channel = network.openChannel(alice, bob, 600_000_000n, 400_000_000n);
      alice.routeFeeMsat = 1_000n; // the peer keeps it, as a forwarding node keeps its fee
      ours = await transport.start(alice, () => clock);
      theirs = await transport.start(bob, () => clock);
    });
    afterEach(async () => {
      await ours.close();
      await theirs.close();
    });

    it('reports our node id from getinfo', async () => {
      expect(await ours.backend.getNodeId()).to.equal(alice.id);
    });

    it('maps listpeerchannels: state, connection, balances after reserve, by short or full channel id', async () => {
      const expected = {
        channelId: channel.shortChannelId,
        peerId: bob.id,
        nodeState: 'CHANNELD_NORMAL',
        normal: true,
        peerConnected: true,
        spendableMsat: 590_000_000n,
        receivableMsat: 390_000_000n,
        localBalanceMsat: 600_000_000n,
        remoteBalanceMsat: 400_000_000n,
        pendingHtlcs: [],
        balanceResolutionMsat: 1n,
      };
      expect(await ours.backend.getChannel(channel.shortChannelId)).to.deep.equal(expected);
      expect(await ours.backend.getChannel(channel.channelId)).to.deep.equal(expected);
      expect(await theirs.backend.getChannel(channel.shortChannelId)).to.include({
        localBalanceMsat: 400_000_000n,
        peerId: alice.id,
      });
      expect(await ours.backend.getChannel('999x9x9')).to.equal(null);
    });

    const states: { case: string; arrange(): void; expect: Record<string, unknown> }[] = [
      {
        case: 'channel closing',
        arrange: () => (channel.state = 'closing'),
        expect: { normal: false, peerConnected: true },
      },
      {
        case: 'peer disconnected',
        arrange: () => (bob.connected = false),
        expect: { normal: true, peerConnected: false },
      },
    ];
    for (const row of states) {
      it(`maps ${row.case}`, async () => {
        row.arrange();
        expect(await ours.backend.getChannel(channel.shortChannelId)).to.include(row.expect);
      });
    }

    it('keysends to the peer: msat move on both sides, the TLV rides along, fee and params as lightningd expects', async () => {
      const req = request(bob.id);
      const result = await ours.backend.keysend(req);

      const [payment] = [...alice.payments.values()];
      expect(result).to.deep.equal({
        paymentHash: payment!.paymentHash,
        status: 'complete',
        preimage: payment!.preimage,
        feeMsat: 1_000n,
        failure: null,
      });
      // lightningd draws its own preimage: the hash and the proof of payment are the node's, not ours.
      expect(result.paymentHash).to.not.equal(sha256(req.preimage));
      expect(sha256(result.preimage!)).to.equal(result.paymentHash);
      expect(await ours.backend.getChannel(channel.shortChannelId)).to.include({
        localBalanceMsat: 549_999_000n,
        remoteBalanceMsat: 450_001_000n,
      });
      expect(await theirs.backend.getChannel(channel.shortChannelId)).to.include({ localBalanceMsat: 450_001_000n });
      expect(bob.receipts[0]!.customRecords).to.deep.equal({ [TLV_TYPE]: DIGEST });
      // v26.06 has xkeysend: the client uses it rather than the deprecated keysend; older nodes keysend.
      const other = transport.method === 'xkeysend' ? 'keysend' : 'xkeysend';
      expect(ours.server.cln.calls.some((c) => c.method === other)).to.equal(false);
      const sent = ours.server.cln.calls.find((c) => c.method === transport.method)!.params;
      expect(sent).to.deep.equal({
        destination: bob.id,
        amount_msat: 50_000_000, // an integer, so rune conditions on it can compare
        label: `settle-round-7 retry_for=5 ref=${sha256(req.preimage)}`,
        maxfee: '5000msat',
        retry_for: 5,
        extratlvs: { [TLV_TYPE]: DIGEST },
      });
    });

    it('lists keysends received since a time, from paid keysend invoices (lightningd keeps no TLVs there)', async () => {
      await ours.backend.keysend(request(bob.id, { amountMsat: 12_345n }));
      const received = await theirs.backend.listReceived(NOW - 1000);
      expect(received).to.deep.equal([
        {
          paymentHash: [...alice.payments.keys()][0],
          amountMsat: 12_345n,
          settledAt: NOW,
          customRecords: null,
          note: null,
        },
      ]);
      expect(await theirs.backend.listReceived(NOW + 1000)).to.deep.equal([]);
      expect(await ours.backend.listReceived(0)).to.deep.equal([]);
    });

    it("looks a payment up by the node's hash or by ours; unknown is null", async () => {
      const req = request(bob.id);
      const sent = await ours.backend.keysend(req);
      expect(await ours.backend.lookupPayment(sent.paymentHash)).to.deep.equal(sent);
      expect(await ours.backend.lookupPayment(sha256(req.preimage))).to.deep.equal(sent);
      expect(await ours.backend.lookupPayment('11'.repeat(32))).to.equal(null);
    });

    it('never pays twice for one request: a second keysend with the same preimage returns the first', async () => {
      const req = request(bob.id);
      const first = await ours.backend.keysend(req);
      const second = await ours.backend.keysend(req);
      expect(second).to.deep.equal(first);
      expect(alice.payments.size).to.equal(1);
      expect(channel.balanceB).to.equal(450_001_000n);
    });

    const failures: { case: string; arrange(): void; req: Partial<KeysendRequest>; code: string }[] = [
      {
        case: 'a permanent failure at the destination',
        arrange: () => (alice.nextFault = { kind: 'fail', message: 'unknown payment details' }),
        req: {},
        code: 'code 203',
      },
      { case: 'a route above the fee cap', arrange: () => undefined, req: { maxFeeMsat: 999n }, code: 'code 206' },
      {
        case: 'no route (peer offline)',
        arrange: () => (alice.connected = false),
        req: {},
        // keysend fails before any part (210, nothing listed); xkeysend says no route (205).
        code: transport.method === 'keysend' ? 'code 210' : 'code 205',
      },
      {
        case: 'an error from lightningd without any payment',
        arrange: () => (alice.nextFault = { kind: 'rpc_error', code: 205, message: 'Unable to find a route' }),
        req: {},
        code: 'code 205',
      },
    ];
    for (const row of failures) {
      it(`reports ${row.case} as failed, moving nothing`, async () => {
        row.arrange();
        const req = request(bob.id, row.req);
        const result = await ours.backend.keysend(req);
        expect(result.status).to.equal('failed');
        expect(result.feeMsat).to.equal(null);
        expect(result.failure).to.include(row.code);
        expect([channel.balanceA, channel.balanceB]).to.deep.equal([600_000_000n, 400_000_000n]);
        const known = await ours.backend.lookupPayment(result.paymentHash);
        if (known) expect(known.status).to.equal('failed');
      });
    }

    it('reports a keysend that outlives its timeout as pending, then complete once the HTLC settles', async () => {
      alice.nextFault = { kind: 'pending' };
      const req = request(bob.id, { timeoutMs: 150 });
      const result = await ours.backend.keysend(req);
      const [payment] = [...alice.payments.values()];
      expect(result).to.deep.equal({
        paymentHash: payment!.paymentHash,
        status: 'pending',
        preimage: null,
        feeMsat: null,
        failure: null,
      });
      const outgoing = (c: ChannelState | null) => c?.pendingHtlcs.filter((h) => h.direction === 'out').length;
      expect(outgoing(await ours.backend.getChannel(channel.shortChannelId))).to.equal(1);
      expect(outgoing(await theirs.backend.getChannel(channel.shortChannelId))).to.equal(0);
      // A retry while it is in flight must not pay again.
      expect(await ours.backend.keysend(req)).to.deep.equal(result);
      expect(alice.payments.size).to.equal(1);

      alice.resolvePending(payment!.paymentHash, 'complete');
      expect(await ours.backend.lookupPayment(sha256(req.preimage))).to.deep.equal({
        ...result,
        status: 'complete',
        preimage: payment!.preimage,
        feeMsat: 1_000n,
      });
      const after = await ours.backend.getChannel(channel.shortChannelId);
      expect(after?.pendingHtlcs).to.deep.equal([]);
      expect(after?.localBalanceMsat).to.equal(549_999_000n);
    });

    const finalStatusOf = (backend: LightningBackend, hash: string) =>
      eventually(async () => {
        const found = await backend.lookupPayment(hash);
        return found && found.status !== 'pending' ? found : null;
      });

    it('reports a pending keysend that later fails as failed, once the keysend command has answered', async () => {
      alice.nextFault = { kind: 'hang' };
      const result = await ours.backend.keysend(request(bob.id, { timeoutMs: 100 }));
      expect(result.status).to.equal('pending');
      alice.resolvePending(result.paymentHash, 'failed');
      expect(await finalStatusOf(ours.backend, result.paymentHash)).to.include({ status: 'failed' });
    });

    it('never calls a keysend failed while lightningd still retries it, even past our timeout', async () => {
      alice.nextFault = { kind: 'retry' }; // the first attempt fails; the keysend command tries again
      const req = request(bob.id, { timeoutMs: 150 });
      const result = await ours.backend.keysend(req);
      const payment = [...alice.payments.values()][0]!;
      // listsendpays says "failed" (its only part failed), but the command has not ended.
      expect(ours.server.cln.calls.some((c) => c.method === 'listsendpays')).to.equal(true);
      expect(payment.attempts.map((a) => a.status)).to.deep.equal(['failed']);
      expect(result).to.deep.equal({
        paymentHash: payment.paymentHash,
        status: 'pending',
        preimage: null,
        feeMsat: null,
        failure: null,
      });
      expect(await ours.backend.lookupPayment(sha256(req.preimage))).to.include({ status: 'pending' });
      expect(await ours.backend.lookupPayment(payment.paymentHash)).to.include({ status: 'pending' });
      expect((await ours.backend.keysend(req)).status).to.equal('pending');
      expect(alice.payments.size).to.equal(1); // asked again, it started nothing new

      alice.resolvePending(payment.paymentHash, 'complete'); // the next attempt succeeds
      expect(await finalStatusOf(ours.backend, payment.paymentHash)).to.include({
        status: 'complete',
        feeMsat: 1_000n,
      });
      expect(channel.balanceB).to.equal(450_001_000n);
    });

    it('calls the keysend failed once lightningd stops retrying and answers so', async () => {
      alice.nextFault = { kind: 'retry' };
      const req = request(bob.id, { timeoutMs: 150 });
      const result = await ours.backend.keysend(req);
      alice.resolvePending(result.paymentHash, 'failed'); // retry_for is over: lightningd gives up
      expect(await finalStatusOf(ours.backend, sha256(req.preimage))).to.include({
        paymentHash: result.paymentHash,
        status: 'failed',
      });
      expect([channel.balanceA, channel.balanceB]).to.deep.equal([600_000_000n, 400_000_000n]);
    });

    it('a keysend whose answer is lost with the connection stays pending until it could no longer retry', async () => {
      alice.nextFault = { kind: 'drop' }; // lightningd takes the payment; the connection drops
      const req = request(bob.id, { timeoutMs: 1_000 }); // retry_for 1 s
      const err = await ours.backend.keysend(req).then(
        () => expect.fail('expected a rejection'),
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(ClnError).and.include({ kind: 'unavailable' });
      const payment = [...alice.payments.values()][0]!;
      alice.resolvePending(payment.paymentHash, 'failed'); // listpays: failed; this process never heard
      expect(await ours.backend.lookupPayment(sha256(req.preimage))).to.include({ status: 'pending' });
      clock = NOW + (1 + RETRY_END_MARGIN_S) * 1000;
      expect(await ours.backend.lookupPayment(sha256(req.preimage))).to.include({ status: 'failed' });
    });

    it('after a restart, a failed attempt counts as final only once keysend can no longer retry', async () => {
      alice.nextFault = { kind: 'retry' };
      const req = request(bob.id, { timeoutMs: 1_000 }); // retry_for 1 s
      const result = await ours.backend.keysend(req);
      await ours.backend.close(); // the client stops; lightningd's command goes on
      alice.resolvePending(result.paymentHash, 'failed');
      const restarted = ours.another(() => clock);
      try {
        expect(await restarted.lookupPayment(sha256(req.preimage))).to.include({ status: 'pending' });
        clock = NOW + (1 + RETRY_END_MARGIN_S) * 1000 - 1;
        expect(await restarted.lookupPayment(result.paymentHash)).to.include({ status: 'pending' });
        clock = NOW + (1 + RETRY_END_MARGIN_S) * 1000;
        expect(await restarted.lookupPayment(sha256(req.preimage))).to.include({ status: 'failed' });
      } finally {
        await restarted.close();
      }
    });

    it('rejects when lightningd refuses the call itself, with its code', async () => {
      alice.nextFault = { kind: 'rpc_error', code: -32602, message: 'maxfee: should be a millisatoshi amount' };
      const err = await ours.backend.keysend(request(bob.id)).then(
        () => expect.fail('expected a rejection'),
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(ClnError);
      expect(err).to.include({ kind: 'rpc', rpcCode: -32602, code: 'cln_rpc' });
      expect((err as Error).message)
        .to.include('keysend')
        .and.include('-32602')
        .and.include('maxfee');
    });

    const badRequests: { case: string; req: Partial<KeysendRequest> }[] = [
      { case: 'a destination that is not a node id', req: { destination: 'bob' } },
      { case: 'a zero amount', req: { amountMsat: 0n } },
      { case: 'a short preimage', req: { preimage: 'ab' } },
      { case: 'a custom record below 65536', req: { customRecords: { '34349334': 'aa', '65535': 'aa' } } },
      { case: 'a custom record that is not hex', req: { customRecords: { [TLV_TYPE]: 'xyz' } } },
      { case: 'an empty label', req: { label: '' } },
    ];
    for (const row of badRequests) {
      it(`refuses ${row.case} before calling the node`, async () => {
        const err = await ours.backend.keysend(request(bob.id, row.req)).then(
          () => expect.fail('expected a rejection'),
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(InputError);
        expect(ours.server.cln.calls).to.deep.equal([]);
      });
    }
  });
}
