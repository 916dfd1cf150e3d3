/**
 * The drain-proof accounting of a stable channel (docs/METHODOLOGY.md, section 9). What is owed
 * never reads the channel's balance: the receiver's balance *as the agreement explains it* is the
 * baseline observed at the agreement's first round plus every settlement payment toward the
 * receiver minus every one toward the provider. Whatever else moves the channel (forwards, other
 * keysends, HTLCs held in flight, fees) is the unexplained amount: shown, never paid for. Pure: no
 * I/O and no clock, integer millisatoshis only.
 */
import { abs } from '../core/fixed.js';
import type { ReceivedPayment } from '../lightning/types.js';
import { SETTLEMENT_TLV_TYPE, commitmentOfNote } from './commitment.js';
import type { Role } from './types.js';

/** The settlement history of one client since its baseline, msat. */
export interface SettlementTotals {
  /** The receiver's balance observed at the agreement's first round. */
  readonly baselineMsat: bigint;
  /** Settlement payments this client made that completed after the baseline, and their fees. */
  readonly paidMsat: bigint;
  readonly paidFeesMsat: bigint;
  /** Settlement payments this client received from the peer after the baseline. */
  readonly receivedMsat: bigint;
}

/** The receiver's balance as the agreement explains it: baseline + toward the receiver - toward the provider. */
export function agreedReceiverMsat(role: Role, t: SettlementTotals): bigint {
  const towardReceiver = role === 'provider' ? t.paidMsat - t.receivedMsat : t.receivedMsat - t.paidMsat;
  return t.baselineMsat + towardReceiver;
}

/**
 * What moved the receiver's observed balance that no settlement explains, msat (negative: the
 * receiver holds less than the agreement explains). The receiver's own keysend fees come out of its
 * balance and are explained by its ledger. A difference smaller than the node's reporting step
 * (`resolutionMsat`: LND reports whole satoshis) is no difference.
 */
export function unexplainedMsat(input: {
  role: Role;
  totals: SettlementTotals;
  observedReceiverMsat: bigint;
  resolutionMsat: bigint;
}): bigint {
  const fees = input.role === 'receiver' ? input.totals.paidFeesMsat : 0n;
  const difference = input.observedReceiverMsat - (agreedReceiverMsat(input.role, input.totals) - fees);
  return abs(difference) < input.resolutionMsat ? 0n : difference;
}

/** How far a receipt may differ from what was owed and still be that payment: 1 %, or the minimum payment. */
export function receiptToleranceMsat(owedMsat: bigint, minPaymentMsat: bigint): bigint {
  const percent = abs(owedMsat) / 100n;
  return percent > minPaymentMsat ? percent : minPaymentMsat;
}

export type ReceiptMatch = 'record' | 'amount' | 'none';

/**
 * Which of `receipts` (received keysends not seen before) are settlement payments from the peer,
 * exactly where the node says: one carrying record 65537 (LND, and Core Lightning through the
 * plugin's hook), or a settlement note with the commitment (Core Lightning's invoice description).
 * Only a keysend the node says nothing about (`customRecords` and `note` null: an older peer on
 * Core Lightning) is matched by amount: what the peer owes us now, or what an open expectation
 * asks, within receiptToleranceMsat. Counting a receipt can only lower what this client pays (it
 * did receive the money), and not counting one can only show it as unexplained, so neither way can
 * drain it.
 */
export function matchReceipts(input: {
  role: Role;
  receipts: readonly ReceivedPayment[];
  /** What the provider owes the receiver before these receipts count (negative: the receiver owes). */
  owedByProviderMsat: bigint;
  expectedMsat: readonly bigint[];
  minPaymentMsat: bigint;
}): { readonly receipt: ReceivedPayment; readonly matchedBy: ReceiptMatch; readonly record: string | null }[] {
  let owedToUs = input.role === 'provider' ? -input.owedByProviderMsat : input.owedByProviderMsat;
  const expected = [...input.expectedMsat];
  const near = (amount: bigint, owed: bigint) => abs(amount - owed) <= receiptToleranceMsat(owed, input.minPaymentMsat);
  return [...input.receipts]
    .sort((a, b) => a.settledAt - b.settledAt)
    .map((receipt) => {
      if (receipt.customRecords !== null) {
        const record = receipt.customRecords[SETTLEMENT_TLV_TYPE] ?? null;
        return { receipt, matchedBy: record === null ? 'none' : 'record', record };
      }
      if (receipt.note != null) {
        const record = commitmentOfNote(receipt.note);
        return { receipt, matchedBy: record === null ? 'none' : 'record', record };
      }
      const asked = expected.findIndex((e) => near(receipt.amountMsat, e));
      if ((owedToUs > 0n && near(receipt.amountMsat, owedToUs)) || asked >= 0) {
        owedToUs -= receipt.amountMsat;
        if (asked >= 0) expected.splice(asked, 1);
        return { receipt, matchedBy: 'amount', record: null };
      }
      return { receipt, matchedBy: 'none', record: null };
    });
}

/**
 * What becomes of an open expectation this round: received as soon as the settlement payments
 * recorded since it was made cover it (within the tolerance), lapsed as soon as the peer no longer
 * owes (the price moved back), missed when it is due and the peer still owes; otherwise it stays
 * open (null).
 */
export function judgeExpectation(input: {
  expectedMsat: bigint;
  receivedMsat: bigint;
  stillOwed: boolean;
  due: boolean;
  minPaymentMsat: bigint;
}): 'received' | 'missed' | 'lapsed' | null {
  if (input.receivedMsat + receiptToleranceMsat(input.expectedMsat, input.minPaymentMsat) >= input.expectedMsat)
    return 'received';
  if (!input.stillOwed) return 'lapsed';
  return input.due ? 'missed' : null;
}
