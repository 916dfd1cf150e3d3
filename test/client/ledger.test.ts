import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '../../src/client/ledger.js';
import { InputError } from '../../src/core/errors.js';

const PK = 'ab'.repeat(32);
const intent = (n: number) => ({
  paymentHash: `${n}`.padStart(64, '0'),
  preimage: `${n}`.padStart(64, 'f'),
  digest: `${n}`.padStart(64, 'd'),
  amountMsat: 1_000n * BigInt(n),
  maxFeeMsat: 5_000n,
  at: 1_000 * n,
});

describe('client/ledger', () => {
  const file = () => join(mkdtempSync(join(tmpdir(), 'ps-ledger-')), 'nested', 'settle.sqlite3');

  it('keeps an intent open until its outcome is recorded, across a reopen', () => {
    const path = file();
    let ledger = Ledger.open(path);
    ledger.recordIntent(intent(1));
    ledger.close();
    ledger = Ledger.open(path); // as after a crash between intent and payment
    expect(ledger.openPayments().map((p) => [p.paymentHash, p.status, p.amountMsat])).to.deep.equal([
      [intent(1).paymentHash, 'intent', 1_000n],
    ]);
    ledger.recordOutcome(intent(1).paymentHash, { status: 'pending', feeMsat: null, failure: null, at: 2_000 });
    expect(ledger.openPayments()).to.have.length(1);
    ledger.recordOutcome(intent(1).paymentHash, { status: 'complete', feeMsat: 1_000n, failure: null, at: 3_000 });
    expect(ledger.openPayments()).to.deep.equal([]);
    expect(ledger.payments(10)[0]).to.include({ status: 'complete', feeMsat: 1_000n, updatedAt: 3_000 });
    ledger.close();
  });

  it('settles one attestation at most once', () => {
    const ledger = Ledger.open(file());
    ledger.recordIntent(intent(1));
    expect(() => ledger.recordIntent({ ...intent(2), digest: intent(1).digest })).to.throw(
      InputError,
      'has already been settled',
    );
    expect(ledger.payments(10)).to.have.length(1);
    ledger.close();
  });

  it('refuses an outcome for a payment it never recorded', () => {
    const ledger = Ledger.open(file());
    expect(() =>
      ledger.recordOutcome('ff'.repeat(32), { status: 'complete', feeMsat: 0n, failure: null, at: 1 }),
    ).to.throw(InputError, 'no payment');
    ledger.close();
  });

  it('only ever raises the last accepted sequence, up to the largest u64, across a reopen', () => {
    const path = file();
    let ledger = Ledger.open(path);
    expect(ledger.lastSequence(PK, 'index_price')).to.equal(null);
    ledger.acceptSequence(PK, 'index_price', 100n);
    ledger.acceptSequence(PK, 'index_price', 99n);
    ledger.acceptSequence(PK, 'funding_rate', 7n);
    expect(ledger.lastSequence(PK, 'index_price')).to.equal(100n);
    ledger.acceptSequence(PK, 'index_price', 2n ** 64n - 1n);
    ledger.close();
    ledger = Ledger.open(path);
    expect(ledger.lastSequence(PK, 'index_price')).to.equal(2n ** 64n - 1n);
    expect(ledger.lastSequence(PK, 'funding_rate')).to.equal(7n);
    ledger.close();
  });

  it('tracks expected receipts and counts misses', () => {
    const ledger = Ledger.open(file());
    ledger.expect({ digest: 'aa', amountMsat: 5_000n, at: 1, dueAt: 10 });
    ledger.expect({ digest: 'aa', amountMsat: 9_999n, at: 2, dueAt: 20 }); // the same attestation: once
    ledger.expect({ digest: 'bb', amountMsat: 7_000n, at: 3, dueAt: 30 });
    expect(ledger.openExpectations().map((e) => [e.digest, e.amountMsat])).to.deep.equal([
      ['aa', 5_000n],
      ['bb', 7_000n],
    ]);
    ledger.resolveExpectation('aa', 'received', 5_000n, 11);
    ledger.resolveExpectation('bb', 'missed', 0n, 31);
    expect(ledger.openExpectations()).to.deep.equal([]);
    expect(ledger.missCount()).to.equal(1);
    ledger.close();
  });

  it('keeps rounds newest first and small settings in meta', () => {
    const ledger = Ledger.open(file());
    ledger.recordRound({
      at: 1,
      action: 'none',
      amountMsat: 0n,
      price: '9700000000000',
      receiverBalanceMsat: 103_000_000n,
      reason: 'below minimum',
    });
    ledger.recordRound({
      at: 2,
      action: 'pay',
      amountMsat: 12_000n,
      price: '9690000000000',
      receiverBalanceMsat: 103_000_000n,
      reason: 'price fell',
    });
    expect(ledger.rounds(1).map((r) => [r.at, r.action, r.amountMsat])).to.deep.equal([[2, 'pay', 12_000n]]);
    expect(ledger.getMeta('x')).to.equal(null);
    ledger.setMeta('x', '1');
    ledger.setMeta('x', '2');
    expect(ledger.getMeta('x')).to.equal('2');
    ledger.close();
  });
});
