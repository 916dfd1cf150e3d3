/**
 * A tiny in-memory Lightning network for tests: nodes joined by channels that hold balances, so a
 * keysend moves millisatoshis from one fake node to the other. The fake API servers (Core
 * Lightning JSON-RPC and REST, LND REST) each wrap one FakeNode and translate its state into that
 * API's documented request and response shapes. Faults are switched per node.
 */
import { createHash } from 'node:crypto';

export type FakePaymentStatus = 'complete' | 'pending' | 'failed';

export interface FakePayment {
  readonly paymentHash: string;
  readonly preimage: string;
  readonly destination: string;
  readonly amountMsat: bigint;
  readonly feeMsat: bigint;
  readonly customRecords: Record<string, string>;
  readonly label: string;
  readonly createdAt: number;
  status: FakePaymentStatus;
  failure: string | null;
}

export interface FakeReceipt {
  readonly paymentHash: string;
  readonly amountMsat: bigint;
  readonly settledAt: number;
  readonly customRecords: Record<string, string>;
}

export interface FakeChannel {
  readonly channelId: string;
  /** Short channel id, e.g. "103x1x0" (CLN), and LND's numeric chan_id and channel point. */
  readonly shortChannelId: string;
  readonly lndChanId: string;
  readonly channelPoint: string;
  readonly a: FakeNode;
  readonly b: FakeNode;
  balanceA: bigint;
  balanceB: bigint;
  /** Each side's channel reserve, msat: not spendable. */
  readonly reserveMsat: bigint;
  state: 'normal' | 'closing';
  pendingHtlcs: number;
}

/** What the next keysend from a node does; one-shot unless `sticky`. */
export type KeysendFault =
  | { kind: 'fail'; message: string }
  | { kind: 'pending' }
  | { kind: 'hang' }
  | { kind: 'rpc_error'; code: number; message: string };

export class FakeNode {
  readonly payments = new Map<string, FakePayment>();
  readonly receipts: FakeReceipt[] = [];
  connected = true;
  nextFault: KeysendFault | null = null;
  /** Fee the fake route charges per payment. */
  routeFeeMsat = 1_000n;

  constructor(
    readonly network: FakeLightningNetwork,
    readonly id: string,
    readonly alias: string,
  ) {}

  channels(): FakeChannel[] {
    return this.network.channels.filter((c) => c.a === this || c.b === this);
  }

  /** Our balance and the peer's in `channel`. */
  sides(channel: FakeChannel): { local: bigint; remote: bigint; peer: FakeNode } {
    return channel.a === this
      ? { local: channel.balanceA, remote: channel.balanceB, peer: channel.b }
      : { local: channel.balanceB, remote: channel.balanceA, peer: channel.a };
  }

  /**
   * Sends a keysend over the direct channel to `destination`: moves amount (the fee is charged to
   * us and vanishes into the fake route) unless a fault says otherwise. Returns the payment.
   */
  keysend(req: {
    destination: string;
    amountMsat: bigint;
    maxFeeMsat: bigint;
    preimage: string;
    customRecords: Record<string, string>;
    label: string;
  }): FakePayment {
    const paymentHash = createHash('sha256').update(Buffer.from(req.preimage, 'hex')).digest('hex');
    const existing = this.payments.get(paymentHash);
    if (existing) return existing;
    const payment: FakePayment = {
      paymentHash,
      preimage: req.preimage,
      destination: req.destination,
      amountMsat: req.amountMsat,
      feeMsat: this.routeFeeMsat,
      customRecords: req.customRecords,
      label: req.label,
      createdAt: this.network.now(),
      status: 'pending',
      failure: null,
    };
    this.payments.set(paymentHash, payment);
    const fault = this.nextFault;
    this.nextFault = null;
    const channel = this.channels().find((c) => this.sides(c).peer.id === req.destination);
    if (fault?.kind === 'fail') return this.fail(payment, fault.message);
    if (!channel || channel.state !== 'normal' || !this.connected) return this.fail(payment, 'no route to destination');
    if (this.routeFeeMsat > req.maxFeeMsat) return this.fail(payment, 'fee exceeds maxfee');
    const { local, peer } = this.sides(channel);
    if (local - channel.reserveMsat < req.amountMsat + this.routeFeeMsat)
      return this.fail(payment, 'insufficient balance');
    if (fault?.kind === 'pending' || fault?.kind === 'hang') {
      channel.pendingHtlcs += 1;
      return payment;
    }
    this.settle(payment, channel, peer);
    return payment;
  }

  /** Completes a payment left pending by a fault (the HTLC resolves later). */
  resolvePending(paymentHash: string, outcome: 'complete' | 'failed'): void {
    const payment = this.payments.get(paymentHash);
    if (!payment || payment.status !== 'pending') throw new Error(`no pending payment ${paymentHash}`);
    const channel = this.channels().find((c) => this.sides(c).peer.id === payment.destination);
    if (!channel) throw new Error('channel gone');
    channel.pendingHtlcs -= 1;
    if (outcome === 'failed') this.fail(payment, 'htlc failed');
    else this.settle(payment, channel, this.sides(channel).peer);
  }

  private settle(payment: FakePayment, channel: FakeChannel, peer: FakeNode): void {
    if (channel.a === this) {
      channel.balanceA -= payment.amountMsat + payment.feeMsat;
      channel.balanceB += payment.amountMsat;
    } else {
      channel.balanceB -= payment.amountMsat + payment.feeMsat;
      channel.balanceA += payment.amountMsat;
    }
    payment.status = 'complete';
    peer.receipts.push({
      paymentHash: payment.paymentHash,
      amountMsat: payment.amountMsat,
      settledAt: this.network.now(),
      customRecords: payment.customRecords,
    });
  }

  private fail(payment: FakePayment, message: string): FakePayment {
    payment.status = 'failed';
    payment.failure = message;
    return payment;
  }
}

export class FakeLightningNetwork {
  readonly nodes: FakeNode[] = [];
  readonly channels: FakeChannel[] = [];
  private counter = 0;

  constructor(readonly now: () => number = Date.now) {}

  /** A node with a deterministic 33-byte compressed-looking id. */
  addNode(alias: string): FakeNode {
    this.counter += 1;
    const id = `02${createHash('sha256').update(alias).digest('hex')}`;
    const node = new FakeNode(this, id, alias);
    this.nodes.push(node);
    return node;
  }

  /** Opens a channel with the given balances (msat) on each side. */
  openChannel(a: FakeNode, b: FakeNode, balanceA: bigint, balanceB: bigint, reserveMsat = 10_000_000n): FakeChannel {
    this.counter += 1;
    const n = this.counter;
    const txid = createHash('sha256').update(`funding-${n}`).digest('hex');
    const channel: FakeChannel = {
      channelId: createHash('sha256').update(`channel-${n}`).digest('hex'),
      shortChannelId: `${100 + n}x1x0`,
      lndChanId: String(((100n + BigInt(n)) << 40n) | (1n << 16n)),
      channelPoint: `${txid}:0`,
      a,
      b,
      balanceA,
      balanceB,
      reserveMsat,
      state: 'normal',
      pendingHtlcs: 0,
    };
    this.channels.push(channel);
    return channel;
  }
}
