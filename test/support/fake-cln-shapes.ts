/**
 * The JSON a fake Core Lightning v26.06 answers with, built from the fake network's state: channels
 * (listpeerchannels, listclosedchannels), sendpay parts (listsendpays), the invoices lightningd's
 * keysend plugin files for received keysends (listinvoices), keysend's failures, and the onion
 * payload the htlc_accepted hook carries. Shapes follow Core Lightning's JSON schemas.
 */
import { ByteWriter } from '../../src/attest/bytes.js';
import { writeBigSize } from '../../src/dlc/bigsize.js';
import type { FakeAttempt, FakeChannel, FakeHtlc, FakeNode, FakePayment, FakeReceipt } from './fake-lightning.js';

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}
/** A JSON-RPC answer, or `drop`: hang up on the caller without one. */
export type Answer = { result: unknown } | { error: RpcErrorObject } | { drop: true };

export const PARAMS_INVALID = -32602;
export const METHOD_NOT_FOUND = -32601;
const PAY_DESTINATION_PERM_FAIL = 203;
const PAY_ROUTE_NOT_FOUND = 205;
const PAY_ROUTE_TOO_EXPENSIVE = 206;
const PAY_STOPPED_RETRYING = 210;
/** The keysend preimage record (bLIP-3). */
const PREIMAGE_TLV_TYPE = 5482373484n;

export function rpcError(code: number, message: string): Answer {
  return { error: { code, message } };
}

export function msatNumber(value: bigint): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`fake-cln: ${value} msat is beyond what JSON numbers hold exactly`);
  return n;
}

export function parseMsat(value: unknown): bigint | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^\d+(msat)?$/.test(value)) return BigInt(value.replace(/msat$/, ''));
  return null;
}

const CLN_STATES: Record<FakeChannel['state'], string> = {
  opening: 'CHANNELD_AWAITING_LOCKIN',
  normal: 'CHANNELD_NORMAL',
  closing: 'CHANNELD_SHUTTING_DOWN',
  onchain: 'ONCHAIN',
  closed: 'CLOSED',
};

/** One listpeerchannels entry, as `node` sees `c`. */
export function channelJson(node: FakeNode, c: FakeChannel): Record<string, unknown> {
  const { local, remote, peer, opener } = node.sides(c);
  // lightningd's to_us_msat is channel->our_msat: it moves only when an HTLC is removed
  // (settled or failed), and no commitment fee or anchor is taken from it.
  return {
    peer_id: peer.id,
    peer_connected: node.connected && peer.connected,
    state: CLN_STATES[c.state],
    opener: opener ? 'local' : 'remote',
    features: ['option_static_remotekey', ...(c.anchorsMsat > 0n ? ['option_anchors'] : [])],
    last_tx_fee_msat: msatNumber(c.commitFeeMsat),
    feerate: { perkw: 253, perkb: 1012 },
    ...(c.state === 'opening' ? {} : { short_channel_id: c.shortChannelId }),
    direction: c.a === node ? 0 : 1,
    channel_id: c.channelId,
    funding_txid: c.channelPoint.split(':')[0],
    funding_outnum: 0,
    private: false,
    to_us_msat: msatNumber(local),
    total_msat: msatNumber(local + remote),
    our_reserve_msat: msatNumber(c.reserveMsat),
    their_reserve_msat: msatNumber(c.reserveMsat),
    spendable_msat: msatNumber(node.spendableMsat(c)),
    receivable_msat: msatNumber(peer.spendableMsat(c)),
    htlcs: c.htlcs.map((h, i) => htlcJson(h.offerer === node ? 'out' : 'in', i, h)),
  };
}

