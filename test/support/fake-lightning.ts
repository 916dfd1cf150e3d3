/**
 * A tiny in-memory Lightning network for tests: nodes joined by channels, and payments made of
 * HTLCs offered hop by hop, held in flight, then settled or failed, so that balances move the way
 * a real channel's do. The fake API servers (Core Lightning JSON-RPC and REST, LND REST) each wrap
 * one FakeNode and report its state in that API's documented shapes; FakeNodeBackend reports it
 * straight.
 *
 * What the model keeps is the settlement client's contract figure (src/lightning/types.ts): each
 * side's balance as if every in-flight HTLC failed, with the commitment fee and the anchor outputs
 * counted at the opener (side `a`), who pays them. So only settled payments move
 * `balanceA`/`balanceB`, and their sum is the capacity whatever the fee. What a node's API shows is
 * derived from it (LND: minus the HTLCs each side offered and, at the opener, minus fee and
 * anchors, in whole sats).
 *
 * Ways to move a channel, for tests of what a peer can do through it:
 * - `keysend`: the settlement keysend the backends send (to a channel peer), honouring `nextFault`;
 * - `pay`: an ordinary invoice payment or a keysend that is no settlement, over a route of channels;
 * - `forward`: a payment from one peer of this node to another, through this node (routing fee in
 *   the incoming HTLC);
 * - `{ hold: true }` / `resolvePending`: an HTLC held in flight, then settled or failed;
 * - `updateFee`: the opener changes the commitment fee (BOLT 2 update_fee).
 */
import { createHash, randomBytes } from 'node:crypto';

export type FakePaymentStatus = 'complete' | 'pending' | 'failed';
/** `invoice`: a BOLT 11 invoice the destination issued; `keysend`: spontaneous, preimage in the onion. */
export type FakePaymentKind = 'invoice' | 'keysend';

/** One try at a payment (Core Lightning lists each as a sendpay part), oldest first. */
export interface FakeAttempt {
  readonly createdAt: number;
  status: FakePaymentStatus;
  /** 1-based, in the order the node made its attempts (Core Lightning's sendpays `created_index`). */
  readonly index: number;
  readonly payment: FakePayment;
}

export interface FakePayment {
  readonly paymentHash: string;
  readonly preimage: string;
  readonly destination: string;
  readonly amountMsat: bigint;
  /** What the route charged: the first hop's HTLC is amountMsat + feeMsat. */
  readonly feeMsat: bigint;
  readonly customRecords: Record<string, string>;
  readonly label: string;
  readonly createdAt: number;
  readonly kind: FakePaymentKind;
  /** The nodes the payment crosses after the payer, the destination last. */
  readonly route: readonly FakeNode[];
  readonly attempts: FakeAttempt[];
  status: FakePaymentStatus;
  failure: string | null;
}

export interface FakeReceipt {
  readonly paymentHash: string;
  readonly amountMsat: bigint;
  readonly settledAt: number;
  readonly customRecords: Record<string, string>;
  readonly kind: FakePaymentKind;
  readonly label: string;
}

/** An HTLC in flight on a channel. */
export interface FakeHtlc {
  /** The node that offered it: it pays the amount if the HTLC settles. */
  readonly offerer: FakeNode;
  readonly amountMsat: bigint;
  readonly paymentHash: string;
}

export interface FakeChannel {
  readonly channelId: string;
  /** Short channel id, e.g. "103x1x0" (CLN), and LND's numeric chan_id and channel point. */
  readonly shortChannelId: string;
  readonly lndChanId: string;
  readonly channelPoint: string;
  /** The opener: pays the commitment fee and the anchor outputs. */
  readonly a: FakeNode;
  readonly b: FakeNode;
  /** Each side's balance as if every in-flight HTLC failed, fee and anchors counted at `a`, msat. */
  balanceA: bigint;
  balanceB: bigint;
  /** Each side's channel reserve, msat: not spendable. */
  readonly reserveMsat: bigint;
  /** opening (awaiting lock-in), normal, closing (mutual close under way), onchain (a close is on chain), closed. */
  state: 'opening' | 'normal' | 'closing' | 'onchain' | 'closed';
  /** HTLCs in flight, in both directions. */
  readonly htlcs: FakeHtlc[];
  /** The commitment transaction's fee at the current feerate, paid by `a` (change it with updateFee). */
  commitFeeMsat: bigint;
  /** The two anchor outputs together (2 x 330 sat on an anchors channel, else 0), paid by `a`. */
  readonly anchorsMsat: bigint;
}

