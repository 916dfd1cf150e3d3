/**
 * LND REST shapes (lnrpc / routerrpc as grpc-gateway prints them) and their translation into the
 * backend contract. 64-bit integers arrive as decimal strings and bytes as base64; channel
 * balances are in whole satoshis and become msat by exact multiplication. A response that does not
 * match is refused, never guessed at.
 */
import { z } from 'zod';
import { LndError } from './lnd-http.js';
import type { ChannelState, PaymentResult, ReceivedPayment } from './types.js';

/** TLV type of the keysend preimage record (bLIP-3 / LND's keysend). */
export const KEYSEND_PREIMAGE_RECORD = '5482373484';

const MSAT_PER_SAT = 1000n;
const uint = z
  .string()
  .regex(/^\d+$/, 'expected an unsigned integer string')
  .transform((s) => BigInt(s));
const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'expected base64');
const nodeId = z.string().regex(/^0[23][0-9a-f]{64}$/, 'expected a 33-byte node id in hex');

const constraints = z.object({ chan_reserve_sat: uint }).optional();

const channelSchema = z.object({
  active: z.boolean(),
  remote_pubkey: nodeId,
  channel_point: z.string(),
  chan_id: uint,
  capacity: uint,
  /** True when this node opened the channel, and so pays its commitment fee and anchors. */
  initiator: z.boolean(),
  local_balance: uint,
  remote_balance: uint,
  local_chan_reserve_sat: uint.optional(),
  remote_chan_reserve_sat: uint.optional(),
  local_constraints: constraints,
  remote_constraints: constraints,
  pending_htlcs: z.array(z.object({ incoming: z.boolean(), amount: uint, hash_lock: base64 })).default([]),
});

export const getInfoSchema = z.object({ identity_pubkey: nodeId });
export const listChannelsSchema = z.object({ channels: z.array(channelSchema).default([]) });

const paymentSchema = z.object({
  payment_hash: z.string().regex(/^[0-9a-f]{64}$/, 'expected a 32-byte payment hash in hex'),
  payment_preimage: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  status: z.enum(['UNKNOWN', 'IN_FLIGHT', 'SUCCEEDED', 'FAILED', 'INITIATED']),
  fee_msat: uint.default(0n),
  failure_reason: z.string().default('FAILURE_REASON_NONE'),
});

const invoiceSchema = z.object({
  r_hash: base64,
  is_keysend: z.boolean().default(false),
  state: z.string(),
  amt_paid_msat: uint,
  settle_date: uint,
  htlcs: z.array(z.object({ state: z.string(), custom_records: z.record(z.string(), base64).default({}) })).default([]),
});

export const listInvoicesSchema = z.object({
  invoices: z.array(invoiceSchema).default([]),
  last_index_offset: uint,
});

