/**
 * Builds and starts a whole oracle from a validated configuration: key, store, one ccxt client per
 * exchange, pollers, tick loops, the DLC oracle, the Nostr publisher and the HTTP server. Start-up is a list of steps;
 * each resource registers its closer as it is opened (src/core/closers.ts), so a failed start and
 * close() run the same list backwards.
 */
import { join } from 'node:path';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { ATTESTATION_TAG } from '../attest/hash.js';
import { loadSecretKey, publicKeyOf } from '../attest/keys.js';
import { PROTOCOL_VERSION, type AttestationKind } from '../attest/types.js';
import type { FundingConfig, MarketConfig, OracleConfig } from '../config/schema.js';
import { systemClock, type Clock } from '../core/clock.js';
import { closeInReverse, type Closer } from '../core/closers.js';
import { ConfigError } from '../core/errors.js';
import { FUNDING_INDEX_EXPONENT, PRICE_EXPONENT, RATE_EXPONENT, formatDecimal } from '../core/fixed.js';
import { acquireLockFile } from '../core/lock-file.js';
import type { Logger } from '../core/log.js';
import { openDlcService } from '../dlc/open.js';
import type { DlcService } from '../dlc/service.js';
import { checkDistinctVenues } from '../feeds/distinct-venues.js';
import { createMarketClient, type MarketClient } from '../feeds/exchange.js';
import { Poller } from '../feeds/poller.js';
import { sourceId, type SourceSpec } from '../feeds/types.js';
import { FUNDING_INDEX_MAX_STEP_TICKS, NEW_FUNDING_INDEX } from '../index/funding-index.js';
import { FUNDING_PERIOD_MS, type FundingObservation, type Observation } from '../index/readings.js';
import { loadDashboard } from '../dashboard/files.js';
import { startNostr, type NostrStart } from '../nostr/start.js';
import { createApp, startServer, type AppDeps, type RunningServer } from '../server/app.js';
import type { OracleInfo } from '../server/types.js';
import { LOCK_FILE, openStore } from '../store/sqlite.js';
import type { AttestationStore, HistoryPages } from '../store/types.js';
import { createOracleMetrics, type OracleMetrics } from './metrics.js';
import { NO_FUNDING_INDEX_STATE, OracleService, type MarketPlan, type OracleServiceOptions } from './service.js';
import { SOFTWARE_VERSION } from './version.js';

export interface RunningOracle {
  readonly url: string;
  readonly publicKeyHex: string;
  readonly service: OracleService;
  close(): Promise<void>;
}

const HOUR_MS = 3_600_000;

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
    frozenAfterMs: m.rules.frozenAfterMs,
    frozenMoveBps: m.rules.frozenMoveBps,
  });
  return {
    index: market(config.index),
    conversions: Object.fromEntries(Object.entries(config.conversions).map(([q, m]) => [q, market(m)])),
    pollIntervalMs: config.polling.intervalMs,
    retentionDays: config.store.retentionDays,
    ...(config.funding ? { funding: fundingSummary(config.funding) } : {}),
  };
}

/** The most time one signed rate may cover in the funding index (docs/METHODOLOGY.md 8.8). */
export function fundingIndexMaxStepMs(f: FundingConfig): number {
  return FUNDING_INDEX_MAX_STEP_TICKS * f.tickIntervalMs;
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
    maxFutureSkewMs: f.rules.maxFutureSkewMs,
    frozenAfterMs: f.rules.frozenAfterMs,
    frozenMove: rate(f.rules.frozenMove),
    minPremium: rate(f.rules.minPremium),
    maxPremium: rate(f.rules.maxPremium),
    maxPremiumDeviation: rate(f.rules.maxPremiumDeviation),
    signConvention: 'positive: longs pay shorts',
    fundingIndex: {
      exponent: FUNDING_INDEX_EXPONENT,
      maxStepMs: fundingIndexMaxStepMs(f),
      rule:
        'value = floor(exact sum of rate x min(elapsed, maxStepMs) / 8 h), the remainder carried; ' +
        'docs/METHODOLOGY.md 8.8',
    },
  };
}

