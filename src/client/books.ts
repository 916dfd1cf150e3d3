/**
 * The round's books: the receiver's balance as the node reports it and as the agreement explains
 * it (docs/METHODOLOGY.md, section 9). Settlement payments received are taken before the channel is
 * read, and once more when the two then differ, in case one landed in between. The agreement's
 * first round records the baseline, only from a quiet reading: no HTLC in flight on the channel and
 * no keysend arriving while it is read, so that no payment is both in the baseline and counted after
 * it (which would pay it twice).
 */
import type { ChannelState, ReceivedPayment } from '../lightning/types.js';
import { agreedReceiverMsat, unexplainedMsat, type SettlementTotals } from './accounting.js';
import type { ClientConfig } from './config.js';
import type { Baseline, SettlementLedger } from './ledger-types.js';
import { RECEIPT_OVERLAP_MS, takeReceipts, type ReceiptDeps } from './receipts.js';

/** What the round was doing, so a failure says where it happened. */
export interface Progress {
  step: string;
  afterwards: string;
}

export interface Books {
  readonly channel: ChannelState;
  readonly observedMsat: bigint;
  readonly agreedMsat: bigint;
  readonly unexplained: bigint;
  /** When the keysends received were listed (null in the round that took the baseline). */
  readonly listedAt: number | null;
}

/** Why the round cannot use the channel now. */
export interface NoBooks {
  readonly action: 'refuse' | 'wait';
  readonly reason: string;
}

const observedOf = (config: ClientConfig, c: ChannelState): bigint =>
  config.role === 'receiver' ? c.localBalanceMsat : c.remoteBalanceMsat;

async function readChannel(deps: ReceiptDeps, progress: Progress): Promise<ChannelState | NoBooks> {
  const { config } = deps;
  progress.step = 'reading the channel';
  const channel = await deps.backend.getChannel(config.channel.id);
  if (channel === null) return { action: 'refuse', reason: `channel ${config.channel.id} not found at the node` };
  if (channel.peerId !== config.channel.peerId)
    return { action: 'refuse', reason: `channel ${config.channel.id} is with ${channel.peerId}, not the agreed peer` };
  return channel;
}

/** Records the baseline from a quiet reading of the channel, or says why not this round. */
async function takeBaseline(
  deps: ReceiptDeps,
  progress: Progress,
): Promise<{ baseline: Baseline; channel: ChannelState } | NoBooks> {
  progress.step = 'listing the keysends received';
  const from = deps.clock.now() - RECEIPT_OVERLAP_MS;
  const before = new Set((await deps.backend.listReceived(from)).map((r) => r.paymentHash));
  const channel = await readChannel(deps, progress);
  if ('reason' in channel) return channel;
  if (channel.pendingHtlcs.length > 0)
    return {
      action: 'wait',
      reason:
        `${channel.pendingHtlcs.length} HTLC(s) in flight on the channel; ` +
        "the agreement's baseline is taken when there are none",
    };
  const at = deps.clock.now();
  progress.step = 'listing the keysends received';
  const after: ReceivedPayment[] = await deps.backend.listReceived(from);
  if (after.some((r) => !before.has(r.paymentHash)))
    return {
      action: 'wait',
      reason: "a keysend arrived while the agreement's baseline was read; it is taken next round",
    };
  return {
    baseline: deps.ledger.recordBaseline({ receiverMsat: observedOf(deps.config, channel), at }, after),
    channel,
  };
}

/**
 * Reads the books for a round whose target (price and funding) is `targetMsat`; the keysends
 * received are listed once more when the unexplained amount is not the acknowledged one.
 */
export async function readBooks(
  deps: ReceiptDeps & { readonly ledger: SettlementLedger },
  progress: Progress,
  input: { targetMsat: bigint; acknowledgedMsat: bigint },
): Promise<Books | NoBooks> {
  const { targetMsat } = input;
  const { config } = deps;
  const accounts = deps.ledger.accounts();
  if (accounts === null) {
    const first = await takeBaseline(deps, progress);
    if ('reason' in first) return first;
    const observedMsat = observedOf(config, first.channel);
    return { channel: first.channel, observedMsat, agreedMsat: observedMsat, unexplained: 0n, listedAt: null };
  }
  const seen = new Set<string>();
  let receivedMsat = 0n;
  let listedAt = 0;
  const totals = (): SettlementTotals => ({
    ...accounts.totals,
    receivedMsat: accounts.totals.receivedMsat + receivedMsat,
  });
  const receive = async (): Promise<bigint> => {
    progress.step = 'listing the keysends received';
    const owedByProviderMsat = targetMsat - agreedReceiverMsat(config.role, totals());
    const got = await takeReceipts(deps, { baseline: accounts.baseline, owedByProviderMsat, seen });
    receivedMsat += got.settlementMsat;
    listedAt = got.listedAt;
    return got.settlementMsat;
  };
  const unexplainedOf = (c: ChannelState) =>
    unexplainedMsat({
      role: config.role,
      totals: totals(),
      observedReceiverMsat: observedOf(config, c),
      resolutionMsat: c.balanceResolutionMsat,
    });

  await receive();
  let channel = await readChannel(deps, progress);
  if ('reason' in channel) return channel;
  if (unexplainedOf(channel) !== input.acknowledgedMsat && (await receive()) !== 0n) {
    channel = await readChannel(deps, progress);
    if ('reason' in channel) return channel;
  }
  return {
    channel,
    observedMsat: observedOf(config, channel),
    agreedMsat: agreedReceiverMsat(config.role, totals()),
    unexplained: unexplainedOf(channel),
    listedAt,
  };
}
