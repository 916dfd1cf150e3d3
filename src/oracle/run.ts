/**
 * Builds and starts a whole oracle from a validated configuration: key, store, one ccxt client per
 * exchange, poller, tick loop and HTTP server. Returns a handle whose close() stops everything in
 * the reverse order.
 */
import { join } from 'node:path';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { loadSecretKey, publicKeyOf } from '../attest/keys.js';
import { PROTOCOL_VERSION, type AttestationKind } from '../attest/types.js';
import { ATTESTATION_TAG } from '../attest/hash.js';
import type { FundingConfig, OracleConfig, MarketConfig } from '../config/schema.js';
import { systemClock, type Clock } from '../core/clock.js';
import { PRICE_EXPONENT, RATE_EXPONENT, formatDecimal } from '../core/fixed.js';
import type { Logger } from '../core/log.js';
import { createMarketClient, type MarketClient } from '../feeds/exchange.js';
import { Poller } from '../feeds/poller.js';
import { FUNDING_PERIOD_MS, sourceId, type FundingObservation, type Observation, type SourceSpec } from '../feeds/types.js';
import { createApp, startServer } from '../server/app.js';
import { openStore } from '../store/sqlite.js';
import { acquireLockFile } from '../core/lock-file.js';
import { ConfigError } from '../core/errors.js';
import { openDlcService } from '../dlc/open.js';
import { createOracleMetrics } from './metrics.js';
import { OracleService, type MarketPlan } from './service.js';
import { SOFTWARE_VERSION } from './version.js';

export interface RunningOracle {
  readonly url: string;
  readonly publicKeyHex: string;
  readonly service: OracleService;
  close(): Promise<void>;
}

const HOUR_MS = 3_600_000;
/** One oracle per data directory: sequences and DLC attestations must have a single writer. */
const LOCK_FILE = 'oracle.lock';

function plan(pair: string, market: MarketConfig): MarketPlan {
  return { pair, sourceIds: market.sources.map(sourceId), rules: market.rules };
}

/** Every distinct spot source across the index and the conversions, in configuration order. */
function spotSources(config: OracleConfig): SourceSpec[] {
  const seen = new Map<string, SourceSpec>();
  for (const m of [config.index, ...Object.values(config.conversions)]) {
    for (const s of m.sources) seen.set(sourceId(s), s);
  }
  return [...seen.values()];
}

/** What /oracle tells the world about this oracle's method; no secrets, no file paths. */
function publicSummary(config: OracleConfig): Record<string, unknown> {
  const market = (m: MarketConfig) => ({
    sources: m.sources.map(sourceId),
    quorum: m.rules.quorum,
    maxDeviationBps: m.rules.maxDeviationBps,
    maxAgeMs: m.rules.maxAgeMs,
    maxExchangeAgeMs: m.rules.maxExchangeAgeMs,
    maxFutureSkewMs: m.rules.maxFutureSkewMs,
    minPrice: formatDecimal(m.rules.minPrice, PRICE_EXPONENT),
    maxPrice: formatDecimal(m.rules.maxPrice, PRICE_EXPONENT),
  });
  return {
    index: market(config.index),
    conversions: Object.fromEntries(Object.entries(config.conversions).map(([q, m]) => [q, market(m)])),
    pollIntervalMs: config.polling.intervalMs,
    retentionDays: config.store.retentionDays,
    ...(config.funding ? { funding: fundingSummary(config.funding) } : {}),
  };
}

function fundingSummary(f: FundingConfig): Record<string, unknown> {
  const rate = (v: bigint) => formatDecimal(v, RATE_EXPONENT);
  return {
    sources: f.sources.map(sourceId),
    periodMs: FUNDING_PERIOD_MS,
    tickIntervalMs: f.tickIntervalMs,
    quorum: f.rules.quorum,
    premiumQuorum: f.rules.premiumQuorum,
    maxDeviation: rate(f.rules.maxDeviation),
    minRate: rate(f.rules.minRate),
    maxRate: rate(f.rules.maxRate),
    maxAgeMs: f.rules.maxAgeMs,
    maxExchangeAgeMs: f.rules.maxExchangeAgeMs,
    signConvention: 'positive: longs pay shorts',
  };
}

/**
 * Starts the oracle. Throws (KeyError, ConfigError, store errors) before listening if anything
 * it needs is missing or unsafe, so a misconfigured oracle never serves.
 */
