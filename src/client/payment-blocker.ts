/**
 * The preconditions of a payment, as one pure function beside decide(): given what is owed, the
 * channel as the node reports it and the unexplained amount, why this side must not pay this round,
 * or null. Table-tested (test/client/payment-blocker.test.ts), so each reason a payment waits can
 * be read in one place.
 */
import type { ChannelState } from '../lightning/types.js';

export type UnexplainedPolicy = 'pause' | 'continue';

export interface PaymentConditions {
  readonly amountMsat: bigint;
  /** The agreement's cap on one payment; undefined: no cap. */
  readonly maxPaymentMsat: bigint | undefined;
  readonly maxFeeMsat: bigint;
  readonly channel: Pick<ChannelState, 'normal' | 'peerConnected' | 'pendingHtlcs' | 'spendableMsat'>;
  readonly unexplained: {
    readonly amountMsat: bigint;
    /** The amount the operator last acknowledged (0 before any acknowledgement). */
    readonly acknowledgedMsat: bigint;
    readonly policy: UnexplainedPolicy;
    readonly observedReceiverMsat: bigint;
    readonly agreedReceiverMsat: bigint;
  };
}

/** Why not to pay `amountMsat` now, worded for the operator, or null when nothing stands in the way. */
export function paymentBlocker(c: PaymentConditions): string | null {
  const u = c.unexplained;
  if (c.maxPaymentMsat !== undefined && c.amountMsat > c.maxPaymentMsat)
    return (
      `that is above maxPaymentMsat (${c.maxPaymentMsat} msat): ` +
      'check the agreement and the market before raising it'
    );
  if (u.policy === 'pause' && u.amountMsat !== u.acknowledgedMsat)
    return (
      `the channel moved by ${u.amountMsat} msat that no settlement explains (the receiver holds ` +
      `${u.observedReceiverMsat} msat, the agreement explains ${u.agreedReceiverMsat} msat; ` +
      `${u.acknowledgedMsat} msat acknowledged): it is not paid for either way; automatic payment is paused ` +
      'until the operator checks the channel and runs `peer-stables acknowledge --config <this configuration>`'
    );
  if (!c.channel.normal) return 'the channel is not in its normal state';
  if (!c.channel.peerConnected) return 'the peer is not connected';
  const outgoing = c.channel.pendingHtlcs.filter((h) => h.direction === 'out').length;
  if (outgoing > 0) return `${outgoing} HTLC(s) toward the peer are pending`;
  if (c.channel.spendableMsat < c.amountMsat + c.maxFeeMsat)
    return (
      `spendable ${c.channel.spendableMsat} msat is less than ${c.amountMsat} msat ` +
      `plus the ${c.maxFeeMsat} msat fee cap`
    );
  return null;
}
