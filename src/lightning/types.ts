/**
 * The one small interface the settlement client needs from a Lightning node. Three adapters
 * implement it (Core Lightning JSON-RPC over its unix socket, Core Lightning's REST plugin, LND's
 * REST API); amounts are always integer millisatoshis as bigint.
 */

/**
 * The channel with the settlement peer, as the node reports it now.
 *
 * The two balances are each side's balance **as if every HTLC in flight failed** (an HTLC counted
 * at the side that offered it), with the commitment transaction's fee and anchor outputs counted
 * at the side that pays them (the opener). So only payments move them, when they settle: a
 * forward, a keysend or an invoice payment moves them once its HTLC settles, an HTLC held in
 * flight moves nothing until then (and nothing at all if it fails), a feerate update moves
 * nothing, and `localBalanceMsat + remoteBalanceMsat` is the channel's capacity.
 *
 * - Core Lightning: exactly `to_us_msat` (lightningd's our_msat, which moves only when an HTLC is
 *   removed and from which no fee or anchor is taken) and `total_msat - to_us_msat`; to the msat.
 * - LND prints neither figure: its local_balance and remote_balance leave out the HTLCs each side
 *   offered and, at the initiator, the commitment fee and the anchors. The side that did not open
 *   pays neither, so its figure is its balance plus the HTLCs it offered; the opener's is
 *   `capacity` less that. Every term comes in whole sats with the msat remainder truncated, hence
 *   `balanceResolutionMsat`. (docs/LIGHTNING.md has the details.)
 */
export interface ChannelState {
  readonly channelId: string;
  readonly peerId: string;
  /**
   * The node's own name for the channel's state: Core Lightning's `state` (CHANNELD_NORMAL,
   * CHANNELD_SHUTTING_DOWN, ONCHAIN, CLOSED ...); for LND one of `pending_open`, `active`,
   * `inactive`, `waiting_close`, `pending_force_close`, `closed`. src/client/lifecycle.ts maps it
   * to the agreement's state. The balances below mean something only while the channel is open.
   */
  readonly nodeState: string;
  /** True when the channel can send and receive HTLCs: CLN CHANNELD_NORMAL, LND active. */
  readonly normal: boolean;
  readonly peerConnected: boolean;
  /**
   * What we could send / receive now (spendable / receivable), msat: after reserves, the HTLCs in
   * flight and, at the opener, the commitment fee. Not a balance: a fee update moves it.
   */
  readonly spendableMsat: bigint;
  readonly receivableMsat: bigint;
  /** Our side as if every HTLC in flight failed, the fee and anchors counted at the opener, msat. */
  readonly localBalanceMsat: bigint;
  /** The peer's side, counted the same way: capacity - localBalanceMsat. */
  readonly remoteBalanceMsat: bigint;
  /** HTLCs in flight on this channel, in both directions (LND: amounts in whole sats). */
  readonly pendingHtlcs: readonly PendingHtlc[];
  /**
   * How far the balances may be from the exact figure, msat: a reading may differ from the exact
   * balance by less than this, in either direction. 1 for Core Lightning (exact); for LND 1000 (a
   * whole-sat balance) plus 1000 for each HTLC in flight offered by the side that did not open the
   * channel (each reported in whole sats).
   */
  readonly balanceResolutionMsat: bigint;
}

/** An HTLC in flight on the settlement channel. */
export interface PendingHtlc {
  /** `out`: offered by us to the peer; `in`: offered by the peer to us. */
  readonly direction: 'out' | 'in';
  readonly amountMsat: bigint;
  /** The HTLC's payment hash, hex. */
  readonly paymentHash: string;
}

