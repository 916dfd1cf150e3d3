/**
 * A LightningBackend straight over a FakeNode, with no API in between: for testing the settlement
 * round's logic. The API adapters (CLN, LND) are tested against fake servers of their own.
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
  feeMsat: p.status === 'complete' ? p.feeMsat : null,
  failure: p.failure,
});

export class FakeNodeBackend implements LightningBackend {
  /** Set to make the next keysend reject as if the node could not be reached. */
  unreachable = false;

  constructor(readonly node: FakeNode) {}

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
      normal: channel.state === 'normal',
      peerConnected: this.node.connected && peer.connected,
      spendableMsat: local > channel.reserveMsat ? local - channel.reserveMsat : 0n,
      receivableMsat: remote > channel.reserveMsat ? remote - channel.reserveMsat : 0n,
      localBalanceMsat: local,
      remoteBalanceMsat: remote,
      balanceResolutionMsat: 1n,
      pendingHtlcs: Array.from({ length: channel.pendingHtlcs }, () => ({
        direction: 'out' as const,
        amountMsat: 0n,
        paymentHash: '00'.repeat(32),
      })),
    };
  }

  async keysend(request: KeysendRequest): Promise<PaymentResult> {
    if (this.unreachable) throw new Error('connect ECONNREFUSED');
    return result(this.node.keysend({ ...request, customRecords: { ...request.customRecords } }));
  }

  async lookupPayment(paymentHash: string): Promise<PaymentResult | null> {
    const p = this.node.payments.get(paymentHash);
    return p ? result(p) : null;
  }

  async listReceived(sinceMs: number): Promise<ReceivedPayment[]> {
    return this.node.receipts.filter((r) => r.settledAt >= sinceMs).map((r) => ({ ...r }));
  }

  async close(): Promise<void> {}
}
