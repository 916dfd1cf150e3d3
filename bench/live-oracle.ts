/**
 * A whole oracle over a benchmark database, wired as src/oracle/run.ts wires one: the store, the
 * real OracleService signing the synthetic market every 5 s (funding every 60 s), the DLC service
 * passing every 10 s, the hourly pruner, and createApp + startServer. Only the exchange pollers are
 * missing (bench/market.ts stands in). Its clock runs at real speed from just after the database's
 * end, so the history is the last 30 days as an oracle would hold them.
 *
 * Every index tick records how late it started: actual start minus when it was due (the previous
 * start plus the interval, as Node schedules setInterval), which is what the target is
 * about: a request must never hold up the signing tick.
 */
import { configSchema } from '../src/config/schema.js';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { publicKeyOf } from '../src/attest/keys.js';
import { ATTESTATION_TAG } from '../src/attest/hash.js';
import type { Clock } from '../src/core/clock.js';
import { PRICE_EXPONENT } from '../src/core/fixed.js';
import { silentLogger } from '../src/core/log.js';
import { openDlcService } from '../src/dlc/open.js';
import { createOracleMetrics } from '../src/oracle/metrics.js';
import { OracleService } from '../src/oracle/service.js';
import { createApp, startServer } from '../src/server/app.js';
import { NEW_FUNDING_INDEX } from '../src/index/funding-index.js';
import { openStore } from '../src/store/sqlite.js';
import { BENCH_SECRET_KEY } from './fixtures.js';
import { conversionPlans, fundingPlan, indexPlan, spotReadings } from './market.js';
import { END_MS, FUNDING_EVERY_MS, INDEX_EVERY_MS, layout } from './serve-db.js';

const HOUR_MS = 3_600_000;
const RETENTION_MS = 30 * 24 * HOUR_MS;

/** One index tick: when it started (performance.now(), ms), how late, and how long it ran. */
export interface TickSample {
  readonly at: number;
  readonly latenessMs: number;
  /** Aggregate, sign, verify, store (an fsync'd SQLite commit) and publish to every /stream. */
  readonly durationMs: number;
}

export interface LiveOracle {
  readonly url: string;
  /** Every index tick so far, oldest first. */
  readonly ticks: readonly TickSample[];
  close(): Promise<void>;
}

/** The oracle's clock: real time, moved to start one second after the database ends. */
export function clockAfterDatabase(): Clock {
  const offset = END_MS + 1000 - Date.now();
  return { now: () => Date.now() + offset };
}

/** Starts the oracle over the database copy in `dir`, serving /history and /dlc pages of up to `maxLimit`. */
export async function startLiveOracle(dir: string, maxLimit: number): Promise<LiveOracle> {
  const clock = clockAfterDatabase();
  const { dataDir, keyFile, dlc: dlcConfig } = layout(dir);
  const publicKeyHex = Buffer.from(publicKeyOf(BENCH_SECRET_KEY)).toString('hex');
  const store = openStore({ dataDir, historyCacheSize: 10_000, clock, logger: silentLogger });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'peer_stables_' });
  const funding = fundingPlan(() => clock.now(), FUNDING_EVERY_MS);
  // A benchmark key's own index: signed on every funding tick, as in production.
  if (store.fundingIndex(publicKeyHex, funding.pair) === null)
    store.startFundingIndex(publicKeyHex, funding.pair, NEW_FUNDING_INDEX);
  const service = new OracleService({
    index: indexPlan(),
    conversions: conversionPlans(),
    funding,
    secretKey: BENCH_SECRET_KEY,
    publicKeyHex,
    store,
    readings: () => spotReadings(clock.now()),
    clock,
    logger: silentLogger,
    metrics: createOracleMetrics(registry),
    info: {
      name: 'benchmark',
      softwareVersion: 'bench',
      protocolVersion: 1,
      tag: ATTESTATION_TAG,
      kinds: ['index_price', 'funding_rate', 'perp_premium'],
      pair: 'BTC/USD',
      exponent: PRICE_EXPONENT,
      tickIntervalMs: INDEX_EVERY_MS,
      methodology: 'synthetic market (bench/market.ts)',
      config: {},
    },
  });
  const dlc = openDlcService({
    config: dlcConfig,
    dataDir,
    keyFile,
    secretKey: BENCH_SECRET_KEY,
    history: store,
    clock,
    logger: silentLogger,
  });
  const app = createApp({
    dlc,
    state: service,
    history: store,
    registry,
    logger: silentLogger,
    clock,
    config: {
      ...configSchema.shape.server.parse(undefined),
      // Out of reach: the limiter does its work on every request but never answers 429.
      rateLimit: { windowMs: 60_000, max: 1_000_000_000 },
      trustProxy: false,
      maxHistoryLimit: maxLimit,
      // Every load client is 127.0.0.1: one address may hold every stream.
      maxStreamsPerClient: 1000,
      tickIntervalMs: INDEX_EVERY_MS,
      fundingTickIntervalMs: FUNDING_EVERY_MS,
    },
  });
  const server = await startServer(app, { host: '127.0.0.1', port: 0 });

  service.tick();
  service.fundingTick();
  dlc.start();
  const ticks: TickSample[] = [];
  let due = performance.now() + INDEX_EVERY_MS;
  const ticker = setInterval(() => {
    const at = performance.now();
    const latenessMs = at - due;
    due = at + INDEX_EVERY_MS;
    service.tick();
    ticks.push({ at, latenessMs, durationMs: performance.now() - at });
  }, INDEX_EVERY_MS);
  const fundingTicker = setInterval(() => service.fundingTick(), FUNDING_EVERY_MS);
  const prune = (): number => store.prune(clock.now() - RETENTION_MS);
  prune();
  const pruner = setInterval(prune, HOUR_MS);

  return {
    url: server.url,
    ticks,
    async close() {
      clearInterval(ticker);
      clearInterval(fundingTicker);
      clearInterval(pruner);
      await server.close();
      dlc.close();
      store.close();
    },
  };
}