/** What the next settlement keysend from a node does; one-shot. */
export type KeysendFault =
  /** The destination rejects it: one failed attempt, the payment fails. */
  | { kind: 'fail'; message: string }
  /** The HTLC is held in flight until resolvePending. */
  | { kind: 'pending' }
  /** As pending; the LND fake also stops answering the send call. */
  | { kind: 'hang' }
  /** As pending; the API servers hang up on the caller without an answer (the node goes on). */
  | { kind: 'drop' }
  /** The first attempt fails, and the node keeps retrying until resolvePending decides. */
  | { kind: 'retry' }
  /** The API refuses the call itself, and no payment starts. */
  | { kind: 'rpc_error'; code: number; message: string };

export interface FakePayOptions {
  /** Default `invoice`. */
  readonly kind?: FakePaymentKind;
  /** What each node between the payer and the destination charges, msat (default 1000). */
  readonly feeMsat?: bigint;
  /** Leave the HTLCs in flight until resolvePending (default: settle at once). */
  readonly hold?: boolean;
  readonly customRecords?: Record<string, string>;
  readonly label?: string;
}

/** One side's view of a channel. */
export interface FakeSides {
  readonly peer: FakeNode;
  /** As-if-failed balances (the model's figures). */
  readonly local: bigint;
  readonly remote: bigint;
  readonly opener: boolean;
  /** What each side has offered in HTLCs in flight. */
  readonly offeredLocal: bigint;
  readonly offeredRemote: bigint;
}

interface Hop {
  readonly channel: FakeChannel;
  readonly htlc: FakeHtlc;
}

const sha256 = (hex: string): string => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');

export class FakeNode {
  /** Payments this node made, by hash. */
  readonly payments = new Map<string, FakePayment>();
  /** Payments this node received. */
  readonly receipts: FakeReceipt[] = [];
  /** Every attempt of every payment this node made, in the order it made them. */
  readonly attempts: FakeAttempt[] = [];
  connected = true;
  nextFault: KeysendFault | null = null;
  /**
   * Fee a settlement keysend pays on top of its amount; the peer keeps it, as a forwarding node
   * keeps its fee. Default 0: a keysend to the channel peer crosses no other node.
   */
  routeFeeMsat = 0n;
  private readonly hopAmounts = new Map<string, bigint[]>();
  private readonly inFlight = new Map<string, Hop[]>();

  constructor(
    readonly network: FakeLightningNetwork,
    readonly id: string,
    readonly alias: string,
  ) {}

  channels(): FakeChannel[] {
    return this.network.channels.filter((c) => c.a === this || c.b === this);
  }

  channelWith(peer: FakeNode): FakeChannel | undefined {
    return this.channels().find((c) => this.sides(c).peer === peer);
  }

  sides(channel: FakeChannel): FakeSides {
    const opener = channel.a === this;
    const offered = (n: FakeNode): bigint =>
      channel.htlcs.filter((h) => h.offerer === n).reduce((sum, h) => sum + h.amountMsat, 0n);
    const peer = opener ? channel.b : channel.a;
    return {
      peer,
      local: opener ? channel.balanceA : channel.balanceB,
      remote: opener ? channel.balanceB : channel.balanceA,
      opener,
      offeredLocal: offered(this),
      offeredRemote: offered(peer),
    };
  }

  /** What this node could offer now: its side less the reserve, its HTLCs in flight, and (opener) fee and anchors. */
  spendableMsat(channel: FakeChannel): bigint {
    const s = this.sides(channel);
    const fees = s.opener ? channel.commitFeeMsat + channel.anchorsMsat : 0n;
    const free = s.local - channel.reserveMsat - s.offeredLocal - fees;
    return free > 0n ? free : 0n;
  }

