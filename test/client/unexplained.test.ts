/**
 * The unexplained amount at work: excluded from what is owed whatever the operator does, shown with
 * each round, and by default pausing payment until acknowledged. Also the baseline (taken once, from
 * a quiet channel; an older ledger takes it at its first round after the upgrade), and the dry run,
 * which records nothing.
 */
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { LEDGER_MIGRATIONS } from '../../src/client/ledger-schema.js';
import type { ReceivedPayment } from '../../src/lightning/types.js';
import { acknowledge } from '../../src/cli/acknowledge.js';
import { T0, overriding, setup, settledBy, usd } from './round-setup.js';

/** The receiver's side of the channel loses `msat` to something else (a forward, say). */
const drain = (w: ReturnType<typeof setup>, msat: bigint) => {
  w.channel.balanceA -= msat;
  w.channel.balanceB += msat;
};

describe('client/round: unexplained changes', () => {
  it('pauses payment while an unexplained move is not acknowledged, then pays only what the price owes', async () => {
    const w = setup();
    await w.provider.round();
    drain(w, 10_000_000n);
    w.oracles.price = usd('99000'); // the provider owes 1 010 101 msat for the price
    w.clock.advance(5_000);
    const paused = await w.provider.round();
    expect([paused.action, paused.amountMsat, paused.unexplainedMsat, paused.paused]).to.deep.equal([
      'skip',
      1_010_101n,
      -10_000_000n,
      true,
    ]);
    expect(paused.reason).to.match(/moved by -10000000 msat that no settlement explains.*peer-stables acknowledge/);
    expect(w.provider.ledger.rounds(1)[0]).to.include({ unexplainedMsat: -10_000_000n, paused: true });

    expect(acknowledge(w.provider.configFile, { msat: -10_000_000n, clock: w.clock })).to.match(
      /acknowledged an unexplained change of -10000000 msat/,
    );
    w.clock.advance(5_000);
    const paid = await w.provider.round();
    expect([paid.action, paid.amountMsat, paid.paused]).to.deep.equal(['pay', 1_010_101n, false]);

    drain(w, 1_000n); // something else moves it again: paused again
    w.oracles.price = usd('98000');
    w.clock.advance(5_000);
    expect(await w.provider.round()).to.include({ action: 'skip', paused: true, unexplainedMsat: -10_001_000n });
    expect(settledBy(w.provider.node)).to.equal(1_010_101n);
  });

  it('refuses to acknowledge before a round measured the channel, or an amount no longer current', async () => {
    const w = setup();
    expect(() => acknowledge(w.provider.configFile, { clock: w.clock })).to.throw(/no round has measured the channel/);
    await w.provider.round();
    drain(w, 5_000n);
    await w.provider.round();
    expect(() => acknowledge(w.provider.configFile, { msat: -4_000n, clock: w.clock })).to.throw(
      /--msat -4000: the unexplained amount is now -5000 msat/,
    );
  });

  it('with onUnexplained "continue", pays what the price owes and still not the unexplained amount', async () => {
    const w = setup({ extra: { onUnexplained: 'continue' } });
    await w.provider.round();
    drain(w, 10_000_000n);
    w.oracles.price = usd('99000');
    const r = await w.provider.round();
    expect([r.action, r.amountMsat, r.unexplainedMsat, r.paused]).to.deep.equal([
      'pay',
      1_010_101n,
      -10_000_000n,
      false,
    ]);
  });

  it('the side that is owed keeps expecting while paused', async () => {
    const w = setup();
    await w.receiver.round();
    drain(w, 10_000_000n);
    w.oracles.price = usd('99000');
    const r = await w.receiver.round();
    expect([r.action, r.amountMsat, r.paused]).to.deep.equal(['expect', 1_010_101n, true]);
  });

  it('pays the initial difference from the baseline at the first round, as the agreement starts', async () => {
    const w = setup({ receiverBalanceMsat: 99_000_000n });
    const r = await w.provider.round();
    expect([r.action, r.amountMsat, r.unexplainedMsat]).to.deep.equal(['pay', 1_000_000n, 0n]);
    expect(w.provider.ledger.accounts()!.baseline.receiverMsat).to.equal(99_000_000n);
  });

  it('takes the baseline only from a quiet channel: no HTLC in flight, no keysend arriving meanwhile', async () => {
    const w = setup();
    const htlc = { direction: 'in' as const, amountMsat: 5_000n, paymentHash: 'ab'.repeat(32) };
    w.provider.backend = overriding(w.provider.fake, {
      getChannel: async (id) => {
        const c = (await w.provider.fake.getChannel(id))!;
        return { ...c, pendingHtlcs: [htlc] };
      },
    });
    expect(await w.provider.round()).to.include({ action: 'wait' });
    expect((await w.provider.round()).reason).to.match(/HTLC\(s\) in flight on the channel; the agreement's baseline/);
    let listings = 0;
    const arriving: ReceivedPayment = { paymentHash: 'cd'.repeat(32), amountMsat: 1n, settledAt: 0, customRecords: {} };
    w.provider.backend = overriding(w.provider.fake, {
      listReceived: async () => (++listings === 2 ? [arriving] : []),
    });
    expect((await w.provider.round()).reason).to.match(/a keysend arrived while the agreement's baseline was read/);
    expect(w.provider.ledger.accounts()).to.equal(null);
    w.provider.backend = w.provider.fake;
    await w.provider.round();
    expect(w.provider.ledger.accounts()).to.not.equal(null);
  });

  it('refuses a channel the node does not know, or one with another peer', async () => {
    const w = setup();
    w.provider.backend = overriding(w.provider.fake, { getChannel: async () => null });
    expect((await w.provider.round()).reason).to.match(/^channel \d+x1x0 not found at the node/);
    w.provider.backend = w.provider.fake;
    await w.provider.round();
    w.provider.backend = overriding(w.provider.fake, {
      getChannel: async (id) => ({ ...(await w.provider.fake.getChannel(id))!, peerId: `03${'00'.repeat(32)}` }),
    });
    const r = await w.provider.round();
    expect([r.action, r.reason]).to.deep.equal([
      'refuse',
      `channel ${w.channel.shortChannelId} is with 03${'00'.repeat(32)}, not the agreed peer`,
    ]);
  });

  it('a dry run records nothing, not even the baseline, and says what it would pay', async () => {
    const w = setup({ receiverBalanceMsat: 99_000_000n });
    const r = await w.provider.round(true);
    expect([r.action, r.amountMsat]).to.deep.equal(['dry-run', 1_000_000n]);
    expect(r.reason).to.match(/^would pay: we owe the receiver 1000000 msat/);
    expect([w.provider.ledger.accounts(), w.provider.ledger.rounds(5), w.provider.ledger.funding()]).to.deep.equal([
      null,
      [],
      null,
    ]);
    expect(settledBy(w.provider.node)).to.equal(0n);
  });

  it('an older ledger keeps working after the upgrade: its first round takes the baseline', async () => {
    const w = setup({
      funding: true,
      prepareLedger: (file) => {
        const db = new Database(file);
        db.exec(LEDGER_MIGRATIONS[0]!.sql);
        db.pragma('user_version = 1');
        // It paid before (already in the channel's balance) and accrued funding.
        db.prepare(
          `INSERT INTO payments
             (payment_hash, preimage, digest, amount_msat, max_fee_msat, status, created_at, updated_at)
           VALUES ('aa', 'bb', 'cc', 5000000, 10, 'complete', 1, 2)`,
        ).run();
        // It stopped accruing from rates before the agreed funding start (the clock's start).
        db.prepare("INSERT INTO meta (key, value) VALUES ('fundingAccruedMsat', '0'), ('lastFundingAt', ?)").run(
          String(T0 - 60_000),
        );
        db.close();
      },
    });
    drain(w, 3_000_000n); // moved before the upgrade: part of the baseline
    const first = await w.provider.round();
    expect(first.action, first.reason).to.equal('pay'); // the true-up to the target: 3 000 000 msat
    expect(first.amountMsat).to.equal(3_000_000n);
    w.clock.advance(5_000);
    expect(await w.provider.round()).to.include({ action: 'none', unexplainedMsat: 0n });
  });
});