/** A keysend to make. */
export interface KeysendRequest {
  /** The peer's node id (33-byte compressed pubkey, hex). Only the channel peer is ever paid. */
  readonly destination: string;
  readonly amountMsat: bigint;
  /** Fee cap for the whole payment, msat; a route costing more is not taken. */
  readonly maxFeeMsat: bigint;
  /** 32-byte preimage we choose (hex), so the payment hash is known before paying. */
  readonly preimage: string;
  /** Extra TLV records (type >= 65536) -> hex value; carries the attestation digest. */
  readonly customRecords: Readonly<Record<string, string>>;
  /** Idempotency label where the backend supports one (CLN); also logged. */
  readonly label: string;
  /** Give up waiting after this long; the payment may still complete later (see lookup). */
  readonly timeoutMs: number;
  /**
   * Where the node's payment history stood before this payment's intent was written
   * (`paymentCursor()`), so that finding the payment later never lists older payments.
   */
  readonly sentAfter?: string | null;
  /**
   * The channel the payment must leave by (as configured: short channel id or channel point).
   * Backends that can pin the first hop do (LND); a payment through another channel would leave
   * the settlement channel's balance unchanged, and the next round would owe the same again.
   */
  readonly channelId?: string;
}

/**
 * `complete` and `failed` are final: `failed` only once the node can no longer complete the
 * payment (no HTLC of it in flight, and the node will start no new attempt). Anything else,
 * including a node that is still retrying after a failed attempt, is `pending`.
 */
export type PaymentStatus = 'complete' | 'pending' | 'failed';

export interface PaymentResult {
  /** The node's payment hash (Core Lightning draws its own preimage, so not always sha256 of ours). */
  readonly paymentHash: string;
  readonly status: PaymentStatus;
  /** The node's payment preimage, the proof of payment, once complete and when the node reports it. */
  readonly preimage: string | null;
  /** Fee actually paid, when complete. */
  readonly feeMsat: bigint | null;
  /** Backend error message when failed, one line, never credentials. */
  readonly failure: string | null;
}

/** What the ledger knows of a payment it asks the node about, so the node can find it cheaply and judge it. */
export interface PaymentHints {
  /** The node's payment hash, once the node reported it. */
  readonly nodePaymentHash?: string | null;
  /** The payment cursor taken before the intent was written (KeysendRequest.sentAfter). */
  readonly sentAfter?: string | null;
  /** When the intent was written (unix ms) and the keysend's timeout: the node may start it until then. */
  readonly sentAt?: number;
  readonly timeoutMs?: number;
}

/** A payment received from the peer, for the side that expects money. */
export interface ReceivedPayment {
  readonly paymentHash: string;
  readonly amountMsat: bigint;
  /** Unix ms when it settled (Core Lightning: from the nanoseconds in its `keysend-<s>.<ns>` label). */
  readonly settledAt: number;
  /**
   * The custom TLV records that came with it (type -> hex value), or null when the node does not
   * say. LND keeps them all. Core Lightning keeps none: run as a plugin, the client reads them from
   * the `htlc_accepted` hook; otherwise it reads record 65537 back from the settlement note the
   * payer sends beside it (docs/PROTOCOL.md), which Core Lightning puts in the invoice description,
   * and reports null for a keysend that carried no note.
   */
  readonly customRecords: Readonly<Record<string, string>> | null;
  /**
   * The longest text record the payer sent, where the node reports it and not the records
   * themselves (Core Lightning describes a keysend's invoice as `keysend: <text>`); else null.
   */
  readonly note?: string | null;
}

export interface LightningBackend {
  /** Our own node id (hex). */
  getNodeId(): Promise<string>;
  /** The channel `channelId` (short channel id or channel point, as configured), or null if unknown. */
  getChannel(channelId: string): Promise<ChannelState | null>;
  /**
   * Sends a keysend; resolves with its status (pending when it outlived timeoutMs: the node goes on
   * with it). Rejects only when the request could not be made. The same preimage twice pays once.
   */
  keysend(request: KeysendRequest): Promise<PaymentResult>;
  /**
   * What the node knows of an outgoing payment by hash (the node's, or the one of our preimage):
   * its status, or null if it never saw it (and can no longer start it).
   */
  lookupPayment(paymentHash: string, hints?: PaymentHints): Promise<PaymentResult | null>;
  /**
   * Where the node's payment history stands now (Core Lightning: the sendpays `created` index),
   * written with an intent before paying; null where the node finds payments by hash alone (LND).
   */
  paymentCursor(): Promise<string | null>;
  /** Keysend payments received since `sinceMs` (unix ms), from anyone; invoice payments are not listed. */
  listReceived(sinceMs: number): Promise<ReceivedPayment[]>;
  close(): Promise<void>;
}