/** What start-up steps share. */
interface StartContext {
  readonly config: OracleConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Every resource opened so far, each with its closer; closed in reverse on failure and shutdown. */
  readonly closers: Closer[];
  readonly newFundingIndex: boolean;
}

/**
 * Starts the oracle. Throws (KeyError, ConfigError, store errors) before listening if anything
 * it needs is missing or unsafe, so a misconfigured oracle never serves; whatever it had opened
 * by then (lock file, databases, clients, timers) is closed again before it throws.
 */
export async function startOracle(
  config: OracleConfig,
  deps: {
    logger: Logger;
    clock?: Clock;
    /**
     * The key was created for this start, so it has never signed a funding index: start one (value
     * 0 at the first funding tick) if none is stored. Never set it for an existing key: a lost
     * database must not restart an index at zero (docs/METHODOLOGY.md 8.8).
     */
    newFundingIndex?: boolean;
  },
): Promise<RunningOracle> {
  const ctx: StartContext = {
    config,
    clock: deps.clock ?? systemClock,
    logger: deps.logger,
    closers: [],
    newFundingIndex: deps.newFundingIndex === true,
  };
  try {
    return await openOracle(ctx);
  } catch (err) {
    for (const closeErr of await closeInReverse(ctx.closers))
      deps.logger.error({ err: closeErr }, 'could not close after a failed start');
    throw err;
  }
}

/** The start-up steps, in order; each one that opens something registers its closer in ctx.closers. */
async function openOracle(ctx: StartContext): Promise<RunningOracle> {
  const { config, clock, logger, closers } = ctx;
  // Refused before anything is opened: two sources of one market on one venue would be two votes.
  await checkDistinctVenues(config);
  const secretKey = loadSecretKey(config.oracle.keyFile);
  const publicKeyHex = Buffer.from(publicKeyOf(secretKey)).toString('hex');
  // One oracle per data directory: sequences and DLC attestations must have a single writer.
  closers.push(acquireLockFile(join(config.oracle.dataDir, LOCK_FILE)));
  const store = openStore({
    dataDir: config.oracle.dataDir,
    historyCacheSize: config.store.historyCacheSize,
    clock,
    logger,
  });
  closers.push(() => store.close());
  checkFundingIndex(ctx, store, publicKeyHex);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'peer_stables_' });
  const metrics = createOracleMetrics(registry);
  const nostr: NostrStart | null =
    config.nostr.relays.length > 0 ? startNostr({ config: config.nostr, secretKey, registry, clock, logger }) : null;
  if (nostr) closers.push(() => nostr.publisher.close());
  const clients = await openMarketClients(ctx);
  const pollers = createPollers(ctx, clients, metrics);
  const options = serviceOptions(config, { secretKey, publicKeyHex, store, pollers, clock, logger, metrics });
  const service = new OracleService(nostr ? { ...options, info: { ...options.info, nostr: nostr.info } } : options);
  // The DLC oracle refuses to start when its database does not match this key and nonce secret.
  const dlc = config.dlc.enabled
    ? openDlcService({
        config: config.dlc,
        dataDir: config.oracle.dataDir,
        keyFile: config.oracle.keyFile,
        secretKey,
        history: store,
        clock,
        logger,
      })
    : null;
  if (dlc) closers.push(() => dlc.close());
  nostr?.publisher.follow(service, dlc);
  nostr?.publisher.start();
  const server = await listen(ctx, createApp(appDeps(config, { service, store, registry, dlc, clock, logger })));
  closers.push(() => server.close());
  await startLoops(ctx, { pollers, service, dlc, store });
  const sources = { sources: spotSources(config).length, fundingSources: config.funding?.sources.length ?? 0 };
  logger.info(
    { url: server.url, publicKey: publicKeyHex, dataDir: join(config.oracle.dataDir), ...sources },
    'oracle started',
  );
  let closing: Promise<void> | null = null;
  return {
    url: server.url,
    publicKeyHex,
    service,
    close: () => {
      closing ??= closeInReverse(closers).then((errors) => {
        if (errors.length > 0) throw new AggregateError(errors, 'the oracle did not close cleanly');
      });
      return closing;
    },
  };
}

