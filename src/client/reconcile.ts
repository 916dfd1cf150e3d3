/**
 * Before a round acts, every payment the ledger has not closed is brought in line with the node
 * (a crash, or a connection lost during the keysend, may have left one open). A payment is closed
 * only on what the node reports; reasons say what was observed, not a guess at why.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import type { LightningBackend, PaymentResult } from '../lightning/types.js';
import type { PaymentOutcome, SettlementLedger } from './ledger-types.js';

/** What the ledger records of an intent the node does not know. */
export const UNKNOWN_TO_THE_NODE =
  'the node has no record of this payment (it never reached the node, or the node lost it)';

/**
 * What the ledger records of a node's answer about the payment keyed `ourHash`. Its hash is the
 * node's once the node reported one (it differs from ours on Core Lightning, which draws its own
 * preimage; on LND it is ours, and final once complete); until then the ledger keeps none.
 */
export function outcomeOf(result: PaymentResult, ourHash: string, at: number): PaymentOutcome {
  const reported = result.paymentHash !== ourHash || result.status === 'complete';
  return {
    status: result.status,
    nodePaymentHash: reported ? result.paymentHash : null,
    nodePreimage: result.preimage,
    feeMsat: result.feeMsat,
    failure: result.failure,
    at,
  };
}

/** The open payments after reconciling: how many are in flight, and which of them the node no longer lists. */
export interface Reconciled {
  readonly inFlight: number;
  /** Our hashes of sent payments the node lists no more (autoclean, or lost in a restart): for the operator. */
  readonly unlisted: readonly string[];
}

/**
 * Reconciles every open payment. An intent the node has no record of is marked failed: its
 * preimage is never reused, so it cannot complete later. A payment that was sent but is not listed
 * stays open: unknown is not failed (it may have completed, and failing it would pay twice), so it
 * is returned as unlisted for the round to name until the operator resolves it.
 */
export async function reconcile(deps: {
  backend: LightningBackend;
  ledger: SettlementLedger;
  clock: Clock;
  logger: Logger;
  /** The keysend timeout payments are sent with: the node may start one until then (and a margin). */
  paymentTimeoutMs: number;
}): Promise<Reconciled> {
  let inFlight = 0;
  const unlisted: string[] = [];
  for (const payment of deps.ledger.openPayments()) {
    const known = await deps.backend.lookupPayment(payment.paymentHash, {
      nodePaymentHash: payment.nodePaymentHash,
      sentAfter: payment.sentAfter,
      sentAt: payment.createdAt,
      timeoutMs: deps.paymentTimeoutMs,
    });
    const at = deps.clock.now();
    if (known === null && payment.status === 'intent') {
      deps.ledger.recordOutcome(payment.paymentHash, {
        status: 'failed',
        nodePaymentHash: null,
        nodePreimage: null,
        feeMsat: null,
        failure: UNKNOWN_TO_THE_NODE,
        at,
      });
      deps.logger.warn({ paymentHash: payment.paymentHash }, 'reconciled: the node has no record of an intent');
    } else if (known === null) {
      inFlight += 1;
      unlisted.push(payment.paymentHash);
      deps.logger.warn(
        { paymentHash: payment.paymentHash },
        'a sent payment is not listed by the node; waiting for the operator',
      );
    } else {
      deps.ledger.recordOutcome(payment.paymentHash, outcomeOf(known, payment.paymentHash, at));
      if (known.status === 'pending') inFlight += 1;
      else deps.logger.info({ paymentHash: payment.paymentHash, status: known.status }, 'reconciled payment');
    }
  }
  return { inFlight, unlisted };
}
