/**
 * `peer-stables settle`: runs settlement rounds beside the peer's Lightning node, once (--once) or
 * every `intervalMs` until SIGINT or SIGTERM. Every round, the first one included, begins by
 * reconciling the ledger's open payments with the node (runRound), so nothing else does it here.
 * A dry run is chosen here, once: its ledger reads the real one (without the client lock) and
 * records nothing, so it can neither pay nor write (src/client/dry-run-ledger.ts).
 */
import { Registry } from 'prom-client';
import { loadClientConfig } from '../client/config.js';
import { serveAgreementDashboard } from '../client/dashboard-server.js';
import { dryRunLedger } from '../client/dry-run-ledger.js';
import { fetchQuotes } from '../client/fetch-quotes.js';
import { Ledger } from '../client/ledger.js';
import { serveMetrics } from '../client/metrics-server.js';
import { createSettleMetrics } from '../client/metrics.js';
import { runRound, type RoundDeps, type RoundReport } from '../client/round.js';
import { agreementStatus } from '../client/status-report.js';
import { loadDashboard } from '../dashboard/files.js';
import { ConfigError } from '../core/errors.js';
import { systemClock } from '../core/clock.js';
import { closeInReverse, type Closer } from '../core/closers.js';
import { createLogger } from '../core/log.js';
import { createBackend } from '../lightning/index.js';

const FETCH_TIMEOUT_MS = 10_000;

/** One line for the terminal per round. */
export function describeRound(r: RoundReport): string {
  const amount = r.amountMsat > 0n ? ` ${r.amountMsat} msat` : '';
  return `${new Date(r.at).toISOString()} ${r.action}${amount}: ${r.reason}`;
}

export async function runSettle(opts: {
  config: string;
  once: boolean;
  dryRun: boolean;
  /** Serve the agreement dashboard here (docs/DASHBOARDS.md); not with --once. */
  dashboard?: { host: string; port: number };
}): Promise<void> {
  const config = loadClientConfig(opts.config);
  const logger = createLogger({ level: config.log.level, name: 'peer-stables-settle' });
  const closers: Closer[] = [];
  try {
    const ledger = opts.dryRun ? Ledger.openShared(config.ledgerFile) : Ledger.open(config.ledgerFile);
    closers.push(() => ledger.close());
    const backend = await createBackend(config.lightning, { logger });
    closers.push(() => backend.close());
    const registry = new Registry();
    const metrics = createSettleMetrics(registry);
    if (config.metrics !== undefined && !opts.once) {
      const server = await serveMetrics(registry, config.metrics);
      closers.push(() => server.close());
      logger.info({ url: `${server.url}/metrics` }, 'serving settlement metrics');
    }
    if (opts.dashboard !== undefined && !opts.once) {
      const files = loadDashboard('agreement');
      if (files === null) throw new ConfigError('the agreement dashboard is not built: run `npm run build` first');
      const status = () => agreementStatus(config, ledger);
      const server = await serveAgreementDashboard({ files, status, logger, ...opts.dashboard });
      closers.push(() => server.close());
      logger.info({ url: server.url }, 'serving the agreement dashboard');
    }
    const deps: RoundDeps = {
      config,
      backend,
      ledger: opts.dryRun ? dryRunLedger(ledger) : ledger,
      clock: systemClock,
      logger,
      fetchQuotes: (path) => fetchQuotes(config.oracles, path, { timeoutMs: FETCH_TIMEOUT_MS }),
    };
    const nodeId = await backend.getNodeId();
    logger.info(
      { nodeId, role: config.role, channel: config.channel.id, dryRun: opts.dryRun },
      'settlement client started',
    );
    const round = async (): Promise<RoundReport> => {
      const report = await runRound(deps);
      metrics.observe(report, ledger);
      process.stdout.write(`${describeRound(report)}\n`);
      return report;
    };
    if (opts.once) {
      if ((await round()).action === 'error') process.exitCode = 1;
      return;
    }
    await everyInterval(config.intervalMs, round);
  } finally {
    await closeInReverse(closers);
  }
}

/**
 * Runs `round` now and then `intervalMs` after each one ends, until SIGINT or SIGTERM: the next
 * round is scheduled only when this one has finished, so two rounds never overlap, and a stop waits
 * for the round under way (its payment's outcome is written before the ledger closes). A round that
 * throws (the ledger cannot be written) stops the daemon.
 */
async function everyInterval(intervalMs: number, round: () => Promise<unknown>): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | null = null;
    let stopped = false;
    let running: Promise<unknown> = Promise.resolve();
    const stop = () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      void running.then(
        () => resolve(),
        () => resolve(),
      );
    };
    const next = () => {
      running = round().then(
        () => {
          if (!stopped) timer = setTimeout(next, intervalMs);
        },
        (err: unknown) => {
          stopped = true;
          reject(err);
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    next();
  });
}
