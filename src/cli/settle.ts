/**
 * `peer-stables settle`: runs settlement rounds beside the peer's Lightning node, once (--once) or
 * every `intervalMs` until SIGINT or SIGTERM. Every round, the first one included, begins by
 * reconciling the ledger's open payments with the node (runRound), so nothing else does it here.
 */
import { loadClientConfig } from '../client/config.js';
import { fetchQuotes } from '../client/fetch-quotes.js';
import { Ledger } from '../client/ledger.js';
import { runRound, type RoundReport } from '../client/round.js';
import { systemClock } from '../core/clock.js';
import { createLogger } from '../core/log.js';
import { createBackend } from '../lightning/index.js';

const FETCH_TIMEOUT_MS = 10_000;

/** One line for the terminal per round. */
export function describeRound(r: RoundReport): string {
  const amount = r.amountMsat > 0n ? ` ${r.amountMsat} msat` : '';
  return `${new Date(r.at).toISOString()} ${r.action}${amount}: ${r.reason}`;
}

export async function runSettle(opts: { config: string; once: boolean; dryRun: boolean }): Promise<void> {
  const config = loadClientConfig(opts.config);
  const logger = createLogger({ level: config.log.level, name: 'peer-stables-settle' });
  const backend = await createBackend(config.lightning, { logger });
  const ledger = Ledger.open(config.ledgerFile);
  const deps = {
    config,
    backend,
    ledger,
    clock: systemClock,
    logger,
    dryRun: opts.dryRun,
    fetchQuotes: (path: '/price' | '/funding') => fetchQuotes(config.oracles, path, { timeoutMs: FETCH_TIMEOUT_MS }),
  };
  try {
    const nodeId = await backend.getNodeId();
    logger.info(
      { nodeId, role: config.role, channel: config.channel.id, dryRun: opts.dryRun },
      'settlement client started',
    );
    const round = async () => {
      try {
        process.stdout.write(`${describeRound(await runRound(deps))}\n`);
      } catch (err) {
        // The node or the ledger failed mid-round: report, and let the next round reconcile.
        logger.error({ err: (err as Error).message }, 'round failed');
        process.stdout.write(`${new Date().toISOString()} error: ${(err as Error).message}\n`);
        if (opts.once) throw err;
      }
    };
    await round();
    if (opts.once) return;
    // The next round is scheduled only when this one has finished: two rounds at once could each
    // see the other's payment as unknown and pay again.
    await new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      let stopped = false;
      const next = () => {
        timer = setTimeout(() => {
          timer = null;
          void round().finally(() => {
            if (!stopped) next();
          });
        }, config.intervalMs);
      };
      const stop = () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      next();
    });
  } finally {
    ledger.close();
    await backend.close();
  }
}
