import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, InputError, KeyError } from '../../src/core/errors.js';
import { LndError, createLndRestBackend } from '../../src/lightning/lnd-rest.js';
import type { KeysendRequest, LightningBackend } from '../../src/lightning/types.js';
import { FakeLightningNetwork, type FakeChannel, type FakeNode } from '../support/fake-lightning.js';
import { FAKE_LND_TLS_CERT, OTHER_TLS_CERT, startFakeLnd, type FakeLnd } from '../support/fake-lnd.js';

const dir = mkdtempSync(join(tmpdir(), 'lnd-rest-'));
const caFile = join(dir, 'tls.cert');
writeFileSync(caFile, FAKE_LND_TLS_CERT);
const DIGEST_RECORD = '65537';

function preimage(n: number): string {
  return createHash('sha256').update(`preimage-${n}`).digest('hex');
}
function hashOf(pre: string): string {
  return createHash('sha256').update(Buffer.from(pre, 'hex')).digest('hex');
}

describe('LND REST backend against a fake lnd', () => {
  let now: number;
  let network: FakeLightningNetwork;
  let alice: FakeNode;
  let bob: FakeNode;
  let channel: FakeChannel;
  let lnd: FakeLnd;
  let backend: LightningBackend;
  let macaroonFile: string;
  let counter = 0;

  function backendWith(overrides: { macaroon?: Buffer; caFile?: string; url?: string } = {}): LightningBackend {
    counter += 1;
    const file = join(dir, `admin-${counter}.macaroon`);
    writeFileSync(file, overrides.macaroon ?? lnd.macaroon, { mode: 0o600 });
    return createLndRestBackend({
      url: overrides.url ?? lnd.url,
      macaroonFile: file,
      caFile: overrides.caFile ?? caFile,
      requestTimeoutMs: 2000,
    });
  }

  function keysend(n: number, amountMsat: bigint, extra: Partial<KeysendRequest> = {}): KeysendRequest {
    return {
      destination: bob.id,
      amountMsat,
      maxFeeMsat: 5_000n,
      preimage: preimage(n),
      customRecords: { [DIGEST_RECORD]: 'abcd01' },
      label: `round-${n}`,
      timeoutMs: 2000,
      ...extra,
    };
  }

  beforeEach(async () => {
    now = 1_700_000_000_000;
    network = new FakeLightningNetwork(() => now);
    alice = network.addNode('alice');
    bob = network.addNode('bob');
    channel = network.openChannel(alice, bob, 600_000_000n, 400_000_000n, 10_000_000n);
    alice.routeFeeMsat = 1_000n; // the peer keeps it, as a forwarding node keeps its fee
    lnd = await startFakeLnd(alice);
    backend = backendWith();
    macaroonFile = join(dir, `admin-${counter}.macaroon`);
  });

  afterEach(async () => {
    await backend.close();
    await lnd.close();
  });

  it('reports our node id from /v1/getinfo', async () => {
    expect(await backend.getNodeId()).to.equal(alice.id);
  });

  it('needs no payment cursor: lnd finds a payment by the hash of our preimage', async () => {
    expect(await backend.paymentCursor()).to.equal(null);
  });

  describe('getChannel', () => {
    const cases: {
      name: string;
      local: bigint;
      remote: bigint;
      expectLocal: bigint;
      expectRemote: bigint;
      spendable: bigint;
      receivable: bigint;
    }[] = [
      {
        name: 'whole sats convert exactly x1000',
        local: 600_000_000n,
        remote: 400_000_000n,
        expectLocal: 600_000_000n,
        expectRemote: 400_000_000n,
        spendable: 590_000_000n,
        receivable: 390_000_000n,
      },
      {
        name: 'lnd truncates msat remainders to sat; the opener has the capacity less the other side',
        local: 600_000_999n,
        remote: 399_999_001n,
        expectLocal: 600_001_000n,
        expectRemote: 399_999_000n,
        spendable: 590_000_000n,
        receivable: 389_999_000n,
      },
      {
        name: 'below the reserve nothing is spendable',
        local: 5_000_000n,
        remote: 995_000_000n,
        expectLocal: 5_000_000n,
        expectRemote: 995_000_000n,
        spendable: 0n,
        receivable: 985_000_000n,
      },
      {
        name: 'amounts beyond 2^53 msat stay exact',
        local: 9_007_199_254_740_993_000n,
        remote: 1_000n,
        expectLocal: 9_007_199_254_740_993_000n,
        expectRemote: 1_000n,
        spendable: 9_007_199_254_730_993_000n,
        receivable: 0n,
      },
    ];
    for (const c of cases) {
      it(`balances: ${c.name}`, async () => {
        channel.balanceA = c.local;
        channel.balanceB = c.remote;
        const state = await backend.getChannel(channel.lndChanId);
        expect(state).to.deep.equal({
          channelId: channel.lndChanId,
          peerId: bob.id,
          nodeState: 'active',
          normal: true,
          peerConnected: true,
          spendableMsat: c.spendable,
          receivableMsat: c.receivable,
          localBalanceMsat: c.expectLocal,
          remoteBalanceMsat: c.expectRemote,
          pendingHtlcs: [],
          balanceResolutionMsat: 1_000n,
        });
      });
    }

    it('finds the channel by chan_id, channel point or short channel id, and null otherwise', async () => {
      for (const id of [channel.lndChanId, channel.channelPoint, channel.shortChannelId]) {
        expect((await backend.getChannel(id))?.channelId, id).to.equal(channel.lndChanId);
      }
      expect(await backend.getChannel('999x1x0')).to.equal(null);
      expect(await backend.getChannel('12345')).to.equal(null);
    });

    it('marks an inactive channel (peer offline) as not normal and not connected', async () => {
      bob.connected = false;
      const state = await backend.getChannel(channel.lndChanId);
      expect(state?.normal).to.equal(false);
      expect(state?.peerConnected).to.equal(false);
      expect(state?.nodeState).to.equal('inactive');
    });

    const lifecycle: [FakeChannel['state'], string][] = [
      ['opening', 'pending_open'],
      ['closing', 'waiting_close'],
      ['onchain', 'pending_force_close'],
      ['closed', 'closed'],
    ];
    for (const [state, nodeState] of lifecycle) {
      it(`follows the channel seen open into lnd's ${nodeState} list, by any of its ids`, async () => {
        await backend.getChannel(channel.lndChanId); // seen open: its channel point is known
        channel.state = state;
        for (const id of [channel.lndChanId, channel.channelPoint, channel.shortChannelId]) {
          const found = await backend.getChannel(id);
          expect(found, id).to.include({ nodeState, normal: false, peerConnected: false, peerId: bob.id });
          expect(found!.localBalanceMsat + found!.remoteBalanceMsat).to.equal(1_000_000_000n);
        }
      });
    }

    it('finds a pending channel by its channel point even when never seen open (after a restart)', async () => {
      channel.state = 'closing';
      expect(await backend.getChannel(channel.channelPoint)).to.include({ nodeState: 'waiting_close' });
      expect(await backend.getChannel(channel.lndChanId)).to.equal(null);
    });

    it('lists pending HTLCs in both directions, with their amounts and hashes', async () => {
      alice.nextFault = { kind: 'pending' };
      await backend.keysend(keysend(1, 1_000_000n, { timeoutMs: 100 }));
      bob.nextFault = { kind: 'pending' };
      bob.keysend({
        destination: alice.id,
        amountMsat: 2_000_000n,
        maxFeeMsat: 5_000n,
        preimage: preimage(2),
        customRecords: {},
        label: 'in',
      });
      const pending = (await backend.getChannel(channel.lndChanId))?.pendingHtlcs;
      expect(pending?.map((h) => [h.direction, h.amountMsat, h.paymentHash])).to.have.deep.members([
        ['out', 1_001_000n, hashOf(preimage(1))], // the amount and the fee the peer keeps
        ['in', 2_000_000n, hashOf(preimage(2))],
      ]);
    });

    it('keeps each balance within its stated resolution of the exact one, whoever opened, HTLCs held', async () => {
      const erin = network.addNode('erin');
      const erins = network.openChannel(erin, alice, 700_000_123n, 299_999_877n, 10_000_000n, {
        commitFeeMsat: 3_000_500n,
        anchorsMsat: 660_000n,
      });
      for (const [c, opener, peer] of [
        [channel, alice, bob],
        [erins, erin, erin],
      ] as const) {
        alice.pay([peer], 1_234_567n, { hold: true, feeMsat: 0n });
        peer.pay([alice], 2_345_678n, { hold: true, feeMsat: 0n });
        opener.updateFee(opener === alice ? peer : alice, 4_321_987n);
        const exact = alice.sides(c).local;
        const state = (await backend.getChannel(c.lndChanId))!;
        expect(state.localBalanceMsat + state.remoteBalanceMsat).to.equal(c.balanceA + c.balanceB);
        const off = state.localBalanceMsat - exact;
        expect((off < 0n ? -off : off) < state.balanceResolutionMsat, `off by ${off} msat`).to.equal(true);
        expect(state.balanceResolutionMsat).to.equal(2_000n); // a whole-sat balance and one whole-sat HTLC
      }
    });
  });

  describe('keysend', () => {
    it('pins the first hop to the settlement channel when one is named (outgoing_chan_ids)', async () => {
      const result = await backend.keysend({ ...keysend(1, 1_000_000n), channelId: channel.shortChannelId });
      expect(result.status).to.equal('complete');
      expect((lnd.sendRequests[0] as Record<string, unknown>).outgoing_chan_ids).to.deep.equal([channel.lndChanId]);
      const unknown = await backend.keysend({ ...keysend(2, 1_000_000n), channelId: '999x9x9' });
      expect([unknown.status, unknown.failure]).to.deep.equal(['failed', 'channel 999x9x9 not found']);
      expect(lnd.sendRequests).to.have.length(1);
    });

    it('moves msat to the peer and carries the preimage record and our TLV record', async () => {
      const result = await backend.keysend(keysend(1, 12_345_678n));
      expect(result).to.deep.equal({
        paymentHash: hashOf(preimage(1)),
        status: 'complete',
        preimage: preimage(1), // lnd pays with our preimage: the proof of payment is ours
        feeMsat: 1_000n,
        failure: null,
      });
      expect(channel.balanceA).to.equal(600_000_000n - 12_345_678n - 1_000n);
      expect(channel.balanceB).to.equal(400_000_000n + 12_345_678n + 1_000n);
      const sent = lnd.sendRequests[0] as Record<string, unknown>;
      expect(sent.dest).to.equal(Buffer.from(bob.id, 'hex').toString('base64'));
      expect(sent.amt_msat).to.equal('12345678');
      expect(sent.fee_limit_msat).to.equal('5000');
      expect(sent.payment_hash).to.equal(Buffer.from(hashOf(preimage(1)), 'hex').toString('base64'));
      expect(sent.dest_custom_records).to.deep.equal({
        '5482373484': Buffer.from(preimage(1), 'hex').toString('base64'),
        [DIGEST_RECORD]: Buffer.from('abcd01', 'hex').toString('base64'),
      });
      expect(bob.receipts[0]?.customRecords).to.deep.equal({ [DIGEST_RECORD]: 'abcd01' });
    });

    const failures: { name: string; arrange: () => void; amount: bigint; reason: string }[] = [
      {
        name: 'no route (peer offline)',
        arrange: () => (alice.connected = false),
        amount: 1_000_000n,
        reason: 'FAILURE_REASON_NO_ROUTE',
      },
      {
        name: 'insufficient balance',
        arrange: () => {},
        amount: 595_000_000n,
        reason: 'FAILURE_REASON_INSUFFICIENT_BALANCE',
      },
      {
        name: 'timeout reported by lnd',
        arrange: () => (alice.nextFault = { kind: 'fail', message: 'FAILURE_REASON_TIMEOUT' }),
        amount: 1_000_000n,
        reason: 'FAILURE_REASON_TIMEOUT',
      },
    ];
    for (const f of failures) {
      it(`reports a failed payment with lnd's reason: ${f.name}`, async () => {
        f.arrange();
        const result = await backend.keysend(keysend(3, f.amount));
        expect(result).to.deep.equal({
          paymentHash: hashOf(preimage(3)),
          status: 'failed',
          preimage: null,
          feeMsat: null,
          failure: f.reason,
        });
        expect(channel.balanceA).to.equal(600_000_000n);
      });
    }

    it('returns pending when the payment is still in flight at timeoutMs, and lookup follows it to completion', async () => {
      alice.nextFault = { kind: 'pending' };
      const result = await backend.keysend(keysend(4, 1_000_000n, { timeoutMs: 150 }));
      expect(result.status).to.equal('pending');
      expect(await backend.lookupPayment(result.paymentHash)).to.deep.include({ status: 'pending' });
      alice.resolvePending(result.paymentHash, 'complete');
      expect(await backend.lookupPayment(result.paymentHash)).to.deep.equal({
        paymentHash: result.paymentHash,
        status: 'complete',
        preimage: alice.payments.get(result.paymentHash)!.preimage,
        feeMsat: 1_000n,
        failure: null,
      });
    });

    it('waits through IN_FLIGHT updates for the final state within timeoutMs', async () => {
      alice.nextFault = { kind: 'pending' };
      const hash = hashOf(preimage(9));
      const resolver = setInterval(() => {
        if (alice.payments.get(hash)?.status === 'pending') alice.resolvePending(hash, 'failed');
      }, 20);
      const result = await backend
        .keysend(keysend(9, 1_000_000n, { timeoutMs: 5000 }))
        .finally(() => clearInterval(resolver));
      expect(result).to.deep.equal({
        paymentHash: hash,
        status: 'failed',
        preimage: null,
        feeMsat: null,
        failure: 'FAILURE_REASON_ERROR',
      });
    });

    it('returns pending when lnd accepts the request and says nothing at all', async () => {
      alice.nextFault = { kind: 'hang' };
      const result = await backend.keysend(keysend(5, 1_000_000n, { timeoutMs: 150 }));
      expect(result).to.deep.equal({
        paymentHash: hashOf(preimage(5)),
        status: 'pending',
        preimage: null,
        feeMsat: null,
        failure: null,
      });
      expect(alice.payments.get(result.paymentHash)?.status).to.equal('pending');
    });

    it('reports lnd refusing the request as failed with its message, and moves nothing', async () => {
      alice.nextFault = { kind: 'rpc_error', code: 2, message: 'router not synced\nretry later' };
      const result = await backend.keysend(keysend(6, 1_000_000n));
      expect(result.status).to.equal('failed');
      expect(result.failure).to.contain('router not synced retry later');
      expect(channel.balanceA).to.equal(600_000_000n);
    });

    it('asks the node when the same payment is sent twice, and pays only once', async () => {
      const first = await backend.keysend(keysend(7, 1_000_000n));
      const second = await backend.keysend(keysend(7, 1_000_000n));
      expect(second).to.deep.equal(first);
      expect(channel.balanceB).to.equal(401_001_000n);
    });

    const bad: { name: string; request: Partial<KeysendRequest>; message: RegExp }[] = [
      { name: 'short preimage', request: { preimage: 'ab' }, message: /preimage/ },
      { name: 'bad destination', request: { destination: 'zz' }, message: /destination/ },
      { name: 'zero amount', request: { amountMsat: 0n }, message: /amountMsat/ },
      { name: 'record below the custom range', request: { customRecords: { '1000': 'ab' } }, message: /65536/ },
      {
        name: 'preimage record overridden',
        request: { customRecords: { '5482373484': 'ab' } },
        message: /preimage record/,
      },
      { name: 'odd hex record', request: { customRecords: { [DIGEST_RECORD]: 'abc' } }, message: /hex/ },
    ];
    for (const b of bad) {
      it(`rejects a bad request before calling lnd: ${b.name}`, async () => {
        let caught: unknown;
        await backend.keysend(keysend(8, 1_000n, b.request)).catch((e) => (caught = e));
        expect(caught).to.be.instanceOf(InputError);
        expect((caught as Error).message).to.match(b.message);
        expect(lnd.sendRequests).to.have.length(0);
      });
    }
  });

  describe('lookupPayment', () => {
    it('finds complete and failed payments and returns null for an unknown one', async () => {
      await backend.keysend(keysend(10, 1_000_000n));
      alice.nextFault = { kind: 'fail', message: 'FAILURE_REASON_NO_ROUTE' };
      await backend.keysend(keysend(11, 1_000_000n));
      expect(await backend.lookupPayment(hashOf(preimage(10)))).to.deep.equal({
        paymentHash: hashOf(preimage(10)),
        status: 'complete',
        preimage: preimage(10),
        feeMsat: 1_000n,
        failure: null,
      });
      expect(await backend.lookupPayment(hashOf(preimage(11)))).to.deep.equal({
        paymentHash: hashOf(preimage(11)),
        status: 'failed',
        preimage: null,
        feeMsat: null,
        failure: 'FAILURE_REASON_NO_ROUTE',
      });
      expect(await backend.lookupPayment(hashOf(preimage(12)))).to.equal(null);
    });

    it('rejects a malformed hash', async () => {
      let caught: unknown;
      await backend.lookupPayment('xyz').catch((e) => (caught = e));
      expect(caught).to.be.instanceOf(InputError);
    });
  });

  describe('listReceived', () => {
    function pay(n: number, amountMsat: bigint, at: number): void {
      now = at;
      bob.keysend({
        destination: alice.id,
        amountMsat,
        maxFeeMsat: 5_000n,
        preimage: preimage(n),
        customRecords: { [DIGEST_RECORD]: n.toString(16).padStart(2, '0') },
        label: '',
      });
    }

    it('returns settled keysends since the given time with their records as hex', async () => {
      pay(20, 1_500_000n, 1_700_000_000_000);
      pay(21, 2_500_001n, 1_700_000_100_000);
      const received = await backend.listReceived(1_700_000_050_000);
      expect(received).to.deep.equal([
        {
          paymentHash: hashOf(preimage(21)),
          amountMsat: 2_500_001n,
          settledAt: 1_700_000_100_000,
          customRecords: { '5482373484': preimage(21), [DIGEST_RECORD]: '15' },
        },
      ]);
    });

    it('pages through more invoices than one page holds', async () => {
      for (let i = 0; i < 250; i += 1)
        alice.receipts.push({
          paymentHash: hashOf(preimage(1000 + i)),
          amountMsat: BigInt(1000 + i),
          settledAt: 1_700_000_000_000 + i * 1000,
          customRecords: {},
          kind: 'keysend',
          label: '',
        });
      const received = await backend.listReceived(1_700_000_000_000);
      expect(received).to.have.length(250);
      expect(received[249]?.amountMsat).to.equal(1249n);
    });
  });

  describe('credentials and transport', () => {
    it('reports a refused macaroon clearly, without the macaroon', async () => {
      const wrong = Buffer.alloc(64, 7);
      const other = backendWith({ macaroon: wrong });
      for (const call of [
        () => other.getNodeId(),
        () => other.keysend(keysend(30, 1_000n)),
        () => other.lookupPayment(hashOf(preimage(30))),
      ]) {
        let caught: unknown;
        await call().catch((e) => (caught = e));
        expect(caught).to.be.instanceOf(LndError);
        expect((caught as LndError).code).to.equal('lnd_auth');
        expect((caught as Error).message).to.match(/macaroon/);
        expect((caught as Error).message).not.to.contain(wrong.toString('hex'));
        expect((caught as Error).message).not.to.contain(lnd.macaroon.toString('hex'));
      }
      expect(channel.balanceA).to.equal(600_000_000n);
      await other.close();
    });

    it('refuses a server whose certificate the configured CA did not sign', async () => {
      const otherCa = join(dir, 'other.cert');
      writeFileSync(otherCa, OTHER_TLS_CERT);
      const other = backendWith({ caFile: otherCa });
      let caught: unknown;
      await other.getNodeId().catch((e) => (caught = e));
      expect(caught).to.be.instanceOf(LndError);
      expect((caught as LndError).code).to.equal('lnd_unreachable');
      await other.close();
    });

    it('rejects a keysend it could not deliver at all', async () => {
      const port = new URL(lnd.url).port;
      await lnd.close();
      let caught: unknown;
      await backend.keysend(keysend(31, 1_000n)).catch((e) => (caught = e));
      expect(caught).to.be.instanceOf(LndError);
      expect((caught as Error).message).to.contain(`127.0.0.1:${port}`);
      lnd = await startFakeLnd(alice);
    });

    it('works over plain http to a loopback address', async () => {
      const plain = await startFakeLnd(alice, { tls: false });
      const file = join(dir, 'plain.macaroon');
      writeFileSync(file, plain.macaroon, { mode: 0o600 });
      const other = createLndRestBackend({ url: plain.url, macaroonFile: file });
      expect(await other.getNodeId()).to.equal(alice.id);
      await other.close();
      await plain.close();
    });

    const emptyMacaroon = join(dir, 'empty.macaroon');
    writeFileSync(emptyMacaroon, '', { mode: 0o600 });
    const openMacaroon = join(dir, 'open.macaroon');
    writeFileSync(openMacaroon, 'secret-bytes', { mode: 0o644 });
    const config: {
      name: string;
      options: { url: string; macaroonFile?: string; caFile?: string };
      error: typeof ConfigError | typeof KeyError;
      message: RegExp;
    }[] = [
      {
        name: 'cleartext to a remote host',
        options: { url: 'http://lnd.example.com:8080' },
        error: ConfigError,
        message: /https/,
      },
      { name: 'not a URL', options: { url: 'lnd:8080 x' }, error: ConfigError, message: /https/ },
      {
        name: 'missing macaroon file',
        options: { url: 'https://127.0.0.1:8080', macaroonFile: join(dir, 'nope.macaroon') },
        error: KeyError,
        message: /macaroon file .*does not exist/,
      },
      {
        name: 'empty macaroon file',
        options: { url: 'https://127.0.0.1:8080', macaroonFile: emptyMacaroon },
        error: KeyError,
        message: /empty/,
      },
      {
        name: 'macaroon readable by others',
        options: { url: 'https://127.0.0.1:8080', macaroonFile: openMacaroon },
        error: KeyError,
        message: /chmod 600/,
      },
      {
        name: 'missing CA file',
        options: { url: 'https://127.0.0.1:8080', caFile: join(dir, 'nope.cert') },
        error: KeyError,
        message: /CA file .*does not exist/,
      },
    ];
    for (const c of config) {
      it(`refuses bad configuration: ${c.name}`, () => {
        const options = { ...c.options, macaroonFile: c.options.macaroonFile ?? macaroonFile };
        let caught: unknown;
        try {
          createLndRestBackend(options);
        } catch (err) {
          caught = err;
        }
        expect(caught).to.be.instanceOf(c.error);
        expect((caught as Error).message).to.match(c.message);
        expect((caught as Error).message).not.to.contain('secret-bytes');
      });
    }
  });
});