/** One listclosedchannels entry (lightningd moves a channel there once it is resolved on chain). */
export function closedChannelJson(node: FakeNode, c: FakeChannel): Record<string, unknown> {
  const { local, remote, peer, opener } = node.sides(c);
  return {
    peer_id: peer.id,
    channel_id: c.channelId,
    short_channel_id: c.shortChannelId,
    opener: opener ? 'local' : 'remote',
    closer: 'local',
    private: false,
    total_local_commitments: 2,
    total_remote_commitments: 2,
    total_htlcs_sent: 1,
    funding_txid: c.channelPoint.split(':')[0],
    funding_outnum: 0,
    funding_withheld: false,
    leased: false,
    total_msat: msatNumber(local + remote),
    final_to_us_msat: msatNumber(local),
    min_to_us_msat: msatNumber(local),
    max_to_us_msat: msatNumber(local + remote),
    close_cause: 'user',
  };
}

function htlcJson(direction: 'in' | 'out', id: number, h: FakeHtlc): Record<string, unknown> {
  return {
    direction,
    id,
    amount_msat: msatNumber(h.amountMsat),
    expiry: 800_144,
    payment_hash: h.paymentHash,
    state: direction === 'out' ? 'SENT_ADD_ACK_REVOCATION' : 'RCVD_ADD_ACK_REVOCATION',
  };
}

/** One listsendpays entry: an attempt, as a sendpay part. Failed parts still show what they sent. */
export function sendPayJson(a: FakeAttempt): Record<string, unknown> {
  const p = a.payment;
  return {
    created_index: a.index,
    id: a.index,
    payment_hash: p.paymentHash,
    groupid: 1,
    ...(p.attempts.indexOf(a) > 0 ? { partid: p.attempts.indexOf(a) } : {}),
    updated_index: a.index,
    destination: p.destination,
    amount_msat: msatNumber(p.amountMsat),
    amount_sent_msat: msatNumber(p.amountMsat + p.feeMsat),
    created_at: Math.floor(a.createdAt / 1000),
    ...(p.label ? { label: p.label } : {}),
    status: a.status,
    ...(a.status === 'complete'
      ? { completed_at: Math.floor(a.createdAt / 1000), payment_preimage: p.preimage }
      : a.status === 'failed'
        ? { completed_at: Math.floor(a.createdAt / 1000) }
        : {}),
  };
}

/**
 * The records a Core Lightning receiver keeps of a keysend's onion payload: unknown even types are
 * dropped unless the node accepts them (`accept-htlc-tlv-type`); odd ones pass.
 */
export function deliveredRecords(r: FakeReceipt, acceptedEven: ReadonlySet<string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(r.customRecords).filter(([type]) => BigInt(type) % 2n === 1n || acceptedEven.has(type)),
  );
}

/** The longest record that is valid UTF-8, as lightningd's keysend plugin picks its invoice description. */
function longestText(records: Record<string, string>): string | null {
  let best: string | null = null;
  for (const hex of Object.values(records)) {
    const bytes = Buffer.from(hex, 'hex');
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      continue;
    }
    if (best === null || bytes.length > Buffer.byteLength(best)) best = text;
  }
  return best;
}

/**
 * One listinvoices entry for receipt number `index` (1-based). A keysend's invoice is created when
 * it arrives, label `keysend-<seconds>.<nanoseconds>`, description `keysend: <text>` or `keysend`;
 * paid_at has whole seconds.
 */
export function invoiceJson(r: FakeReceipt, index: number, acceptedEven: ReadonlySet<string>): Record<string, unknown> {
  const seconds = Math.floor(r.settledAt / 1000);
  // The arrival to the nanosecond: the ms of the fake clock, and the receipt's number below it.
  const nanos = (r.settledAt % 1000) * 1_000_000 + (index % 1_000_000);
  const text = r.kind === 'keysend' ? longestText(deliveredRecords(r, acceptedEven)) : null;
  return {
    label:
      r.kind === 'keysend' ? `keysend-${seconds}.${String(nanos).padStart(9, '0')}` : r.label || `invoice-${index}`,
    ...(r.kind === 'invoice' ? { bolt11: `lnbcrt${r.amountMsat}n1fake${r.paymentHash.slice(0, 16)}` } : {}),
    description: r.kind === 'keysend' ? (text === null ? 'keysend' : `keysend: ${text}`) : 'an ordinary invoice',
    payment_hash: r.paymentHash,
    status: 'paid',
    expires_at: seconds + 604_800,
    ...(r.kind === 'keysend' ? {} : { amount_msat: msatNumber(r.amountMsat) }),
    amount_received_msat: msatNumber(r.amountMsat),
    pay_index: index,
    paid_at: seconds,
    payment_preimage: '00'.repeat(32),
    created_index: index,
    updated_index: index,
  };
}

