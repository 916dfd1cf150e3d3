/**
 * One payment as Core Lightning's `listsendpays` shows it: the parts (attempts) a keysend or
 * xkeysend command sent, each `pending`, `failed` or `complete`. The payment is complete as soon as
 * one part completed (its preimage is the proof of payment), in flight while a part is pending, and
 * otherwise failed *so far*: the command may still start another attempt (cln-keysends.ts decides
 * when "failed" is final). Pure: the parts in, the summary out.
 */
import { feeOf, type SendPay } from './cln-wire.js';

export interface PartsSummary {
  /** The node's payment hash (every part of one payment has it). */
  readonly paymentHash: string;
  readonly status: 'complete' | 'pending' | 'failed';
  /** The proof of payment, from a complete part. */
  readonly preimage: string | null;
  /** What the complete parts cost in fees, msat; null unless complete and every amount is known. */
  readonly feeMsat: bigint | null;
  /** When the first part was created (unix s, the node's clock), and its label. */
  readonly firstCreatedAtS: number;
  readonly label: string | undefined;
}

/** Summarises the parts of one payment; null when there are none. */
export function summarizeParts(parts: readonly SendPay[]): PartsSummary | null {
  const first = parts[0];
  if (!first) return null;
  const complete = parts.filter((p) => p.status === 'complete');
  const status = complete.length > 0 ? 'complete' : parts.some((p) => p.status === 'pending') ? 'pending' : 'failed';
  let feeMsat: bigint | null = null;
  if (status === 'complete' && complete.every((p) => p.amount_msat !== undefined)) {
    feeMsat = complete.reduce((sum, p) => sum + feeOf(p.amount_msat as bigint, p.amount_sent_msat), 0n);
  }
  return {
    paymentHash: first.payment_hash,
    status,
    preimage: complete.find((p) => p.payment_preimage !== undefined)?.payment_preimage ?? null,
    feeMsat,
    firstCreatedAtS: Math.min(...parts.map((p) => p.created_at)),
    label: parts.find((p) => p.label !== undefined)?.label,
  };
}
