/**
 * The channel's life as `peer-stables status` shows it: the agreement's state now, each change the
 * ledger kept (when, what the node called it, and whether a round polled it or Core Lightning told
 * the plugin), and, once closing started, what the receiver's last settled position was worth at
 * the price at close against the stable amount: what the close gained or cost each side, so that a
 * provider who closes after a rally (leaving the receiver short) is visible.
 */
import type { ChannelStateRecord } from '../client/ledger-types.js';
import { describeState } from '../client/lifecycle.js';
import { usdValueOf } from '../client/stable-math.js';
import { PRICE_EXPONENT, formatDecimal } from '../core/fixed.js';

const usd = (v: bigint) => `${formatDecimal(v, PRICE_EXPONENT)} USD`;

/** What a close left each side with, against the agreement; null until the close was valued. */
export function closeValuationLine(start: ChannelStateRecord, stableUsd: bigint): string | null {
  if (start.closePrice === null || start.agreedReceiverMsat === null) return null;
  const value = usdValueOf(start.agreedReceiverMsat, start.closePrice);
  const gain = value - stableUsd;
  const who =
    gain === 0n
      ? 'neither side gained'
      : gain > 0n
        ? `the receiver gained ${usd(gain)} and the provider lost as much`
        : `the receiver lost ${usd(-gain)} and the provider gained as much`;
  return (
    `at close: the receiver's last settled balance ${start.agreedReceiverMsat} msat was worth ${usd(value)} ` +
    `at ${usd(start.closePrice)}/BTC, against ${usd(stableUsd)} agreed: ${who}`
  );
}

/**
 * The lines of the channel's life, newest change first; `history` is the ledger's, newest first, and
 * `closingStart` the change that started the close (Ledger.closingStart, the one rule for it).
 */
export function channelLines(
  history: readonly ChannelStateRecord[],
  closingStart: ChannelStateRecord | null,
  stableUsd: bigint,
): string[] {
  const now = history[0];
  if (now === undefined) return ['channel state: not seen yet (each round reads it from the node)'];
  const lines = [`channel state: ${now.state} (${now.nodeState}): ${describeState(now.state)}`];
  if (closingStart !== null)
    lines.push(
      closeValuationLine(closingStart, stableUsd) ?? 'at close: not valued yet (waiting for a trustworthy price)',
    );
  lines.push('channel history:');
  for (const s of history)
    lines.push(`  ${new Date(s.at).toISOString()} ${s.state.padEnd(8)} ${s.nodeState} (${s.source})`);
  return lines;
}
