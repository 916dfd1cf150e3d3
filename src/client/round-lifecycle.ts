/**
 * The round's look at the channel's life (src/client/lifecycle.ts): each round reads the channel's
 * state from the node, records it when it changed (the plugin also records what Core Lightning
 * tells it at once), and settles only while the channel is active. Once closing starts, the first
 * trustworthy price values the receiver's last settled position at close, for `status`.
 */
import { agreedReceiverMsat } from './accounting.js';
import type { Progress } from './books.js';
import { agreementStateOf, describeState, hasEnded, settlesIn } from './lifecycle.js';
import type { RoundDeps } from './round.js';
import { roundQuotes } from './round-quotes.js';

/** What following the channel needs: a round's dependencies but its source of preimages. */
export type LifecycleDeps = Omit<RoundDeps, 'randomBytes'>;

/**
 * Records the channel's state; null while the agreement settles, else why it does not (and the
 * price that valued the close, when this round valued it).
 */
export async function followChannel(
  deps: LifecycleDeps,
  now: number,
  progress: Progress,
): Promise<{ reason: string; price: bigint | null } | null> {
  const { config, ledger } = deps;
  progress.step = "reading the channel's state";
  const channel = await deps.backend.getChannel(config.channel.id);
  if (channel === null) return { reason: `channel ${config.channel.id} not found at the node`, price: null };
  const state = agreementStateOf(channel.nodeState);
  if (ledger.recordChannelState({ at: now, nodeState: channel.nodeState, state, source: 'poll' }))
    deps.logger.info({ nodeState: channel.nodeState, state }, 'the channel changed state');
  if (settlesIn(state)) return null;
  const price = hasEnded(state) ? await valueTheClose(deps, now, progress) : null;
  return { reason: `${describeState(state)} (the node says ${channel.nodeState})`, price };
}

/** Values the close at the first trustworthy price once it started, if not done yet; the price used, or null. */
async function valueTheClose(deps: LifecycleDeps, now: number, progress: Progress): Promise<bigint | null> {
  const start = deps.ledger.closeToValue();
  const accounts = deps.ledger.accounts();
  if (start === null || accounts === null) return null;
  progress.step = 'fetching the index quotes to value the close';
  const { selection } = await roundQuotes(deps, 'index_price', now);
  if (!selection.ok) return null;
  deps.ledger.valueClose(start.id, selection.value, agreedReceiverMsat(deps.config.role, accounts.totals));
  return selection.value;
}
