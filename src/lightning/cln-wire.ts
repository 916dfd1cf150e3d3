/**
 * Core Lightning's JSON as the backend reads it: the error every call can end in, the answers of
 * the methods we call (getinfo, listpeerchannels, listpays, keysend, listinvoices) checked against
 * their schemas, and their translation into the contract's types. Both transports (the JSON-RPC
 * socket and clnrest) carry the same JSON, so this is written once.
 */
import { z } from 'zod';
import { PeerStablesError } from '../core/errors.js';
import type { ChannelState, PaymentResult } from './types.js';

/** What went wrong talking to Core Lightning; `code` is `cln_<kind>`. */
export type ClnErrorKind = 'rpc' | 'unavailable' | 'timeout' | 'unauthorized' | 'bad_response';

/**
 * A failed call to Core Lightning. `rpcCode` is the JSON-RPC error code when the node answered
 * with an error object (e.g. 205 "unable to find a route"), else null. Messages never carry
 * credentials.
 */
export class ClnError extends PeerStablesError {
  constructor(
    readonly kind: ClnErrorKind,
    message: string,
    readonly rpcCode: number | null = null,
  ) {
    super(`cln_${kind}`, message);
  }
}

/**
 * Turns a JSON-RPC error object `{code, message}` (what lightningd answers, and what clnrest puts
 * in its HTTP error bodies) into a ClnError naming `method`. Anything else becomes a bad_response.
 */
export function clnErrorFrom(method: string, error: unknown): ClnError {
  const parsed = rpcErrorSchema.safeParse(error);
  if (!parsed.success)
    return new ClnError('bad_response', `Core Lightning ${method} failed with an error in an unexpected shape`);
  const { code, message } = parsed.data;
  const codeText = code === undefined || code === null ? '' : ` (code ${code})`;
  return new ClnError('rpc', `Core Lightning ${method} failed${codeText}: ${oneLine(message)}`, code ?? null);
}

const rpcErrorSchema = z.object({ code: z.number().int().nullable().optional(), message: z.string() });

export const HEX32 = /^[0-9a-f]{64}$/;
export const NODE_ID = /^0[23][0-9a-f]{64}$/;

/** Core Lightning prints msat as JSON integers (v23+), older versions as "<n>msat" strings. */
const msat = z.union([
  z
    .number()
    .int()
    .nonnegative()
    .transform((n) => BigInt(n)),
  z
    .string()
    .regex(/^\d+(msat)?$/)
    .transform((s) => BigInt(s.replace(/msat$/, ''))),
]);
const hash = z.string().regex(HEX32);

export const getInfoSchema = z.object({ id: z.string().regex(NODE_ID) });

const channelSchema = z.object({
  peer_id: z.string().regex(NODE_ID),
  peer_connected: z.boolean(),
  state: z.string(),
  short_channel_id: z.string().optional(),
  channel_id: z.string().optional(),
  alias: z.object({ local: z.string().optional(), remote: z.string().optional() }).optional(),
  to_us_msat: msat,
  total_msat: msat,
  spendable_msat: msat.optional(),
  receivable_msat: msat.optional(),
  htlcs: z.array(z.object({ direction: z.enum(['in', 'out']), amount_msat: msat, payment_hash: hash })).optional(),
});
export const listPeerChannelsSchema = z.object({ channels: z.array(channelSchema) });

const paySchema = z.object({
  payment_hash: hash,
  status: z.enum(['pending', 'complete', 'failed']),
  created_at: z.number().int().nonnegative(),
  label: z.string().optional(),
  amount_msat: msat.optional(),
  amount_sent_msat: msat.optional(),
});
export const listPaysSchema = z.object({ pays: z.array(paySchema) });
export type Pay = z.output<typeof paySchema>;

export const keysendSchema = z.object({
  payment_hash: hash,
  status: z.literal('complete'),
  amount_msat: msat,
  amount_sent_msat: msat,
});

export const listInvoicesSchema = z.object({
  invoices: z.array(
    z.object({
      label: z.string(),
      payment_hash: hash,
      status: z.string(),
      amount_received_msat: msat.optional(),
      paid_at: z.number().int().nonnegative().optional(),
    }),
  ),
});

export function parseAnswer<T>(method: string, schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
  throw new ClnError(
    'bad_response',
    `Core Lightning ${method} answered an unexpected shape at ${where}: ${issue?.message ?? 'invalid'}`,
  );
}

export function channelStateOf(c: z.output<typeof channelSchema>): ChannelState {
  if (c.to_us_msat > c.total_msat)
    throw new ClnError('bad_response', 'Core Lightning listpeerchannels: to_us_msat exceeds total_msat');
  return {
    channelId: c.short_channel_id ?? c.channel_id ?? '',
    peerId: c.peer_id,
    normal: c.state === 'CHANNELD_NORMAL',
    peerConnected: c.peer_connected,
    spendableMsat: c.spendable_msat ?? 0n,
    receivableMsat: c.receivable_msat ?? 0n,
    localBalanceMsat: c.to_us_msat,
    remoteBalanceMsat: c.total_msat - c.to_us_msat,
    balanceResolutionMsat: 1n,
    pendingHtlcs: (c.htlcs ?? []).map((h) => ({
      direction: h.direction,
      amountMsat: h.amount_msat,
      paymentHash: h.payment_hash,
    })),
  };
}

export function keysendResultOf(r: z.output<typeof keysendSchema>): PaymentResult {
  return {
    paymentHash: r.payment_hash,
    status: 'complete',
    feeMsat: feeOf(r.amount_msat, r.amount_sent_msat),
    failure: null,
  };
}

export function feeOf(amount: bigint, sent: bigint): bigint {
  if (sent < amount) throw new ClnError('bad_response', 'Core Lightning reported amount_sent_msat below amount_msat');
  return sent - amount;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 297)}...` : flat;
}
