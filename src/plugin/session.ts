/**
 * What `init` opens inside the node, as a list of steps with their closers (src/core/closers.ts):
 * the ledger (with the one-client lock), the Core Lightning backend on lightningd's own socket (its
 * receipts carry what the htlc_accepted hook saw), and the schedule of rounds. Closing waits for
 * the round under way, so a payment's outcome is written before the ledger closes.
 */
import type { ClientConfig } from '../client/config.js';
import { fetchQuotes } from '../client/fetch-quotes.js';
import { Ledger } from '../client/ledger.js';
import { runRound, type RoundDeps, type RoundReport } from '../client/round.js';
import type { Clock } from '../core/clock.js';
import { closeInReverse, type Closer } from '../core/closers.js';
import type { Logger } from '../core/log.js';
import { createClnRpcBackend } from '../lightning/cln-rpc.js';
import type { HookRecords } from './htlc-hook.js';
import type { PluginSetup } from './manifest.js';
import { RoundSchedule } from './schedule.js';

/** The same limit as the settle daemon: a slow oracle costs a round at most this, never the node. */
const FETCH_TIMEOUT_MS = 10_000;

export interface SessionEnv {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly records: HookRecords;
  /** Where quotes come from; tests give signed quotes without HTTP. Default: the configured oracles. */
  readonly fetchQuotes?: (config: ClientConfig) => RoundDeps['fetchQuotes'];
  readonly randomBytes?: RoundDeps['randomBytes'];
}

export interface Session {
  readonly config: ClientConfig;
  readonly ledger: Ledger;
  readonly schedule: RoundSchedule<RoundReport>;
  close(): Promise<void>;
}

/** Opens the session; throws (having closed what it opened) when the ledger or the backend cannot be set up. */
export function openSession(setup: PluginSetup, env: SessionEnv): Session {
  const { config } = setup;
  const closers: Closer[] = [];
  try {
    const ledger = Ledger.open(config.ledgerFile);
    closers.push(() => ledger.close());
    const backend = createClnRpcBackend({
      socketPath: setup.socketPath,
      logger: env.logger,
      recordsOf: env.records.recordsOf,
    });
    closers.push(() => backend.close());
    const quotes = env.fetchQuotes ?? ((c) => (path) => fetchQuotes(c.oracles, path, { timeoutMs: FETCH_TIMEOUT_MS }));
    const deps: RoundDeps = {
      config,
      backend,
      ledger,
      clock: env.clock,
      logger: env.logger,
      fetchQuotes: quotes(config),
      ...(env.randomBytes ? { randomBytes: env.randomBytes } : {}),
    };
    const onFailure = (err: unknown) => env.logger.error({ err }, 'a round could not be recorded: rounds stopped');
    const schedule = new RoundSchedule(() => runRound(deps), config.intervalMs, env.clock, onFailure);
    closers.push(() => schedule.stop());
    void backend.keysendMethod().then(
      (method) => env.logger.info({ method }, 'Core Lightning pays by this keysend command'),
      (err: unknown) => env.logger.error({ err }, 'this node cannot pay settlements'),
    );
    return { config, ledger, schedule, close: async () => void (await closeInReverse(closers)) };
  } catch (err) {
    void closeInReverse(closers);
    throw err;
  }
}