/** Validates an LND answer against `schema`; throws LndError naming the first bad field. */
export function parseLnd<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new LndError(
      'lnd_error',
      `LND answered ${what} in an unexpected shape: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
    );
  }
  return result.data;
}

export type LndChannel = z.output<typeof channelSchema>;

/**
 * Converts a CLN-style short channel id "BLOCKxTXxOUT" to LND's numeric chan_id (block << 40 |
 * tx << 16 | out), so one configured id works on either backend. Returns null for anything else.
 */
export function shortChannelIdToChanId(scid: string): bigint | null {
  const m = /^(\d+)x(\d+)x(\d+)$/.exec(scid);
  if (!m) return null;
  const [block, tx, out] = [BigInt(m[1] as string), BigInt(m[2] as string), BigInt(m[3] as string)];
  if (block >= 1n << 24n || tx >= 1n << 24n || out >= 1n << 16n) return null;
  return (block << 40n) | (tx << 16n) | out;
}

/** A channel lnd no longer lists as open: pending open or close, or closed. */
const pendingChannelSchema = z.object({
  channel: z.object({ remote_node_pub: nodeId, channel_point: z.string(), capacity: uint, local_balance: uint }),
});
export const pendingChannelsSchema = z.object({
  pending_open_channels: z.array(pendingChannelSchema).default([]),
  waiting_close_channels: z.array(pendingChannelSchema).default([]),
  pending_force_closing_channels: z.array(pendingChannelSchema).default([]),
});
export const closedChannelsSchema = z.object({
  channels: z
    .array(
      z.object({
        channel_point: z.string(),
        chan_id: uint,
        remote_pubkey: nodeId,
        capacity: uint,
        settled_balance: uint,
      }),
    )
    .default([]),
});

/** The lists PendingChannels answers, by the name the backend gives the state (src/client/lifecycle.ts). */
export const PENDING_STATES = {
  pending_open_channels: 'pending_open',
  waiting_close_channels: 'waiting_close',
  pending_force_closing_channels: 'pending_force_close',
} as const;

/** A channel that is not open (pending, closing or closed): its state, with balances in whole sats. */
export function notOpenChannelState(c: {
  nodeState: string;
  channelId: string;
  peerId: string;
  capacitySat: bigint;
  localSat: bigint;
}): ChannelState {
  const local = c.localSat > c.capacitySat ? c.capacitySat : c.localSat;
  return {
    channelId: c.channelId,
    peerId: c.peerId,
    nodeState: c.nodeState,
    normal: false,
    peerConnected: false,
    spendableMsat: 0n,
    receivableMsat: 0n,
    localBalanceMsat: local * MSAT_PER_SAT,
    remoteBalanceMsat: (c.capacitySat - local) * MSAT_PER_SAT,
    balanceResolutionMsat: MSAT_PER_SAT,
    pendingHtlcs: [],
  };
}

/** True when `id` names `channel`: its chan_id, its channel point, or its short channel id. */
export function channelMatches(channel: Pick<LndChannel, 'channel_point' | 'chan_id'>, id: string): boolean {
  if (id === channel.channel_point) return true;
  if (/^\d+$/.test(id)) return BigInt(id) === channel.chan_id;
  return shortChannelIdToChanId(id) === channel.chan_id;
}

/**
 * LND's channel as the contract's ChannelState. LND has no separate "peer connected" flag on a
 * channel: `active` already means the peer is online and the channel can carry HTLCs, so both
 * follow it. Reserves come from the constraints, else the older flat fields.
 *
 * The balances are the contract's (each side as if every HTLC in flight failed, the commitment fee
 * and anchors at the opener), which LND does not print: its local_balance and remote_balance are
 * its commitment's outputs, each side less the HTLCs it offered and, at the initiator, less the
 * commitment fee and the anchor outputs, so a held HTLC or a feerate update would move them. The
 * side that did not open pays neither: its balance plus the HTLCs it offered is the figure; the
 * opener's is the capacity less that. Every term is in whole sats (the msat remainders truncated),
 * so the figures may be off by up to a sat per term: the resolution says how far.
 */
export function toChannelState(c: LndChannel): ChannelState {
  const localReserve = (c.local_constraints?.chan_reserve_sat ?? c.local_chan_reserve_sat ?? 0n) * MSAT_PER_SAT;
  const remoteReserve = (c.remote_constraints?.chan_reserve_sat ?? c.remote_chan_reserve_sat ?? 0n) * MSAT_PER_SAT;
  const offeredByNonOpener = c.pending_htlcs.filter((h) => h.incoming === c.initiator);
  const nonOpenerSat =
    (c.initiator ? c.remote_balance : c.local_balance) + offeredByNonOpener.reduce((s, h) => s + h.amount, 0n);
  if (nonOpenerSat > c.capacity)
    throw new LndError('lnd_error', `LND reported channel ${c.chan_id} with balances above its capacity`);
  const [localSat, remoteSat] = c.initiator
    ? [c.capacity - nonOpenerSat, nonOpenerSat]
    : [nonOpenerSat, c.capacity - nonOpenerSat];
  const spendable = c.local_balance * MSAT_PER_SAT - localReserve;
  const receivable = c.remote_balance * MSAT_PER_SAT - remoteReserve;
  return {
    channelId: c.chan_id.toString(),
    peerId: c.remote_pubkey,
    nodeState: c.active ? 'active' : 'inactive',
    normal: c.active,
    peerConnected: c.active,
    spendableMsat: spendable > 0n ? spendable : 0n,
    receivableMsat: receivable > 0n ? receivable : 0n,
    localBalanceMsat: localSat * MSAT_PER_SAT,
    remoteBalanceMsat: remoteSat * MSAT_PER_SAT,
    balanceResolutionMsat: MSAT_PER_SAT * BigInt(1 + offeredByNonOpener.length),
    pendingHtlcs: c.pending_htlcs.map((h) => ({
      direction: h.incoming ? 'in' : 'out',
      amountMsat: h.amount * MSAT_PER_SAT,
      paymentHash: Buffer.from(h.hash_lock, 'base64').toString('hex'),
    })),
  };
}

/**
 * An lnrpc.Payment as a PaymentResult: SUCCEEDED is complete, FAILED is failed with LND's
 * failure_reason, anything else is pending. Throws LndError for a malformed payment or one with
 * another hash than asked for.
 */
export function toPaymentResult(value: unknown, expectedHash: string): PaymentResult {
  const p = parseLnd(paymentSchema, value, 'a payment');
  if (p.payment_hash !== expectedHash)
    throw new LndError('lnd_error', `LND reported payment ${p.payment_hash} when asked for ${expectedHash}`);
  switch (p.status) {
    case 'SUCCEEDED':
      return {
        paymentHash: p.payment_hash,
        status: 'complete',
        preimage: p.payment_preimage ?? null,
        feeMsat: p.fee_msat,
        failure: null,
      };
    case 'FAILED':
      return {
        paymentHash: p.payment_hash,
        status: 'failed',
        preimage: null,
        feeMsat: null,
        failure: p.failure_reason,
      };
    default:
      return { paymentHash: p.payment_hash, status: 'pending', preimage: null, feeMsat: null, failure: null };
  }
}

/** A settled keysend invoice as a ReceivedPayment; null for anything else. Records become hex. */
export function toReceivedPayment(value: z.output<typeof invoiceSchema>): ReceivedPayment | null {
  if (!value.is_keysend || value.state !== 'SETTLED') return null;
  const hash = Buffer.from(value.r_hash, 'base64');
  if (hash.length !== 32) throw new LndError('lnd_error', 'LND answered an invoice whose r_hash is not 32 bytes');
  const customRecords: Record<string, string> = {};
  for (const htlc of value.htlcs) {
    if (htlc.state !== 'SETTLED') continue;
    for (const [type, data] of Object.entries(htlc.custom_records))
      customRecords[type] = Buffer.from(data, 'base64').toString('hex');
  }
  return {
    paymentHash: hash.toString('hex'),
    amountMsat: value.amt_paid_msat,
    settledAt: Number(value.settle_date) * 1000,
    customRecords,
  };
}