export async function startOracle(config: OracleConfig, deps: { logger: Logger; clock?: Clock }): Promise<RunningOracle> {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger;
  const secretKey = loadSecretKey(config.oracle.keyFile);
  const publicKeyHex = Buffer.from(publicKeyOf(secretKey)).toString('hex');
  const releaseLock = acquireLockFile(join(config.oracle.dataDir, LOCK_FILE));
  let store: ReturnType<typeof openStore>;
  try {
    store = openStore({ dataDir: config.oracle.dataDir, historyCacheSize: config.store.historyCacheSize, clock, logger });
  } catch (err) {
    releaseLock();
    throw err;
  }

  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'peer_stables_' });
  const metrics = createOracleMetrics(registry);

  const specs = spotSources(config);
  const fundingSpecs = config.funding?.sources ?? [];
  const clients = new Map<string, MarketClient>();
  try {
    // One ccxt instance per exchange for the life of the process, shared by spot and perpetuals.
    for (const exchange of new Set([...specs, ...fundingSpecs].map((s) => s.exchange))) {
      const exchangeConfig = config.exchanges[exchange] ?? { options: {} };
      clients.set(exchange, await createMarketClient(exchange, exchangeConfig, { timeoutMs: config.polling.timeoutMs, clock }));
    }
  } catch (err) {
    store.close();
    releaseLock();
    throw err;
  }
  const clientOf = (spec: SourceSpec): MarketClient => clients.get(spec.exchange) as MarketClient;
  const onResult = (source: string, outcome: string, durationMs: number) => {
    metrics.fetches.inc({ source, outcome });
    metrics.fetchSeconds.observe({ source }, durationMs / 1000);
  };
  const poller = new Poller<Observation>({
    sources: specs.map((spec) => ({ spec, fetch: (symbol: string) => clientOf(spec).fetchObservation(symbol) })),
    ...config.polling,
    clock,
    logger,
    onResult,
  });
  const fundingPoller = config.funding
    ? new Poller<FundingObservation>({
        sources: config.funding.sources.map((spec) => ({ spec, fetch: (symbol: string) => clientOf(spec).fetchFunding(symbol) })),
        ...config.polling,
        intervalMs: config.funding.pollIntervalMs,
        clock,
        logger,
        onResult,
      })
    : null;

  const kinds: AttestationKind[] = config.funding ? ['index_price', 'funding_rate', 'perp_premium'] : ['index_price'];
  const service = new OracleService({
    index: plan(config.index.pair, config.index),
    conversions: new Map(Object.entries(config.conversions).map(([quote, m]) => [quote, plan(`${quote}/${config.index.pair.split('/')[1]}`, m)])),
    ...(config.funding && fundingPoller
      ? {
          funding: {
            pair: config.funding.pair,
            sourceIds: config.funding.sources.map(sourceId),
            rules: config.funding.rules,
            readings: () => fundingPoller.readings(),
            tickIntervalMs: config.funding.tickIntervalMs,
          },
        }
      : {}),
    secretKey,
    publicKeyHex,
    store,
    readings: () => poller.readings(),
    clock,
    logger,
    metrics,
    info: {
      name: 'peer-stables',
      softwareVersion: SOFTWARE_VERSION,
      protocolVersion: PROTOCOL_VERSION,
      tag: ATTESTATION_TAG,
      kinds,
      pair: config.index.pair,
      exponent: PRICE_EXPONENT,
      tickIntervalMs: config.oracle.tickIntervalMs,
      methodology:
        'Index: median of fresh, plausible, non-outlying venue prices (each the median of last, bid, ask), signed only with a quorum.' +
        (config.funding ? ' Funding: median of perpetual funding rates normalised to 8 h, same filters; premium: median of mark / index - 1.' : '') +
        (config.dlc.enabled ? ' DLC: hourly and daily fixings of the index under /dlc.' : '') +
        ' See docs/METHODOLOGY.md and docs/DLC.md.',
      config: publicSummary(config),
    },
  });

  // The DLC oracle refuses to start when its database does not match this key and nonce secret.
  let dlc: ReturnType<typeof openDlcService> | null = null;
  try {
    dlc = config.dlc.enabled ? openDlcService({ config: config.dlc, dataDir: config.oracle.dataDir, keyFile: config.oracle.keyFile, secretKey, history: store, clock, logger }) : null;
  } catch (err) {
    await Promise.all([...clients.values()].map((c) => c.close()));
    store.close();
    releaseLock();
    throw err;
  }
  const app = createApp({
    ...(dlc ? { dlc } : {}),
    state: service,
    history: store,
    registry,
    logger,
    clock,
    config: {
      rateLimit: config.server.rateLimit,
      trustProxy: config.server.trustProxy,
      maxHistoryLimit: config.server.maxHistoryLimit,
      maxStreams: config.server.maxStreams,
      maxStreamsPerClient: config.server.maxStreamsPerClient,
      tickIntervalMs: config.oracle.tickIntervalMs,
      ...(config.funding ? { fundingTickIntervalMs: config.funding.tickIntervalMs } : {}),
    },
  });
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(app, { host: config.server.host, port: config.server.port });
  } catch (err) {
    // The port is taken, say: give back everything opened so far, the data directory first of all.
    await Promise.all([...clients.values()].map((c) => c.close()));
    dlc?.close();
    store.close();
    releaseLock();
    throw new ConfigError(`cannot listen on ${config.server.host}:${config.server.port}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }

  // The first ticks wait for one round of fetches so a fresh oracle signs as soon as it can.
  poller.start();
  fundingPoller?.start();
  await Promise.all([poller.pollOnce(), fundingPoller?.pollOnce()]);
  service.tick();
  service.fundingTick();
  dlc?.start();
  const ticker = setInterval(() => service.tick(), config.oracle.tickIntervalMs);
  const fundingTicker = config.funding ? setInterval(() => service.fundingTick(), config.funding.tickIntervalMs) : null;
  const pruneOld = () => {
    const removed = store.prune(clock.now() - config.store.retentionDays * 24 * HOUR_MS);
    if (removed > 0) logger.info({ removed }, 'pruned old attestations');
  };
  pruneOld();
  const pruner = setInterval(pruneOld, HOUR_MS);
  pruner.unref();

  logger.info({ url: server.url, publicKey: publicKeyHex, dataDir: join(config.oracle.dataDir), sources: specs.length, fundingSources: fundingSpecs.length }, 'oracle started');

  return {
    url: server.url,
    publicKeyHex,
    service,
    async close() {
      clearInterval(ticker);
      if (fundingTicker) clearInterval(fundingTicker);
      clearInterval(pruner);
      await server.close();
      await Promise.all([poller.stop(), fundingPoller?.stop()]);
      await Promise.all([...clients.values()].map((c) => c.close()));
      dlc?.close();
      store.close();
      releaseLock();
    },
  };
}
