/**
 * Before a round acts, every payment the ledger has not closed is brought in line with the node
 * (a crash, or a connection lost during the keysend, may have left one open). A payment is closed
 * only on what the node reports; reasons say what was observed, not a guess at why.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import type { LightningBackend } from '../lightning/types.js';
import type { SettlementLedger } from './ledger-types.js';

/** What the ledger records of an intent the node does not know. */
export const UNKNOWN_TO_THE_NODE =
  'the node has no record of this payment (it never reached the node, or the node lost it)';

/**
 * Reconciles every open payment; returns how many are still in flight. An intent the node has no
 * record of is marked failed: its preimage is never reused, so it cannot complete later. A payment
 * that was sent but is not listed (yet) stays open: unknown is not failed.
 */
export async function reconcile(deps: {
  backend: LightningBackend;
  ledger: SettlementLedger;
  clock: Clock;
  logger: Logger;
}): Promise<number> {
  let inFlight = 0;
  for (const payment of deps.ledger.openPayments()) {
    const known = await deps.backend.lookupPayment(payment.paymentHash);
    const at = deps.clock.now();
    if (known === null && payment.status === 'intent') {
      deps.ledger.recordOutcome(payment.paymentHash, {
        status: 'failed',
        feeMsat: null,
        failure: UNKNOWN_TO_THE_NODE,
        at,
      });
      deps.logger.warn({ paymentHash: payment.paymentHash }, 'reconciled: the node has no record of an intent');
    } else if (known === null) {
      inFlight += 1;
      deps.logger.warn({ paymentHash: payment.paymentHash }, 'a sent payment is not listed by the node; waiting');
    } else {
      deps.ledger.recordOutcome(payment.paymentHash, {
        status: known.status,
        feeMsat: known.feeMsat,
        failure: known.failure,
        at,
      });
      if (known.status === 'pending') inFlight += 1;
      else deps.logger.info({ paymentHash: payment.paymentHash, status: known.status }, 'reconciled payment');
    }
  }
  return inFlight;
}
