/**
 * The settle daemon's Prometheus metrics (prom-client, as the oracle's): what an operator alerts
 * on. The unexplained amount and whether payment is paused come first: a channel moved by something
 * no settlement explains is excluded from what is owed, and by default stops automatic payment until
 * someone looks (docs/METHODOLOGY.md, section 9). Amounts are for dashboards: the ledger has the
 * exact integers.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Ledger } from './ledger.js';
import type { RoundReport } from './round.js';

export interface SettleMetrics {
  /** Updates every metric from a round's report and the ledger after it. */
  observe(
    report: RoundReport,
    ledger: Pick<Ledger, 'paymentCounts' | 'missCount' | 'acknowledgedUnexplainedMsat'>,
  ): void;
}

export function createSettleMetrics(registry: Registry): SettleMetrics {
  const registers = [registry];
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name: `peer_stables_settle_${name}`, help, labelNames, registers });
  const unexplained = gauge(
    'unexplained_msat',
    "What moved the receiver's balance that no settlement explains (observed - agreed), msat; never paid for",
  );
  const acknowledged = gauge('acknowledged_unexplained_msat', 'The unexplained amount the operator last acknowledged');
  const paused = gauge('paused', '1 while automatic payment is paused by an unexplained amount not acknowledged');
  const agreed = gauge('agreed_receiver_msat', "The receiver's balance as the agreement explains it, msat");
  const observed = gauge('observed_receiver_msat', "The receiver's balance as the node reports it, msat");
  const payments = gauge('payments', 'Settlement payments in the ledger by status', ['status']);
  const misses = gauge('peer_misses', 'Times the peer did not pay what it owed within receiptGraceMs');
  const lastRound = gauge('last_round_timestamp_seconds', 'When the last round ran, by its action', ['action']);
  const rounds = new Counter({
    name: 'peer_stables_settle_rounds_total',
    help: 'Rounds by action (pay, expect, none, skip, refuse, wait, dry-run, error)',
    labelNames: ['action'],
    registers,
  });
  return {
    observe(report, ledger) {
      rounds.inc({ action: report.action });
      lastRound.set({ action: report.action }, report.at / 1000);
      if (report.unexplainedMsat !== null) {
        unexplained.set(Number(report.unexplainedMsat));
        paused.set(report.paused ? 1 : 0);
      }
      if (report.agreedReceiverMsat !== null) agreed.set(Number(report.agreedReceiverMsat));
      if (report.receiverBalanceMsat !== null) observed.set(Number(report.receiverBalanceMsat));
      acknowledged.set(Number(ledger.acknowledgedUnexplainedMsat()));
      for (const [status, n] of Object.entries(ledger.paymentCounts())) payments.set({ status }, n);
      misses.set(ledger.missCount());
    },
  };
}
