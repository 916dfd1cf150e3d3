/**
 * The side that is paid: which keysends received are settlement payments from the peer (they move
 * the agreed balance), and whether the peer paid what it owed in time. Each keysend is considered
 * once: the ledger keeps every one, settlement or not, under a UNIQUE payment hash, and those listed
 * when the baseline was observed are recorded as part of it, so none counts twice.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import type { LightningBackend } from '../lightning/types.js';
import { judgeExpectation, matchReceipts } from './accounting.js';
import type { ClientConfig } from './config.js';
import type { Baseline, SettlementLedger } from './ledger-types.js';

/**
 * How far back each listing reaches before the previous one (and the baseline's before it): covers
 * the node's clock and its resolution. Keysends are told apart by hash, so overlap costs nothing.
 */
export const RECEIPT_OVERLAP_MS = 3_600_000;

export interface ReceiptDeps {
  readonly config: ClientConfig;
  readonly backend: LightningBackend;
  readonly ledger: SettlementLedger;
  readonly clock: Clock;
}

/**
 * Lists the keysends received since the last listing, records the ones not seen before (in the
 * ledger, and in `seen` for this round) with how each was matched, and returns the settlement
 * payments among them (msat) and when the listing was made.
 */
export async function takeReceipts(
  deps: ReceiptDeps,
  input: { baseline: Baseline; owedByProviderMsat: bigint; seen: Set<string> },
): Promise<{ settlementMsat: bigint; listedAt: number }> {
  const { ledger } = deps;
  const from = Math.max(input.baseline.at, ledger.receiptsListedAt() ?? input.baseline.at) - RECEIPT_OVERLAP_MS;
  const listed = await deps.backend.listReceived(from);
  const listedAt = deps.clock.now();
  // Known by payment hash, not by time: node clocks and their resolution (Core Lightning reports
  // seconds) cannot say whether a keysend came before the baseline; the baseline's listing can.
  const fresh = listed.filter((r) => !input.seen.has(r.paymentHash) && !ledger.isReceiptKnown(r.paymentHash));
  let settlementMsat = 0n;
  const matches = matchReceipts({
    role: deps.config.role,
    receipts: fresh,
    owedByProviderMsat: input.owedByProviderMsat,
    expectedMsat: ledger.openExpectations().map((e) => e.amountMsat),
    minPaymentMsat: deps.config.minPaymentMsat,
  });
  for (const { receipt, matchedBy, record } of matches) {
    input.seen.add(receipt.paymentHash);
    if (matchedBy !== 'none') settlementMsat += receipt.amountMsat;
    ledger.recordReceipt({ ...receipt, record, matchedBy, at: listedAt });
  }
  return { settlementMsat, listedAt };
}

/**
 * Resolves the open expectations (judgeExpectation): received, lapsed, or, past the grace period
 * with the peer still owing, missed and counted against the peer. Settlement payments count toward
 * an expectation when the ledger recorded them after it was made: by the ledger's own order, never
 * by a clock (Core Lightning's `paid_at` has whole seconds; a receipt recorded in the round that made
 * the expectation is already in what it asks).
 */
export function checkExpectations(deps: ReceiptDeps & { logger: Logger }, now: number, stillOwed: boolean): void {
  for (const e of deps.ledger.openExpectations()) {
    const receivedMsat = deps.ledger.settlementReceivedFor(e);
    const status = judgeExpectation({
      expectedMsat: e.amountMsat,
      receivedMsat,
      stillOwed,
      due: e.dueAt <= now,
      minPaymentMsat: deps.config.minPaymentMsat,
    });
    if (status === null) continue;
    deps.ledger.resolveExpectation(e.commitment, status, receivedMsat, now);
    if (status === 'missed')
      deps.logger.warn(
        { expectedMsat: String(e.amountMsat), receivedMsat: String(receivedMsat), misses: deps.ledger.missCount() },
        'the peer did not pay what it owed',
      );
  }
}
