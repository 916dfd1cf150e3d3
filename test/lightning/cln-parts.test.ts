/**
 * The pure parts of the Core Lightning backend: a payment's status from its sendpay parts, the time
 * and note of a received keysend from its invoice, the answers of keysend and xkeysend, a closed
 * channel; and the receipt listing's paging back through a long history of invoices.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { keysendTimeOf, listKeysendsSince, noteOf } from '../../src/lightning/cln-receipts.js';
import { summarizeParts } from '../../src/lightning/cln-sendpays.js';
import { ClnError, closedChannelStateOf, completedResultOf, type SendPay } from '../../src/lightning/cln-wire.js';
import type { ClnCall } from '../../src/lightning/cln-keysend-method.js';

const H = 'ab'.repeat(32);
const part = (over: Partial<SendPay>): SendPay => ({
  created_index: 1,
  payment_hash: H,
  groupid: 1,
  status: 'failed',
  created_at: 1_750_000_000,
  amount_msat: 1_000n,
  amount_sent_msat: 1_010n,
  ...over,
});

describe('lightning/cln parts', () => {
  it("a payment's status from its parts: any complete part wins, then any pending, else failed so far", () => {
    expect(summarizeParts([])).to.equal(null);
    const done = summarizeParts([part({}), part({ status: 'complete', payment_preimage: 'cd'.repeat(32) })]);
    expect(done).to.include({ status: 'complete', preimage: 'cd'.repeat(32), feeMsat: 10n, paymentHash: H });
    expect(summarizeParts([part({}), part({ status: 'pending', created_at: 1_749_999_999 })])).to.include({
      status: 'pending',
      firstCreatedAtS: 1_749_999_999,
      feeMsat: null,
    });
    expect(summarizeParts([part({ label: 'x' })])).to.include({ status: 'failed', label: 'x', preimage: null });
  });

  it('reads the arrival from a keysend-<s>.<ns> label to the ms, and the note from a keysend description', () => {
    expect(keysendTimeOf('keysend-1750000000.123456789')).to.equal(1_750_000_000_123);
    for (const other of ['keysend-1750000000', 'keysend-1750000000.12345', 'invoice-1', 'keysend-x.123456789'])
      expect(keysendTimeOf(other), other).to.equal(null);
    expect(noteOf('keysend: hello')).to.equal('hello');
    for (const none of ['keysend', undefined, 'an ordinary invoice', 'keysend: ']) expect(noteOf(none)).to.equal(null);
  });

  it('takes the payment hash of a keysend or xkeysend answer from its preimage, and refuses one that differs', () => {
    const preimage = '11'.repeat(32);
    const hash = createHash('sha256').update(Buffer.from(preimage, 'hex')).digest('hex');
    const answer = { payment_preimage: preimage, amount_msat: 1_000n, amount_sent_msat: 1_002n };
    expect(completedResultOf(answer)).to.deep.equal({
      paymentHash: hash,
      status: 'complete',
      preimage,
      feeMsat: 2n,
      failure: null,
    });
    expect(completedResultOf({ ...answer, payment_hash: hash }).paymentHash).to.equal(hash);
    expect(() => completedResultOf({ ...answer, payment_hash: H })).to.throw(ClnError, /does not hash to/);
  });

  it('reads a closed channel, and refuses one whose final balance exceeds its capacity', () => {
    const closed = { channel_id: H, total_msat: 1_000n, final_to_us_msat: 400n };
    expect(closedChannelStateOf(closed)).to.include({
      nodeState: 'CLOSED',
      channelId: H,
      localBalanceMsat: 400n,
      remoteBalanceMsat: 600n,
      normal: false,
    });
    expect(() => closedChannelStateOf({ ...closed, final_to_us_msat: 1_001n })).to.throw(ClnError, /exceeds/);
  });

  describe('listing received keysends', () => {
    const T = 1_750_000_000_000;
    /** A node with `count` keysend invoices, one a second, the last at T; counts the invoices it answers. */
    function node(count: number) {
      const seen = { invoices: 0 };
      const invoice = (i: number) => {
        const at = T - (count - i) * 1000;
        return {
          label: `keysend-${Math.floor(at / 1000)}.000000000`,
          description: 'keysend',
          payment_hash: i.toString(16).padStart(64, '0'),
          status: 'paid',
          created_index: i,
          pay_index: i,
          amount_received_msat: 1_000,
          paid_at: Math.floor(at / 1000),
        };
      };
      const call: ClnCall = async (method, params, schema) => {
        if (method === 'wait') return schema.parse({ subsystem: 'invoices', ...(count > 0 ? { created: count } : {}) });
        const start = params.start as number;
        const limit = params.limit as number;
        const invoices = [];
        for (let i = start; i < start + limit && i <= count; i += 1) invoices.push(invoice(i));
        seen.invoices += invoices.length;
        return schema.parse({ invoices });
      };
      return { call, seen };
    }

    it('reads back a page at a time only as far as the listing reaches, however long the history', async () => {
      const long = node(100_000);
      const recent = await listKeysendsSince(long.call, T - 10_000, () => undefined);
      expect(recent.map((r) => r.settledAt)).to.deep.equal(Array.from({ length: 11 }, (_, i) => T - 10_000 + i * 1000));
      expect(long.seen.invoices).to.equal(64);
      // Further back: pages double, and stop at the first one that reaches before the start.
      const older = await listKeysendsSince(long.call, T - 500_000, () => undefined);
      expect(older).to.have.length(501);
      expect(long.seen.invoices - 64).to.be.below(1_100);
    });

    it('reads every invoice of a short history once, and gives records where something saw them', async () => {
      const short = node(3);
      const all = await listKeysendsSince(short.call, 0, (hash) =>
        hash.endsWith('2') ? { '65537': 'ff' } : undefined,
      );
      expect(all.map((r) => r.customRecords)).to.deep.equal([null, { '65537': 'ff' }, null]);
      expect(short.seen.invoices).to.equal(3);
      const none = node(0);
      expect(await listKeysendsSince(none.call, 0, () => undefined)).to.deep.equal([]);
    });
  });
});