/** Starts a new funding index for a key created now; otherwise says at start-up when there is none to continue. */
function checkFundingIndex(ctx: StartContext, store: AttestationStore, publicKeyHex: string): void {
  const { funding } = ctx.config;
  if (funding === undefined || store.fundingIndex(publicKeyHex, funding.pair) !== null) return;
  if (ctx.newFundingIndex) {
    store.startFundingIndex(publicKeyHex, funding.pair, NEW_FUNDING_INDEX);
    ctx.logger.info({ pair: funding.pair }, 'started a new funding index for a new key: 0 at its first funding tick');
  } else ctx.logger.warn({ pair: funding.pair }, NO_FUNDING_INDEX_STATE);
}

/** One ccxt instance per exchange for the life of the process, shared by spot and perpetuals. */
async function openMarketClients(ctx: StartContext): Promise<Map<string, MarketClient>> {
  const { config, clock, closers } = ctx;
  const clients = new Map<string, MarketClient>();
  const specs = [...spotSources(config), ...(config.funding?.sources ?? [])];
  for (const exchange of new Set(specs.map((s) => s.exchange))) {
    const client = await createMarketClient(exchange, config.exchanges[exchange] ?? { options: {} }, {
      timeoutMs: config.polling.timeoutMs,
      clock,
    });
    closers.push(() => client.close());
    clients.set(exchange, client);
  }
  return clients;
}

interface Pollers {
  readonly spot: Poller<Observation>;
  readonly funding: Poller<FundingObservation> | null;
}

/** The spot and funding pollers over the shared clients; they open nothing until started. */
function createPollers(ctx: StartContext, clients: ReadonlyMap<string, MarketClient>, metrics: OracleMetrics): Pollers {
  const { config, clock, logger } = ctx;
  const clientOf = (spec: SourceSpec): MarketClient => clients.get(spec.exchange) as MarketClient;
  const onResult = (source: string, outcome: string, durationMs: number) => {
    metrics.fetches.inc({ source, outcome });
    metrics.fetchSeconds.observe({ source }, durationMs / 1000);
  };
  const specs = spotSources(config);
  const spot = new Poller<Observation>({
    sources: specs.map((spec) => ({ spec, fetch: (symbol: string) => clientOf(spec).fetchObservation(symbol) })),
    sameValue: (a, b) => a.price === b.price,
    ...config.polling,
    clock,
    logger,
    onResult,
  });
  const funding = config.funding
    ? new Poller<FundingObservation>({
        sources: config.funding.sources.map((spec) => ({
          spec,
          fetch: (symbol: string) => clientOf(spec).fetchFunding(symbol),
        })),
        sameValue: (a, b) => a.rate === b.rate,
        ...config.polling,
        intervalMs: config.funding.pollIntervalMs,
        clock,
        logger,
        onResult,
      })
    : null;
  return { spot, funding };
}

/** What the service is built from besides the configuration. */
interface ServiceParts {
  readonly secretKey: Uint8Array;
  readonly publicKeyHex: string;
  readonly store: AttestationStore;
  readonly pollers: Pollers;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: OracleMetrics;
}

function serviceOptions(config: OracleConfig, parts: ServiceParts): OracleServiceOptions {
  const { funding: fundingPoller, spot } = parts.pollers;
  const quoteOfIndex = config.index.pair.split('/')[1];
  return {
    index: plan(config.index.pair, config.index),
    conversions: new Map(
      Object.entries(config.conversions).map(([quote, m]) => [quote, plan(`${quote}/${quoteOfIndex}`, m)]),
    ),
    ...(config.funding && fundingPoller
      ? {
          funding: {
            pair: config.funding.pair,
            sourceIds: config.funding.sources.map(sourceId),
            rules: config.funding.rules,
            readings: () => fundingPoller.readings(),
            tickIntervalMs: config.funding.tickIntervalMs,
            indexMaxStepMs: fundingIndexMaxStepMs(config.funding),
          },
        }
      : {}),
    secretKey: parts.secretKey,
    publicKeyHex: parts.publicKeyHex,
    store: parts.store,
    readings: () => spot.readings(),
    clock: parts.clock,
    logger: parts.logger,
    metrics: parts.metrics,
    info: oracleInfo(config),
  };
}

