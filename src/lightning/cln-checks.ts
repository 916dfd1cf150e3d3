/**
 * The small rules of the Core Lightning backend that are not calls: what a keysend request must be
 * before anything reaches the node, which error codes mean the payment (not the call) failed, and
 * how long to wait for an answer before calling a payment pending.
 */
import { InputError } from '../core/errors.js';
import { HEX32, NODE_ID, type ClnError } from './cln-wire.js';
import type { KeysendRequest, PaymentResult } from './types.js';

/** lightningd's PAY_IN_PROGRESS: another command is paying this hash; it does not end ours. */
export const PAY_IN_PROGRESS = 200;

const HEX_BYTES = /^(?:[0-9a-f]{2})*$/;
/** BOLT 1 reserves types below 2^16; custom records live at or above it. */
const MIN_CUSTOM_TLV_TYPE = 65536n;

export function pending(paymentHash: string): PaymentResult {
  return { paymentHash, status: 'pending', preimage: null, feeMsat: null, failure: null };
}

/** Resolves with `promise`'s value, or with undefined after `ms` (leaving `promise` to run on). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** lightningd's PAY_* codes (200..219) and the catch-all -1 say the payment, not the call, failed. */
export function isPaymentFailure(err: ClnError): boolean {
  return (
    err.kind === 'rpc' && err.rpcCode !== null && (err.rpcCode === -1 || (err.rpcCode >= 200 && err.rpcCode < 220))
  );
}

/** Throws InputError, naming the field, for a request no node should be asked to pay. */
export function checkKeysendRequest(r: KeysendRequest): void {
  if (!NODE_ID.test(r.destination))
    throw new InputError('keysend destination must be a 33-byte compressed node id in lowercase hex');
  if (typeof r.amountMsat !== 'bigint' || r.amountMsat <= 0n)
    throw new InputError('keysend amountMsat must be a positive bigint');
  if (typeof r.maxFeeMsat !== 'bigint' || r.maxFeeMsat < 0n)
    throw new InputError('keysend maxFeeMsat must be a non-negative bigint');
  if (!HEX32.test(r.preimage)) throw new InputError('keysend preimage must be 32 bytes as 64 lowercase hex characters');
  if (typeof r.label !== 'string' || r.label.length === 0 || r.label.length > 200)
    throw new InputError('keysend label must be 1 to 200 characters');
  if (!Number.isSafeInteger(r.timeoutMs) || r.timeoutMs <= 0)
    throw new InputError('keysend timeoutMs must be a positive integer');
  if (r.sentAfter != null && !/^\d{1,19}$/.test(r.sentAfter))
    throw new InputError(
      `keysend sentAfter must be a sendpays index (decimal digits), got ${JSON.stringify(r.sentAfter)}`,
    );
  for (const [type, value] of Object.entries(r.customRecords)) {
    if (!/^[1-9]\d{0,19}$/.test(type) || BigInt(type) < MIN_CUSTOM_TLV_TYPE || BigInt(type) >= 2n ** 64n) {
      throw new InputError(`custom record type ${JSON.stringify(type)} must be an integer from 65536 to 2^64-1`);
    }
    if (typeof value !== 'string' || !HEX_BYTES.test(value))
      throw new InputError(`custom record ${type} must be lowercase hex bytes`);
  }
}
