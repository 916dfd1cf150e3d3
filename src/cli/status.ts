/** `peer-stables status`: the agreement, the last rounds and payments, and the peer's misses, from the ledger. */
import { loadClientConfig } from '../client/config.js';
import { Ledger } from '../client/ledger.js';
import { PRICE_EXPONENT, formatDecimal } from '../core/fixed.js';

export function statusText(configPath: string, rounds = 10): string {
  const config = loadClientConfig(configPath);
  const ledger = Ledger.open(config.ledgerFile);
  try {
    const lines = [
      `agreement: ${config.role} of ${formatDecimal(config.stableUsd, PRICE_EXPONENT)} USD on channel ${config.channel.id} with ${config.channel.peerId}`,
      `oracles: ${config.threshold} of ${config.oracles.length} (${config.oracles.map((o) => o.url).join(', ')}); funding ${config.funding ? 'on' : 'off'}`,
      `misses by the peer: ${ledger.missCount()}; open payments: ${ledger.openPayments().length}; open expectations: ${ledger.openExpectations().length}`,
      '',
      'last rounds:',
    ];
    for (const r of ledger.rounds(rounds)) {
      const price = r.price === null ? '-' : formatDecimal(BigInt(r.price), PRICE_EXPONENT);
      const balance = r.receiverBalanceMsat === null ? '-' : `${r.receiverBalanceMsat} msat`;
      lines.push(
        `  ${new Date(r.at).toISOString()} ${r.action.padEnd(7)} ${String(r.amountMsat).padStart(12)} msat  price ${price}  receiver ${balance}  ${r.reason}`,
      );
    }
    lines.push('', 'last payments:');
    for (const p of ledger.payments(rounds)) {
      lines.push(
        `  ${new Date(p.createdAt).toISOString()} ${p.status.padEnd(8)} ${String(p.amountMsat).padStart(12)} msat  hash ${p.paymentHash}${p.failure ? `  (${p.failure})` : ''}`,
      );
    }
    return lines.join('\n');
  } finally {
    ledger.close();
  }
}