/** What /oracle says about this oracle, but its public key. */
function oracleInfo(config: OracleConfig): Omit<OracleInfo, 'publicKey'> {
  const kinds: AttestationKind[] = config.funding
    ? ['index_price', 'funding_rate', 'perp_premium', 'funding_index']
    : ['index_price'];
  return {
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
      (config.funding
        ? ' Funding: median of perpetual funding rates normalised to 8 h, same filters; premium: median of mark / index - 1;' +
          ' funding index: the cumulative sum of rate x elapsed / 8 h, at 10^-17.'
        : '') +
      (config.dlc.enabled ? ' DLC: hourly and daily fixings of the index under /dlc.' : '') +
      ' See docs/METHODOLOGY.md and docs/DLC.md.',
    config: publicSummary(config),
  };
}

function appDeps(
  config: OracleConfig,
  parts: {
    service: OracleService;
    store: AttestationStore & HistoryPages;
    registry: Registry;
    dlc: DlcService | null;
    clock: Clock;
    logger: Logger;
  },
): AppDeps {
  const dashboard = loadDashboard('oracle');
  if (dashboard === null) parts.logger.warn('no dashboard at /: its assets were not built (npm run build)');
  return {
    ...(parts.dlc ? { dlc: parts.dlc } : {}),
    dashboard,
    state: parts.service,
    history: parts.store,
    registry: parts.registry,
    logger: parts.logger,
    clock: parts.clock,
    config: {
      rateLimit: config.server.rateLimit,
      trustProxy: config.server.trustProxy,
      maxHistoryLimit: config.server.maxHistoryLimit,
      maxStreams: config.server.maxStreams,
      maxStreamsPerClient: config.server.maxStreamsPerClient,
      tickIntervalMs: config.oracle.tickIntervalMs,
      ...(config.funding ? { fundingTickIntervalMs: config.funding.tickIntervalMs } : {}),
    },
  };
}

/** Listens on the configured address; a taken port is a ConfigError naming it. */
async function listen(ctx: StartContext, app: ReturnType<typeof createApp>): Promise<RunningServer> {
  const { host, port } = ctx.config.server;
  try {
    return await startServer(app, { host, port });
  } catch (err) {
    throw new ConfigError(
      `cannot listen on ${host}:${port}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/**
 * Starts polling, ticking, the DLC passes and pruning. The first ticks wait for one round of
 * fetches so a fresh oracle signs as soon as it can.
 */
async function startLoops(
  ctx: StartContext,
  parts: { pollers: Pollers; service: OracleService; dlc: DlcService | null; store: AttestationStore },
): Promise<void> {
  const { config, clock, logger, closers } = ctx;
  const { pollers, service, dlc, store } = parts;
  for (const poller of [pollers.spot, pollers.funding]) {
    if (poller === null) continue;
    poller.start();
    closers.push(() => poller.stop());
  }
  await Promise.all([pollers.spot.pollOnce(), pollers.funding?.pollOnce()]);
  service.tick();
  service.fundingTick();
  dlc?.start();
  every(closers, config.oracle.tickIntervalMs, () => service.tick());
  if (config.funding) every(closers, config.funding.tickIntervalMs, () => service.fundingTick());
  const pruneOld = () => {
    const removed = store.prune(clock.now() - config.store.retentionDays * 24 * HOUR_MS);
    if (removed > 0) logger.info({ removed }, 'pruned old attestations');
  };
  pruneOld();
  every(closers, HOUR_MS, pruneOld).unref();
}

/** setInterval whose clearing is registered with the other closers. */
function every(closers: Closer[], ms: number, run: () => void): NodeJS.Timeout {
  const timer = setInterval(run, ms);
  closers.push(() => clearInterval(timer));
  return timer;
}
