/**
 * The dry run's ledger: it reads the real ledger (without its client lock, so it can run beside the
 * daemon) and records nothing. Its intent is never recorded, and a payment whose intent is not
 * recorded is never sent, so a dry run cannot pay: the mode is chosen here, once, where the ledger
 * is opened (src/cli/settle.ts), and the round has no dry-run branch of its own.
 */
import type { Baseline, IntentOutcome, SettlementLedger } from './ledger-types.js';

export function dryRunLedger(ledger: SettlementLedger): SettlementLedger {
  return {
    openPayments: () => ledger.openPayments(),
    recordIntent: (): IntentOutcome => ({ ok: false, reason: 'dry run' }),
    recordOutcome: () => undefined,
    accounts: () => ledger.accounts(),
    recordBaseline: (b: Baseline) => b,
    isReceiptKnown: (hash) => ledger.isReceiptKnown(hash),
    recordReceipt: () => undefined,
    receiptsListedAt: () => ledger.receiptsListedAt(),
    settlementReceivedFor: (e) => ledger.settlementReceivedFor(e),
    acknowledgedUnexplainedMsat: () => ledger.acknowledgedUnexplainedMsat(),
    expect: () => undefined,
    openExpectations: () => ledger.openExpectations(),
    resolveExpectation: () => undefined,
    missCount: () => ledger.missCount(),
    lastSequence: (publicKey, kind) => ledger.lastSequence(publicKey, kind),
    funding: () => ledger.funding(),
    recordRound: () => undefined,
    lastChannelState: () => ledger.lastChannelState(),
    recordChannelState: () => false,
    closeToValue: () => ledger.closeToValue(),
    valueClose: () => undefined,
  };
}