  /**
   * The settlement keysend to a channel peer, as the backends send it: moves the amount (plus
   * routeFeeMsat, kept by the peer) unless `nextFault` says otherwise. Idempotent by preimage.
   */
  keysend(req: {
    destination: string;
    amountMsat: bigint;
    maxFeeMsat: bigint;
    preimage: string;
    customRecords: Record<string, string>;
    label: string;
  }): FakePayment {
    const existing = this.payments.get(sha256(req.preimage));
    if (existing) return existing;
    const fault = this.nextFault;
    this.nextFault = null;
    const peer = this.network.nodes.find((n) => n.id === req.destination);
    const payment = this.record(req.preimage, req.destination, peer ? [peer] : [], req.amountMsat, {
      kind: 'keysend',
      hopAmounts: [req.amountMsat + this.routeFeeMsat],
      customRecords: req.customRecords,
      label: req.label,
    });
    if (fault?.kind === 'fail') {
      this.attempt(payment, 'failed');
      return this.fail(payment, fault.message);
    }
    if (!peer || !this.channelWith(peer)) return this.fail(payment, 'no route to destination');
    if (this.routeFeeMsat > req.maxFeeMsat) return this.fail(payment, 'fee exceeds maxfee');
    if (fault?.kind === 'retry') {
      this.attempt(payment, 'failed');
      return payment;
    }
    const hold = fault?.kind === 'pending' || fault?.kind === 'hang' || fault?.kind === 'drop';
    return this.launch(payment, hold);
  }

  /**
   * Pays the last node of `route` through the nodes before it (each pair joined by a channel),
   * each of those charging `feeMsat`: an ordinary invoice (default) or a keysend that is no
   * settlement. Returns the payment: complete, failed (no route, short balance), or pending with
   * its HTLCs in flight when `hold` is set.
   */
  pay(route: readonly FakeNode[], amountMsat: bigint, options: FakePayOptions = {}): FakePayment {
    const destination = route[route.length - 1];
    if (!destination) throw new Error('pay: the route must name at least the destination');
    const fee = options.feeMsat ?? 1_000n;
    const payment = this.record(randomBytes(32).toString('hex'), destination.id, route, amountMsat, {
      kind: options.kind ?? 'invoice',
      hopAmounts: route.map((_, i) => amountMsat + fee * BigInt(route.length - 1 - i)),
      customRecords: options.customRecords ?? {},
      label: options.label ?? '',
    });
    return this.launch(payment, options.hold ?? false);
  }

  /**
   * A payment from `from` (a peer of this node) through this node to `to` (another peer): this
   * node forwards it and keeps `feeMsat` (in the incoming HTLC). Made by `from`: resolve a held one
   * with `from.resolvePending(hash, ...)`.
   */
  forward(from: FakeNode, to: FakeNode, amountMsat: bigint, options: FakePayOptions = {}): FakePayment {
    return from.pay([this, to], amountMsat, options);
  }

  /**
   * Ends a pending payment this node made: `complete` settles its HTLCs (a retrying one first
   * makes a new attempt that succeeds), `failed` fails them (a retrying one gives up).
   */
  resolvePending(paymentHash: string, outcome: 'complete' | 'failed'): void {
    const payment = this.payments.get(paymentHash);
    if (!payment || payment.status !== 'pending') throw new Error(`no pending payment ${paymentHash}`);
    let hops = this.inFlight.get(paymentHash);
    if (!hops) {
      if (outcome === 'failed') return void this.fail(payment, 'gave up retrying');
      const locked = this.lock(payment);
      if (typeof locked === 'string') return void this.fail(payment, locked);
      this.attempt(payment, 'pending');
      hops = locked;
    }
    this.inFlight.delete(paymentHash);
    for (const { channel, htlc } of hops) {
      channel.htlcs.splice(channel.htlcs.indexOf(htlc), 1);
      if (outcome === 'failed') continue;
      const toA = htlc.offerer !== channel.a;
      channel.balanceA += toA ? htlc.amountMsat : -htlc.amountMsat;
      channel.balanceB += toA ? -htlc.amountMsat : htlc.amountMsat;
    }
    if (outcome === 'failed') return void this.fail(payment, 'htlc failed');
    payment.attempts[payment.attempts.length - 1]!.status = 'complete';
    payment.status = 'complete';
    payment.route[payment.route.length - 1]!.receipts.push({
      paymentHash,
      amountMsat: payment.amountMsat,
      settledAt: this.network.now(),
      customRecords: payment.customRecords,
      kind: payment.kind,
      label: payment.label,
    });
  }

