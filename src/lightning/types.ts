/**
 * The one small interface the settlement client needs from a Lightning node. Three adapters
 * implement it (Core Lightning JSON-RPC over its unix socket, Core Lightning's REST plugin, LND's
 * REST API); amounts are always integer millisatoshis as bigint.
 */

/** The channel with the settlement peer, as the node reports it now. */
export interface ChannelState {
  readonly channelId: string;
  readonly peerId: string;
  /** True when the channel can send and receive HTLCs: CLN CHANNELD_NORMAL, LND active. */
  readonly normal: boolean;
  readonly peerConnected: boolean;
  /** What we could send / receive now (spendable / receivable, after reserves), msat. */
  readonly spendableMsat: bigint;
  readonly receivableMsat: bigint;
  /** Our side of the channel as the node counts it (to_us), msat; the stable math uses it. */
  readonly localBalanceMsat: bigint;
  /** The peer's side (total - to_us), msat. */
  readonly remoteBalanceMsat: bigint;
  /** HTLCs in flight on this channel, in both directions. */
  readonly pendingHtlcs: readonly PendingHtlc[];
  /**
   * The smallest step the node reports balances in: 1 msat (Core Lightning), 1000 msat (LND prints
   * whole sats). Two balance readings closer than this may be the same balance.
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
   * The channel the payment must leave by (as configured: short channel id or channel point).
   * Backends that can pin the first hop do (LND); a payment through another channel would leave
   * the settlement channel's balance unchanged, and the next round would owe the same again.
   */
  readonly channelId?: string;
}

export type PaymentStatus = 'complete' | 'pending' | 'failed';

export interface PaymentResult {
  readonly paymentHash: string;
  readonly status: PaymentStatus;
  /** Fee actually paid, when complete. */
  readonly feeMsat: bigint | null;
  /** Backend error message when failed, one line, never credentials. */
  readonly failure: string | null;
}

/** A payment received from the peer, for the side that expects money. */
export interface ReceivedPayment {
  readonly paymentHash: string;
  readonly amountMsat: bigint;
  /** Unix ms when it settled. */
  readonly settledAt: number;
  /**
   * The custom TLV records that came with it (type -> hex value), or null when the node does not
   * report the records of payments it received (Core Lightning over RPC and REST).
   */
  readonly customRecords: Readonly<Record<string, string>> | null;
}

export interface LightningBackend {
  /** Our own node id (hex). */
  getNodeId(): Promise<string>;
  /** The channel `channelId` (short channel id or channel point, as configured), or null if unknown. */
  getChannel(channelId: string): Promise<ChannelState | null>;
  /** Sends a keysend; resolves with its status (pending when it outlived timeoutMs). Rejects only when the request could not be made. */
  keysend(request: KeysendRequest): Promise<PaymentResult>;
  /** What the node knows of an outgoing payment by hash: its status, or null if it never saw it. */
  lookupPayment(paymentHash: string): Promise<PaymentResult | null>;
  /** Keysend payments received since `sinceMs` (unix ms). */
  listReceived(sinceMs: number): Promise<ReceivedPayment[]>;
  close(): Promise<void>;
}
