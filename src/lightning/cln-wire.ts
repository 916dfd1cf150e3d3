/**
 * Core Lightning's JSON as the backend reads it: the error every call can end in, the answers of
 * the methods we call (getinfo, help, listpeerchannels, listclosedchannels, xkeysend, keysend,
 * listsendpays, listinvoices, wait) checked against their schemas (Core Lightning's own JSON
 * schemas, v26.06), and their translation into the contract's types. Both transports (the JSON-RPC
 * socket and clnrest) carry the same JSON, so this is written once.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { PeerStablesError } from '../core/errors.js';
import type { ChannelState, PaymentResult } from './types.js';

/** What went wrong talking to Core Lightning; `code` is `cln_<kind>`. */
export type ClnErrorKind = 'rpc' | 'unavailable' | 'timeout' | 'unauthorized' | 'bad_response' | 'unsupported';

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

const u64 = z.number().int().nonnegative();

/** One sendpay part (listsendpays): a keysend command's attempts share its label and payment hash. */
const sendPaySchema = z.object({
  created_index: u64,
  payment_hash: hash,
  groupid: u64,
  partid: u64.optional(),
  status: z.enum(['pending', 'complete', 'failed']),
  created_at: u64,
  label: z.string().optional(),
  amount_msat: msat.optional(),
  amount_sent_msat: msat,
  payment_preimage: hash.optional(),
});
export const listSendPaysSchema = z.object({ payments: z.array(sendPaySchema) });
export type SendPay = z.output<typeof sendPaySchema>;

/** keysend (deprecated in v26.06, removed in v27.03) answers only once the payment is complete. */
export const keysendSchema = z.object({
  payment_hash: hash,
  payment_preimage: hash,
  status: z.literal('complete'),
  amount_msat: msat,
  amount_sent_msat: msat,
});

/** xkeysend (v26.06+) answers like xpay: no payment_hash and no status; the preimage proves it. */
export const xkeysendSchema = z.object({
  payment_preimage: hash,
  amount_msat: msat,
  amount_sent_msat: msat,
  failed_parts: u64,
  successful_parts: u64,
});

const invoiceSchema = z.object({
  label: z.string(),
  description: z.string().optional(),
  payment_hash: hash,
  status: z.string(),
  created_index: u64,
  expires_at: u64.optional(),
  pay_index: u64.optional(),
  amount_received_msat: msat.optional(),
  paid_at: u64.optional(),
});
export const listInvoicesSchema = z.object({ invoices: z.array(invoiceSchema) });
export type Invoice = z.output<typeof invoiceSchema>;

/** `wait` with nextvalue 0 answers at once with the index's current value (absent while 0). */
export const waitSchema = z.object({ subsystem: z.string(), created: u64.optional() });

export const helpSchema = z.object({ help: z.array(z.object({ command: z.string() })) });

export const listClosedChannelsSchema = z.object({
  closedchannels: z.array(
    z.object({
      peer_id: z.string().regex(NODE_ID).optional(),
      channel_id: hash,
      short_channel_id: z.string().optional(),
      alias: z.object({ local: z.string().optional(), remote: z.string().optional() }).optional(),
      total_msat: msat,
      final_to_us_msat: msat,
    }),
  ),
});
export type ClosedChannel = z.output<typeof listClosedChannelsSchema>['closedchannels'][number];

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
    nodeState: c.state,
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

/** A channel listclosedchannels keeps (more than 100 blocks after it was resolved on chain). */
export function closedChannelStateOf(c: ClosedChannel): ChannelState {
  if (c.final_to_us_msat > c.total_msat)
    throw new ClnError('bad_response', 'Core Lightning listclosedchannels: final_to_us_msat exceeds total_msat');
  return {
    channelId: c.short_channel_id ?? c.channel_id,
    peerId: c.peer_id ?? '',
    nodeState: 'CLOSED',
    normal: false,
    peerConnected: false,
    spendableMsat: 0n,
    receivableMsat: 0n,
    localBalanceMsat: c.final_to_us_msat,
    remoteBalanceMsat: c.total_msat - c.final_to_us_msat,
    balanceResolutionMsat: 1n,
    pendingHtlcs: [],
  };
}

/** A completed keysend or xkeysend answer; the payment hash is the preimage's (xkeysend gives no hash). */
export function completedResultOf(r: {
  payment_preimage: string;
  payment_hash?: string;
  amount_msat: bigint;
  amount_sent_msat: bigint;
}): PaymentResult {
  const paymentHash = createHash('sha256').update(Buffer.from(r.payment_preimage, 'hex')).digest('hex');
  if (r.payment_hash !== undefined && r.payment_hash !== paymentHash)
    throw new ClnError('bad_response', 'Core Lightning answered a payment_preimage that does not hash to payment_hash');
  return {
    paymentHash,
    status: 'complete',
    preimage: r.payment_preimage,
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