  /**
   * update_fee: the opener sets the commitment fee of its channel with `peer`. Throws for the
   * other side (BOLT 2: only the funder sends update_fee) or a fee the opener cannot pay.
   */
  updateFee(peer: FakeNode, commitFeeMsat: bigint): void {
    const channel = this.channelWith(peer);
    if (!channel) throw new Error(`updateFee: no channel with ${peer.alias}`);
    if (channel.a !== this) throw new Error('updateFee: only the opener of a channel sends update_fee');
    const room = channel.balanceA - this.sides(channel).offeredLocal - channel.anchorsMsat;
    if (commitFeeMsat < 0n || commitFeeMsat > room)
      throw new Error(`updateFee: ${commitFeeMsat} msat is outside 0..${room} msat`);
    channel.commitFeeMsat = commitFeeMsat;
  }

  private record(
    preimage: string,
    destination: string,
    route: readonly FakeNode[],
    amountMsat: bigint,
    more: { kind: FakePaymentKind; hopAmounts: bigint[]; customRecords: Record<string, string>; label: string },
  ): FakePayment {
    const payment: FakePayment = {
      paymentHash: sha256(preimage),
      preimage,
      destination,
      amountMsat,
      feeMsat: (more.hopAmounts[0] ?? amountMsat) - amountMsat,
      customRecords: more.customRecords,
      label: more.label,
      createdAt: this.network.now(),
      kind: more.kind,
      route,
      attempts: [],
      status: 'pending',
      failure: null,
    };
    this.payments.set(payment.paymentHash, payment);
    this.hopAmounts.set(payment.paymentHash, more.hopAmounts);
    return payment;
  }

  /** Offers the payment's HTLCs along its route, then settles them unless `hold`. */
  private launch(payment: FakePayment, hold: boolean): FakePayment {
    const hops = this.lock(payment);
    if (typeof hops === 'string') return this.fail(payment, hops);
    this.attempt(payment, 'pending');
    this.inFlight.set(payment.paymentHash, hops);
    if (!hold) this.resolvePending(payment.paymentHash, 'complete');
    return payment;
  }

  /** Adds one HTLC per hop, or none and says why when a hop cannot carry it. */
  private lock(payment: FakePayment): Hop[] | string {
    const amounts = this.hopAmounts.get(payment.paymentHash) ?? [];
    const hops: Hop[] = [];
    let from: FakeNode = this;
    for (const [i, to] of payment.route.entries()) {
      const channel = from.channelWith(to);
      if (!channel || channel.state !== 'normal' || !from.connected || !to.connected) return 'no route to destination';
      const amountMsat = amounts[i] ?? payment.amountMsat;
      if (from.spendableMsat(channel) < amountMsat) return 'insufficient balance';
      hops.push({ channel, htlc: { offerer: from, amountMsat, paymentHash: payment.paymentHash } });
      from = to;
    }
    for (const hop of hops) hop.channel.htlcs.push(hop.htlc);
    return hops;
  }

  /** Records a new attempt of `payment`, as Core Lightning records a sendpay part. */
  private attempt(payment: FakePayment, status: FakePaymentStatus): void {
    const attempt = { createdAt: this.network.now(), status, index: this.attempts.length + 1, payment };
    payment.attempts.push(attempt);
    this.attempts.push(attempt);
  }

  private fail(payment: FakePayment, message: string): FakePayment {
    const last = payment.attempts[payment.attempts.length - 1];
    if (last?.status === 'pending') last.status = 'failed';
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

  /**
   * Opens a channel from `a` (the opener) to `b` with the given balances (msat; together whole
   * sats, as a funding output is). `commitFeeMsat` and `anchorsMsat` (default 0) are paid by `a`.
   */
  openChannel(
    a: FakeNode,
    b: FakeNode,
    balanceA: bigint,
    balanceB: bigint,
    reserveMsat = 10_000_000n,
    options: { readonly commitFeeMsat?: bigint; readonly anchorsMsat?: bigint } = {},
  ): FakeChannel {
    if ((balanceA + balanceB) % 1000n !== 0n) throw new Error('openChannel: the capacity must be whole sats');
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
      htlcs: [],
      commitFeeMsat: options.commitFeeMsat ?? 0n,
      anchorsMsat: options.anchorsMsat ?? 0n,
    };
    this.channels.push(channel);
    return channel;
  }
}
