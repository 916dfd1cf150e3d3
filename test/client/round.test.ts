/**
 * The settlement round against two fake nodes sharing a channel and real signed quotes: what
 * moves, what does not, and what happens when a quote is forged or replayed, a payment fails or
 * hangs, or the client stops between writing its intent and paying.
 */
import { expect } from 'chai';
import { statusText } from '../../src/cli/status.js';
import { SETTLEMENT_TLV_TYPE } from '../../src/client/commitment.js';
import { targetReceiverMsat } from '../../src/client/stable-math.js';
import { SECRETS, T0, setup, usd } from './round-setup.js';

describe('client/round', () => {
  it('moves nothing while the price stands still', async () => {
    const { provider, receiver, channel } = setup();
    expect((await provider.round()).action).to.equal('none');
    expect((await receiver.round()).action).to.equal('none');
    expect([channel.balanceA, channel.balanceB]).to.deep.equal([100_000_000n, 300_000_000n]);
  });

  const table: [string, string, 'provider' | 'receiver', bigint][] = [
    // price, who pays, amount = |target - 100 000 000| msat
    ['99000', 'provider', 1_010_101n], // 100 / 99000 BTC = 101 010 101.01 msat
    ['101000', 'receiver', 990_099n], // 100 / 101000 BTC = 99 009 900.99 msat
    ['50000', 'provider', 100_000_000n],
    ['100000.5', 'receiver', 0n], // 499.9975 msat: below the 1000 msat minimum
  ].map(([price, payer, amount]) => [
    `price ${price}`,
    price as string,
    payer as 'provider' | 'receiver',
    amount as bigint,
  ]);
  for (const [what, price, payer, amount] of table) {
    it(`${what}: the ${payer} pays ${amount} msat and the receiver's USD value holds`, async () => {
      const s = setup();
      s.oracles.price = usd(price);
      const payee = payer === 'provider' ? s.receiver : s.provider;
      const paying = payer === 'provider' ? s.provider : s.receiver;
      const paid = await paying.round();
      if (amount === 0n) {
        expect(paid.action).to.equal('none');
        return;
      }
      expect([paid.action, paid.amountMsat, paid.payment?.status]).to.deep.equal(['pay', amount, 'complete']);
      const receiverAfter = s.channel.balanceA;
      expect(Number(receiverAfter - targetReceiverMsat(usd('100'), usd(price)))).to.be.within(-1, 1);
      // The payee sees nothing left to settle after the payment.
      expect((await payee.round()).action).to.equal('none');
      const [record] = paying.ledger.payments(1);
      expect(record).to.include({ status: 'complete', amountMsat: amount });
      const receipt = payee.node.receipts[0]!;
      expect(receipt.customRecords[SETTLEMENT_TLV_TYPE]).to.equal(record!.commitment);
    });
  }

  it('pays nothing on a forged quote when too few valid ones remain, and says why', async () => {
    const s = setup();
    s.oracles.price = usd('99000');
    s.oracles.forged = new Set([0, 1]);
    const r = await s.provider.round();
    expect(r.action).to.equal('refuse');
    expect(r.reason).to.match(/^no trustworthy price: 1 of 3/);
    expect(s.channel.balanceA).to.equal(100_000_000n);
  });

  it('settles on k of n when one oracle is down or forged', async () => {
    const s = setup();
    s.oracles.price = usd('99000');
    s.oracles.forged = new Set([0]);
    expect((await s.provider.round()).action).to.equal('pay');
  });

  it('refuses quotes older than the last accepted (a replay), and says so', async () => {
    const s = setup();
    s.oracles.price = usd('99000');
    await s.provider.round();
    const old = s.oracles.last;
    await s.provider.round(); // newer quotes accepted
    // A replay of the first round's quotes, at a price that would pay a lot.
    s.oracles.replay = old;
    s.oracles.price = usd('50000');
    const r = await s.provider.round();
    expect(r.action).to.equal('refuse');
    expect(r.reason).to.match(/older than the last accepted/);
  });

  it('pays nothing in a dry run and writes nothing', async () => {
    const s = setup();
    s.oracles.price = usd('99000');
    const r = await s.provider.round(true);
    expect([r.action, r.amountMsat]).to.deep.equal(['dry-run', 1_010_101n]);
    expect(s.channel.balanceA).to.equal(100_000_000n);
    expect(s.provider.ledger.payments(10)).to.deep.equal([]);
    expect(s.provider.ledger.rounds(10)).to.deep.equal([]);
  });

  for (const [what, change, reason] of [
    [
      'the peer is disconnected',
      (s: ReturnType<typeof setup>) => (s.receiver.node.connected = false),
      /peer is not connected/,
    ],
    [
      'an HTLC is pending',
      (s: ReturnType<typeof setup>) => s.provider.node.pay([s.receiver.node], 1_000_000n, { hold: true }),
      /HTLC\(s\) toward the peer are pending/,
    ],
    [
      'the balance is short',
      (s: ReturnType<typeof setup>) => (s.oracles.price = usd('20000')),
      /spendable .* is less than/,
    ],
  ] as const) {
    it(`skips paying when ${what}`, async () => {
      const s = setup();
      await s.provider.round(); // the agreement's first round, at the starting price
      s.oracles.price = usd('99000');
      change(s);
      const r = await s.provider.round();
      expect(r.action).to.equal('skip');
      expect(r.reason).to.match(reason);
      expect(s.provider.ledger.payments(10)).to.deep.equal([]);
    });
  }

  it('never settles once the channel is closing: the round refuses and says the position ended', async () => {
    const s = setup();
    await s.provider.round(); // the agreement's first round, at the starting price
    s.oracles.price = usd('99000');
    s.channel.state = 'closing';
    const r = await s.provider.round();
    expect(r.action).to.equal('refuse');
    expect(r.reason).to.equal(
      'the channel is closing: the stable position ended; nothing settles any more ' +
        '(the node says CHANNELD_SHUTTING_DOWN)',
    );
    expect(s.provider.ledger.payments(10)).to.deep.equal([]);
  });

  it('records a failed payment and pays on the next quote', async () => {
    const s = setup();
    s.oracles.price = usd('99000');
    s.provider.node.nextFault = { kind: 'fail', message: 'no route' };
    const failed = await s.provider.round();
    expect([failed.action, failed.payment?.status]).to.deep.equal(['pay', 'failed']);
    expect(failed.reason).to.match(/payment failed: no route/);
    expect(s.channel.balanceA).to.equal(100_000_000n);
    const retried = await s.provider.round();
    expect(retried.payment?.status).to.equal('complete');
    expect(s.provider.ledger.payments(10).map((p) => p.status)).to.deep.equal(['complete', 'failed']);
  });

  it('waits while a payment is in flight, then reconciles it, never paying twice', async () => {
    const s = setup();
    s.oracles.price = usd('99000');
    s.provider.node.nextFault = { kind: 'pending' };
    const first = await s.provider.round();
    expect(first.payment?.status).to.equal('pending');
    const waiting = await s.provider.round();
    expect(waiting.action).to.equal('wait');
    s.provider.node.resolvePending(first.payment!.hash, 'complete');
    const after = await s.provider.round();
    expect(after.action).to.equal('none');
    expect(s.provider.ledger.payments(10).map((p) => p.status)).to.deep.equal(['complete']);
    expect(s.channel.balanceA).to.equal(101_010_101n);
  });

  it('after the keysend call fails once the intent is written, reconciles the intent and pays once', async () => {
    const s = setup();
    s.oracles.price = usd('99000');
    s.provider.fake.unreachable = true; // the keysend call fails right after the intent is written
    const failed = await s.provider.round();
    expect(failed.action).to.equal('error');
    expect(failed.reason).to.match(/^sending the keysend failed: connect ECONNREFUSED; the intent stays open/);
    expect(s.provider.ledger.openPayments().map((p) => p.status)).to.deep.equal(['intent']);
    s.provider.fake.unreachable = false;
    const restarted = await s.provider.round();
    expect(restarted.payment?.status).to.equal('complete');
    expect(s.provider.ledger.payments(10).map((p) => [p.status, p.failure])).to.deep.equal([
      ['complete', null],
      ['failed', 'the node has no record of this payment (it never reached the node, or the node lost it)'],
    ]);
    expect(s.channel.balanceA).to.equal(101_010_101n);
  });

  it('after a crash once the payment was sent, finds it complete at the node and does not pay again', async () => {
    const s = setup();
    s.oracles.price = usd('99000');
    await s.provider.round();
    // As if the outcome had never been written: the ledger still says "intent".
    const [paid] = s.provider.ledger.payments(1);
    s.provider.ledger.recordOutcome(paid!.paymentHash, {
      status: 'pending',
      nodePaymentHash: null,
      nodePreimage: null,
      feeMsat: null,
      failure: null,
      at: T0,
    });
    const again = await s.provider.round();
    expect(again.action).to.equal('none');
    expect(s.provider.ledger.payments(10).map((p) => p.status)).to.deep.equal(['complete']);
    expect(s.channel.balanceA).to.equal(101_010_101n);
  });

  it('the side that is owed counts a miss when the peer does not pay within the grace period', async () => {
    const s = setup();
    s.oracles.price = usd('99000');
    const expected = await s.receiver.round();
    expect([expected.action, expected.amountMsat]).to.deep.equal(['expect', 1_010_101n]);
    s.clock.advance(61_000);
    await s.receiver.round();
    expect(s.receiver.ledger.missCount()).to.equal(1);
    // When the provider pays, the next expectation is met.
    await s.provider.round();
    s.oracles.price = usd('98000');
    await s.receiver.round();
    await s.provider.round();
    s.clock.advance(61_000);
    await s.receiver.round();
    expect(s.receiver.ledger.missCount()).to.equal(1);
  });

  it('adds funding: at a positive rate the provider pays the receiver for the time elapsed', async () => {
    const s = setup({ funding: true });
    s.oracles.indexOffsetsMs = [0, 0, 0]; // every oracle's index ticks on the minute
    s.oracles.fundingRate = 10_000_000n; // 0.001 per 8 h
    expect((await s.provider.round()).reason).to.match(/funding since 2026-05-28T20:26:40.000Z: 0\.0+ USD/);
    s.clock.advance(8 * 3_600_000);
    const r = await s.provider.round();
    // 0.001 of the 100 000 000 msat notional for a full 8 h
    expect([r.action, r.amountMsat]).to.deep.equal(['pay', 100_000n]);
    expect(s.channel.balanceA).to.equal(100_100_000n);
  });

  it('keeps funding once paid: later rounds neither take it back nor charge it again', async () => {
    const s = setup({ funding: true });
    s.oracles.indexOffsetsMs = [0, 0, 0];
    s.oracles.fundingRate = 10_000_000n; // 0.001 per 8 h
    await s.provider.round();
    await s.receiver.round();
    s.clock.advance(8 * 3_600_000);
    expect((await s.provider.round()).amountMsat).to.equal(100_000n);
    // Both sides apply the same signed index: the receiver finds the funding already paid.
    expect((await s.receiver.round()).action).to.equal('none');
    s.oracles.fundingRate = 0n; // no more funding from here on
    for (let i = 0; i < 3; i += 1) {
      s.clock.advance(60_000);
      const [p, r] = [await s.provider.round(), await s.receiver.round()];
      expect([p.action, r.action], `${p.reason} / ${r.reason}`).to.deep.equal(['none', 'none']);
    }
    expect(s.channel.balanceA).to.equal(100_100_000n);
  });

  it('never charges funding twice for one interval when the clock steps back', async () => {
    const s = setup({ funding: true });
    s.oracles.indexOffsetsMs = [0, 0, 0];
    s.oracles.fundingRate = 10_000_000n; // 0.001 per 8 h: 50 000 msat per 4 h on 100 000 000 msat
    await s.provider.round();
    s.clock.advance(4 * 3_600_000);
    expect((await s.provider.round()).amountMsat).to.equal(50_000n);
    s.clock.advance(-4 * 3_600_000); // the clock is stepped back 4 h
    await s.provider.round();
    s.clock.advance(4 * 3_600_000); // and runs forward over the same 4 h again
    await s.provider.round();
    expect(s.channel.balanceA - 100_000_000n, 'funding paid to the receiver').to.equal(50_000n);
  });

  it('does not lose accrued funding when the funding quotes fail in a round that pays for the price', async () => {
    const s = setup({ funding: true });
    s.oracles.indexOffsetsMs = [0, 0, 0];
    s.oracles.fundingRate = 10_000_000n;
    await s.provider.round();
    s.clock.advance(4 * 3_600_000);
    const realFetch = s.oracles.fetch;
    s.oracles.fetch = async (path) =>
      path === '/funding-index' ? SECRETS.map(() => ({ ok: false as const, error: 'HTTP 503' })) : realFetch(path);
    s.oracles.price = usd('99000');
    const paid = await s.provider.round();
    expect(paid.amountMsat).to.equal(1_010_101n); // the price move only
    expect(paid.reason).to.match(/no funding applied this round/);
    s.oracles.fetch = realFetch;
    s.clock.advance(4 * 3_600_000);
    const later = await s.provider.round();
    // The full 8 h of funding: 0.001 of 100 USD, at 99 000 USD per BTC (101 010.1 msat), rounded once.
    expect(later.amountMsat).to.equal(101_010n);
  });

  it('never lists one funding index attestation twice in a payment, when the latest is still the anchor', async () => {
    const s = setup({ funding: true });
    s.oracles.indexOffsetsMs = [0, 0, 0];
    await s.provider.round(); // funding starts at T0; each oracle's anchor is its index at T0
    s.oracles.price = usd('99000');
    s.clock.advance(1_000); // no new index yet: the latest of each oracle is its anchor
    const paid = await s.provider.round();
    expect([paid.action, paid.amountMsat, paid.payment?.status], paid.reason).to.deep.equal([
      'pay',
      1_010_101n,
      'complete',
    ]);
    const [payment] = s.provider.ledger.payments(1);
    const kinds = s.provider.ledger.paymentAttestations(payment!.paymentHash).map((a) => a.kind);
    expect(kinds.filter((k) => k === 'funding_index')).to.have.length(3);
  });

  it('refuses to pay more than maxPaymentMsat in one round', async () => {
    const s = setup({ maxPaymentMsat: '1000000' });
    s.oracles.price = usd('99000');
    const r = await s.provider.round();
    expect([r.action, r.amountMsat]).to.deep.equal(['skip', 1_010_101n]);
    expect(r.reason).to.match(/above maxPaymentMsat/);
    expect(s.provider.ledger.payments(10)).to.deep.equal([]);
  });

  it('lets an expectation lapse, not count a miss, when the price moved back before it was due', async () => {
    const s = setup();
    s.oracles.price = usd('99000');
    expect((await s.receiver.round()).action).to.equal('expect');
    s.oracles.price = usd('100000');
    s.clock.advance(61_000);
    expect((await s.receiver.round()).action).to.equal('none');
    expect(s.receiver.ledger.missCount()).to.equal(0);
  });

  it('never fails a sent payment the node no longer lists; every round says it needs the operator', async () => {
    const s = setup();
    s.oracles.price = usd('99000');
    s.provider.node.nextFault = { kind: 'pending' };
    const first = await s.provider.round();
    s.provider.node.payments.delete(first.payment!.hash); // the node forgets it (autoclean, or lost in a restart)
    const r = await s.provider.round();
    expect(r.action).to.equal('wait');
    expect(s.provider.ledger.openPayments().map((p) => p.status)).to.deep.equal(['pending']);
    // Never a silent wait: the round's reason, which status shows, names the payment and the operator.
    const needs = new RegExp(`1 of them the node no longer lists \\(${first.payment!.hash}\\).*needs the operator`);
    expect(r.reason).to.match(needs);
    expect(statusText(s.provider.configFile)).to.match(needs);
  });
});
