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
import { PRICE_EXPONENT, divRoundHalfEven, formatDecimal } from '../core/fixed.js';

/** The funding agreed when settlement stopped: from the index (10^-25 USD) and, from an older ledger, in msat. */
export interface FundingAgreed {
  readonly indexUsd: bigint;
  readonly accruedMsat: bigint;
}

const USD_E25_PER_E8 = 10n ** 17n;

const usd = (v: bigint) => `${formatDecimal(v, PRICE_EXPONENT)} USD`;

/** What a close left each side with, against the agreement; null until the close was valued. */
export function closeValuationLine(
  start: ChannelStateRecord,
  stableUsd: bigint,
  funding: FundingAgreed | null = null,
): string | null {
  if (start.closePrice === null || start.agreedReceiverMsat === null) return null;
  const value = usdValueOf(start.agreedReceiverMsat, start.closePrice);
  // The receiver was owed the stable amount plus the funding agreed (docs/METHODOLOGY.md 8.6).
  const fundingUsd =
    funding === null
      ? 0n
      : divRoundHalfEven(funding.indexUsd, USD_E25_PER_E8) + usdValueOf(funding.accruedMsat, start.closePrice);
  const owed = stableUsd + fundingUsd;
  const gain = value - owed;
  const who =
    gain === 0n
      ? 'neither side gained'
      : gain > 0n
        ? `the receiver gained ${usd(gain)} and the provider lost as much`
        : `the receiver lost ${usd(-gain)} and the provider gained as much`;
  return (
    `at close: the receiver's last settled balance ${start.agreedReceiverMsat} msat was worth ${usd(value)} ` +
    `at ${usd(start.closePrice)}/BTC, against ${usd(owed)} agreed` +
    (fundingUsd === 0n ? '' : ` (${usd(stableUsd)} and ${usd(fundingUsd)} of funding)`) +
    `: ${who}`
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
  funding: FundingAgreed | null = null,
): string[] {
  const now = history[0];
  if (now === undefined) return ['channel state: not seen yet (each round reads it from the node)'];
  const lines = [`channel state: ${now.state} (${now.nodeState}): ${describeState(now.state)}`];
  if (closingStart !== null)
    lines.push(
      closeValuationLine(closingStart, stableUsd, funding) ??
        'at close: not valued yet (waiting for a trustworthy price)',
    );
  lines.push('channel history:');
  for (const s of history)
    lines.push(`  ${new Date(s.at).toISOString()} ${s.state.padEnd(8)} ${s.nodeState} (${s.source})`);
  return lines;
}
