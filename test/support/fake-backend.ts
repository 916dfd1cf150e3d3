/**
 * A LightningBackend straight over a FakeNode, with no API in between: for testing the settlement
 * round's logic. It reports the model's figures exactly (the contract's as-if-failed balances, to
 * the msat, and every HTLC in flight); the API adapters (CLN, LND) are tested against fake servers
 * of their own, and all of them run the one contract suite in test/lightning/contract.test.ts.
 */
import type {
  ChannelState,
  KeysendRequest,
  LightningBackend,
  PaymentResult,
  ReceivedPayment,
} from '../../src/lightning/types.js';
import type { FakeNode, FakePayment } from './fake-lightning.js';

const result = (p: FakePayment): PaymentResult => ({
  paymentHash: p.paymentHash,
  status: p.status,
  preimage: p.status === 'complete' ? p.preimage : null,
  feeMsat: p.status === 'complete' ? p.feeMsat : null,
  failure: p.failure,
});

/** The fake channel's state by Core Lightning's names, which src/client/lifecycle.ts maps. */
const NODE_STATES = {
  opening: 'CHANNELD_AWAITING_LOCKIN',
  normal: 'CHANNELD_NORMAL',
  closing: 'CHANNELD_SHUTTING_DOWN',
  onchain: 'ONCHAIN',
  closed: 'CLOSED',
} as const;

export interface FakeNodeBackendOptions {
  /**
   * Report the records of received keysends (as LND does; default true), or null (as Core Lightning
   * does for a keysend that carried no settlement note).
   */
  readonly reportsRecords?: boolean;
}

export class FakeNodeBackend implements LightningBackend {
  /** Set to make the next keysend reject as if the node could not be reached. */
  unreachable = false;
  private readonly reportsRecords: boolean;

  constructor(
    readonly node: FakeNode,
    options: FakeNodeBackendOptions = {},
  ) {
    this.reportsRecords = options.reportsRecords ?? true;
  }

  async getNodeId(): Promise<string> {
    return this.node.id;
  }

  async getChannel(channelId: string): Promise<ChannelState | null> {
    const channel = this.node.channels().find((c) => c.shortChannelId === channelId);
    if (!channel) return null;
    const { local, remote, peer } = this.node.sides(channel);
    return {
      channelId: channel.shortChannelId,
      peerId: peer.id,
      nodeState: NODE_STATES[channel.state],
      normal: channel.state === 'normal',
      peerConnected: this.node.connected && peer.connected,
      spendableMsat: this.node.spendableMsat(channel),
      receivableMsat: peer.spendableMsat(channel),
      localBalanceMsat: local,
      remoteBalanceMsat: remote,
      balanceResolutionMsat: 1n,
      pendingHtlcs: channel.htlcs.map((h) => ({
        direction: h.offerer === this.node ? ('out' as const) : ('in' as const),
        amountMsat: h.amountMsat,
        paymentHash: h.paymentHash,
      })),
    };
  }

  async keysend(request: KeysendRequest): Promise<PaymentResult> {
    if (this.unreachable) throw new Error('connect ECONNREFUSED');
    return result(this.node.keysend({ ...request, customRecords: { ...request.customRecords } }));
  }

  async paymentCursor(): Promise<string | null> {
    return null;
  }

  async lookupPayment(paymentHash: string): Promise<PaymentResult | null> {
    const p = this.node.payments.get(paymentHash);
    return p ? result(p) : null;
  }

  /** Received keysends only, as the real backends list them (invoice payments are not settlements). */
  async listReceived(sinceMs: number): Promise<ReceivedPayment[]> {
    return this.node.receipts
      .filter((r) => r.kind === 'keysend' && r.settledAt >= sinceMs)
      .map((r) => ({
        paymentHash: r.paymentHash,
        amountMsat: r.amountMsat,
        settledAt: r.settledAt,
        customRecords: this.reportsRecords ? { ...r.customRecords } : null,
      }));
  }

  async close(): Promise<void> {}
}