/** lightningd's keysend/xkeysend error for a failed payment, by what the fake network said. */
export function keysendFailure(payment: FakePayment, method: 'keysend' | 'xkeysend'): Answer {
  const data = {
    payment_hash: payment.paymentHash,
    status: 'failed',
    amount_msat: msatNumber(payment.amountMsat),
    destination: payment.destination,
  };
  const n = payment.attempts.length;
  if (payment.failure === 'no route to destination' || payment.failure === 'insufficient balance') {
    // No part was ever sent: nothing of it is in listsendpays.
    if (n === 0 && method === 'keysend')
      return { error: { code: PAY_STOPPED_RETRYING, message: 'Ran out of routes to try after 0 attempts', data } };
    return {
      error: { code: PAY_ROUTE_NOT_FOUND, message: `Failed after ${n} attempts: ${payment.failure}`, data },
    };
  }
  if (payment.failure === 'gave up retrying') {
    return {
      error: { code: PAY_STOPPED_RETRYING, message: `Ran out of routes to try after ${n} attempts`, data },
    };
  }
  if (payment.failure === 'fee exceeds maxfee') {
    return { error: { code: PAY_ROUTE_TOO_EXPENSIVE, message: 'Route too expensive: fee exceeds maxfee', data } };
  }
  return {
    error: {
      code: PAY_DESTINATION_PERM_FAIL,
      message: `failed: WIRE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS (${payment.failure ?? 'failed'})`,
      data,
    },
  };
}

/**
 * The htlc_accepted hook's params for a keysend that reached this node: `onion.payload` is the
 * final hop's TLV stream with its BigSize length prefix (amount, cltv, the keysend preimage, then
 * the custom records in ascending type order), as lightningd passes it unparsed.
 */
export function htlcAcceptedParams(r: FakeReceipt, preimage: string, records: Record<string, string>): unknown {
  const fields: [bigint, Uint8Array][] = [
    [2n, tu64(r.amountMsat)],
    [4n, tu64(800_144n)],
    [PREIMAGE_TLV_TYPE, Buffer.from(preimage, 'hex')],
    ...Object.entries(records).map(([t, v]): [bigint, Uint8Array] => [BigInt(t), Buffer.from(v, 'hex')]),
  ];
  fields.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const stream = new ByteWriter();
  for (const [type, value] of fields) {
    writeBigSize(stream, 'type', type);
    writeBigSize(stream, 'length', value.length);
    if (value.length > 0) stream.bytes('value', value, value.length);
  }
  const body = stream.finish();
  const prefix = new ByteWriter();
  writeBigSize(prefix, 'payload length', body.length);
  return {
    onion: {
      payload: Buffer.concat([prefix.finish(), body]).toString('hex'),
      type: 'tlv',
      forward_msat: msatNumber(r.amountMsat),
      outgoing_cltv_value: 800_144,
      shared_secret: '11'.repeat(32),
      next_onion: '00'.repeat(1366),
    },
    htlc: {
      short_channel_id: '103x1x0',
      id: 0,
      amount_msat: msatNumber(r.amountMsat),
      cltv_expiry: 800_160,
      cltv_expiry_relative: 16,
      payment_hash: r.paymentHash,
    },
  };
}

/** A truncated unsigned integer (BOLT 1 tu64): big-endian without leading zero bytes. */
function tu64(value: bigint): Uint8Array {
  const hex = value === 0n ? '' : value.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
}
