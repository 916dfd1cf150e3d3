/**
 * The accounting's pure functions, one row per case people reason about: the agreed receiver
 * balance from each side, what is unexplained (and what a node's reporting step hides), which
 * receipts are settlement payments, and what becomes of an expectation.
 */
import { expect } from 'chai';
import {
  agreedReceiverMsat,
  judgeExpectation,
  matchReceipts,
  receiptToleranceMsat,
  unexplainedMsat,
  type SettlementTotals,
} from '../../src/client/accounting.js';
import type { ReceivedPayment } from '../../src/lightning/types.js';

const T: SettlementTotals = { baselineMsat: 100_000_000n, paidMsat: 3_000n, paidFeesMsat: 10n, receivedMsat: 1_000n };

describe('client/accounting', () => {
  it('agrees on the receiver balance from both sides: baseline + toward the receiver - toward the provider', () => {
    // The provider paid 3 000 and received 1 000; seen from the receiver the same payments swap roles.
    expect(agreedReceiverMsat('provider', T)).to.equal(100_002_000n);
    expect(agreedReceiverMsat('receiver', { ...T, paidMsat: 1_000n, receivedMsat: 3_000n })).to.equal(100_002_000n);
  });

  const UNEXPLAINED: [string, Parameters<typeof unexplainedMsat>[0], bigint][] = [
    ['nothing else moved', { role: 'provider', totals: T, observedReceiverMsat: 100_002_000n, resolutionMsat: 1n }, 0n],
    [
      'a forward took 10 000 sat from the receiver',
      { role: 'provider', totals: T, observedReceiverMsat: 90_002_000n, resolutionMsat: 1n },
      -10_000_000n,
    ],
    [
      'one msat on Core Lightning',
      { role: 'provider', totals: T, observedReceiverMsat: 100_002_001n, resolutionMsat: 1n },
      1n,
    ],
    [
      '999 msat hidden by LND whole satoshis',
      { role: 'provider', totals: T, observedReceiverMsat: 100_001_001n, resolutionMsat: 1_000n },
      0n,
    ],
    [
      'a whole satoshi on LND',
      { role: 'provider', totals: T, observedReceiverMsat: 100_001_000n, resolutionMsat: 1_000n },
      -1_000n,
    ],
    [
      "the receiver's own keysend fees are explained",
      { role: 'receiver', totals: T, observedReceiverMsat: 99_997_990n, resolutionMsat: 1n },
      0n,
    ],
  ];
  for (const [name, input, expected] of UNEXPLAINED)
    it(`unexplained: ${name} -> ${expected} msat`, () => expect(unexplainedMsat(input)).to.equal(expected));

  it('tolerates 1 % of a receipt, or the minimum payment when larger', () => {
    expect(receiptToleranceMsat(1_000_000n, 1_000n)).to.equal(10_000n);
    expect(receiptToleranceMsat(-50_000n, 1_000n)).to.equal(1_000n);
  });

  const receipt = (
    hash: string,
    amountMsat: bigint,
    records: Record<string, string> | null,
    settledAt = 1,
  ): ReceivedPayment => ({
    paymentHash: hash,
    amountMsat,
    settledAt,
    customRecords: records,
  });
  const RECORD = { '65537': 'cc'.repeat(32) };

  it('counts a receipt carrying record 65537 where the node reports records, and no other', () => {
    const matches = matchReceipts({
      role: 'provider',
      receipts: [receipt('a', 5_000n, RECORD), receipt('b', 5_000n, {}), receipt('c', 5_000n, { '5482373484': 'ab' })],
      owedByProviderMsat: -5_000n,
      expectedMsat: [],
      minPaymentMsat: 1_000n,
    });
    expect(matches.map((m) => [m.receipt.paymentHash, m.matchedBy, m.record])).to.deep.equal([
      ['a', 'record', RECORD['65537']],
      ['b', 'none', null],
      ['c', 'none', null],
    ]);
  });

  it('without records, counts receipts by amount against what the peer owes now, each debt once', () => {
    const matches = matchReceipts({
      role: 'receiver',
      // The provider owes 1 000 000: the first receipt near it counts; the second finds nothing owed.
      receipts: [receipt('late', 1_000_000n, null, 9), receipt('first', 995_000n, null, 2)],
      owedByProviderMsat: 1_000_000n,
      expectedMsat: [],
      minPaymentMsat: 1_000n,
    });
    expect(matches.map((m) => [m.receipt.paymentHash, m.matchedBy])).to.deep.equal([
      ['first', 'amount'],
      ['late', 'none'],
    ]);
  });

  it('without records, counts a receipt matching an open expectation even when the price moved since', () => {
    const matches = matchReceipts({
      role: 'provider',
      receipts: [receipt('x', 22_839n, null), receipt('y', 22_839n, null), receipt('z', 70_000n, null)],
      owedByProviderMsat: -48_212n, // the receiver owes 48 212 now; it paid the 22 839 it owed before
      expectedMsat: [22_839n],
      minPaymentMsat: 1_000n,
    });
    expect(matches.map((m) => m.matchedBy)).to.deep.equal(['amount', 'none', 'none']);
  });

  const EXPECTATIONS: [string, Parameters<typeof judgeExpectation>[0], ReturnType<typeof judgeExpectation>][] = [
    [
      'paid in full',
      { expectedMsat: 50_000n, receivedMsat: 50_000n, stillOwed: true, due: false, minPaymentMsat: 1_000n },
      'received',
    ],
    [
      'paid within the tolerance',
      { expectedMsat: 50_000n, receivedMsat: 49_000n, stillOwed: false, due: true, minPaymentMsat: 1_000n },
      'received',
    ],
    [
      'the debt went away',
      { expectedMsat: 50_000n, receivedMsat: 0n, stillOwed: false, due: false, minPaymentMsat: 1_000n },
      'lapsed',
    ],
    [
      'still owed, not yet due',
      { expectedMsat: 50_000n, receivedMsat: 0n, stillOwed: true, due: false, minPaymentMsat: 1_000n },
      null,
    ],
    [
      'still owed and due',
      { expectedMsat: 50_000n, receivedMsat: 48_000n, stillOwed: true, due: true, minPaymentMsat: 1_000n },
      'missed',
    ],
  ];
  for (const [name, input, expected] of EXPECTATIONS)
    it(`an expectation ${name}: ${expected ?? 'stays open'}`, () => expect(judgeExpectation(input)).to.equal(expected));
});
