/**
 * `peer-stables status`: the agreement, its accounting (the receiver's balance as observed and as
 * the agreement explains it, the unexplained amount and whether payment is paused), node outages,
 * the channel's life (status-channel.ts), the last rounds and payments (with the node's payment hash
 * and proof of payment), and the peer's misses, from the ledger. It reads the ledger beside
 * a running client, without its lock. With --json it prints what the agreement dashboard shows.
 */
import { loadClientConfig } from '../client/config.js';
import { Ledger } from '../client/ledger.js';
import { OUTAGE_WINDOW, agreementStatus, findOutages, oracleUrlRedactor } from '../client/status-report.js';
import { PRICE_EXPONENT, formatDecimal } from '../core/fixed.js';
import { channelLines } from './status-channel.js';

/** How many changes of the channel's state status lists. */
const CHANNEL_HISTORY = 20;

export { findOutages, type Outage } from '../client/status-report.js';

const iso = (ms: number) => new Date(ms).toISOString();
const msat = (v: bigint | null) => (v === null ? '-' : `${v} msat`);

function accountingLines(ledger: Ledger, onUnexplained: string): string[] {
  const accounts = ledger.accounts();
  if (accounts === null) return ["accounting: no baseline yet (the agreement's first round records it)"];
  const last = ledger.lastMeasuredRound();
  const acknowledged = ledger.acknowledgedUnexplainedMsat();
  const unexplained = last?.unexplainedMsat ?? null;
  const lines = [
    `baseline: receiver ${accounts.baseline.receiverMsat} msat at ${iso(accounts.baseline.at)}; settlements since: ` +
      `${accounts.totals.paidMsat} msat paid, ${accounts.totals.receivedMsat} msat received`,
    `receiver balance: ${msat(last?.agreedReceiverMsat ?? null)} as the agreement explains it, ` +
      `${msat(last?.receiverBalanceMsat ?? null)} as the node reported it${last ? ` at ${iso(last.at)}` : ''}`,
    `unexplained: ${msat(unexplained)} (acknowledged: ${acknowledged} msat); never part of what is owed`,
  ];
  if (unexplained !== null && unexplained !== acknowledged)
    lines.push(
      onUnexplained === 'pause'
        ? 'PAUSED: automatic payment waits until you check the channel ' +
            'and run `peer-stables acknowledge --config <this file>`'
        : 'onUnexplained is "continue": payments go on; the unexplained amount is still not paid for',
    );
  const others = ledger.otherReceiptsSince(accounts.baseline.at);
  if (others.count > 0)
    lines.push(`keysends received that are not settlements: ${others.count}, ${others.amountMsat} msat in all`);
  return lines;
}

export function statusText(configPath: string, rounds = 10): string {
  const config = loadClientConfig(configPath);
  const ledger = Ledger.openShared(config.ledgerFile);
  try {
    const usd = formatDecimal(config.stableUsd, PRICE_EXPONENT);
    // As in status --json: an oracle URL's user and password reach neither the terminal nor a log.
    const redact = oracleUrlRedactor(config);
    const urls = config.oracles.map((o) => redact(o.url)).join(', ');
    const lines = [
      `agreement: ${config.role} of ${usd} USD on channel ${config.channel.id} with ${config.channel.peerId}`,
      `oracles: ${config.threshold} of ${config.oracles.length} (${urls}); funding ${config.funding ? 'on' : 'off'}; ` +
        `onUnexplained ${config.onUnexplained}`,
      ...channelLines(ledger.channelStates(CHANNEL_HISTORY), ledger.closingStart(), config.stableUsd, ledger.funding()),
      ...accountingLines(ledger, config.onUnexplained),
      `misses by the peer: ${ledger.missCount()}; open payments: ${ledger.openPayments().length}; ` +
        `open expectations: ${ledger.openExpectations().length}`,
    ];
    const outages = findOutages(ledger.rounds(OUTAGE_WINDOW));
    for (const o of outages.slice(0, 5))
      lines.push(
        o.ongoing
          ? `OUTAGE: ${o.rounds} round(s) failed since ${iso(o.from)}, none succeeded since: ${redact(o.reason)}`
          : `outage: ${o.rounds} round(s) failed from ${iso(o.from)} to ${iso(o.to)}: ${redact(o.reason)}`,
      );
    lines.push('', 'last rounds:');
    for (const r of ledger.rounds(rounds)) {
      const price = r.price === null ? '-' : formatDecimal(BigInt(r.price), PRICE_EXPONENT);
      const unexplained =
        r.unexplainedMsat === null || r.unexplainedMsat === 0n ? '' : `  unexplained ${r.unexplainedMsat} msat`;
      const amount = String(r.amountMsat).padStart(12);
      lines.push(
        `  ${iso(r.at)} ${r.action.padEnd(7)} ${amount} msat  price ${price}  ` +
          `receiver ${msat(r.receiverBalanceMsat)}${unexplained}  ${redact(r.reason)}`,
      );
    }
    lines.push('', 'last payments:');
    for (const p of ledger.payments(rounds)) {
      const failure = p.failure ? `  (${redact(p.failure)})` : '';
      // The node's hash and proof of payment (Core Lightning draws its own preimage); ours until it reports them.
      const proof = p.nodePreimage === null ? '' : `  preimage ${p.nodePreimage}`;
      lines.push(
        `  ${iso(p.createdAt)} ${p.status.padEnd(8)} ${String(p.amountMsat).padStart(12)} msat  ` +
          `hash ${p.nodePaymentHash ?? p.paymentHash}${proof}  record ${p.commitment}${failure}`,
      );
    }
    return lines.join('\n');
  } finally {
    ledger.close();
  }
}

/** `status --json`: the same figures as the agreement dashboard (src/client/status-report.ts), as JSON. */
export function statusJson(configPath: string): string {
  const config = loadClientConfig(configPath);
  const ledger = Ledger.openShared(config.ledgerFile);
  try {
    return JSON.stringify(agreementStatus(config, ledger), null, 2);
  } finally {
    ledger.close();
  }
}
