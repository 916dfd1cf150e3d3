/**
 * The HTTP API (docs/openapi.yaml): express wiring around the OracleState the service publishes
 * into. Handlers only read pre-computed state; nothing is signed or fetched per request.
 */
import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { MemoryStore, rateLimit } from 'express-rate-limit';
import type { Registry } from 'prom-client';
import type { AttestationKind } from '../attest/types.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import { assessFreshness } from './freshness.js';
import { CORS_HEADERS, publicCors, readOnlyRoute } from './cors.js';
import { errorHandler, notFound, sendError, type ErrorCode } from './http-error.js';
import { UNMATCHED_ROUTE, createHttpMetrics } from './http-metrics.js';
import { createPriceFastPath, writeFreshAttestation } from './price-fast-path.js';
import { DEFAULT_HISTORY_PAGE_BYTES, historyHandler } from './history.js';
import { strictParams } from './query.js';
import { createStreamHub, type StreamHub } from './stream.js';
import { takeTurns, writeOverloaded } from './turns.js';
import type { HistoryPages } from '../store/types.js';
import type { DlcReader } from '../dlc/service.js';
import { createDlcRouter } from './dlc.js';
import type { DashboardFiles } from '../dashboard/files.js';
import { mountDashboard } from './dashboard.js';
import type { OracleState } from './types.js';

/** A path serving the latest attestation of one kind, and the cadence that kind is signed at. */
interface AttestationRoute {
  readonly path: string;
  readonly kind: AttestationKind;
  readonly unavailable: ErrorCode;
  readonly tickIntervalMs: number;
}

/** /price always; /funding, /premium and /funding-index when the oracle signs funding rates. */
function attestationRoutes(config: ServerConfig): AttestationRoute[] {
  const routes: AttestationRoute[] = [
    { path: '/price', kind: 'index_price', unavailable: 'no_trustworthy_index', tickIntervalMs: config.tickIntervalMs },
  ];
  const funding = config.fundingTickIntervalMs;
  if (funding !== undefined) {
    routes.push(
      { path: '/funding', kind: 'funding_rate', unavailable: 'no_trustworthy_funding', tickIntervalMs: funding },
      { path: '/premium', kind: 'perp_premium', unavailable: 'no_trustworthy_premium', tickIntervalMs: funding },
      { path: '/funding-index', kind: 'funding_index', unavailable: 'no_funding_index', tickIntervalMs: funding },
    );
  }
  return routes;
}
/** Express routes have their security headers set by middleware already; one shared object keeps their header cache warm. */
const EXPRESS_SETS_ITS_OWN = Object.freeze({});
const DEFAULT_HEARTBEAT_MS = 15_000;
/** How long in-flight requests get to finish after close() before their sockets are cut. */
const CLOSE_GRACE_MS = 5_000;

export interface ServerConfig {
  readonly rateLimit: { readonly windowMs: number; readonly max: number };
  /** Express `trust proxy`: which X-Forwarded-For hops to believe for the client address. */
  readonly trustProxy: boolean | number | string;
  readonly maxHistoryLimit: number;
  /** Bytes of stored JSON one /history page holds at most (default 512 KiB); its first attestation goes out anyway. */
  readonly maxHistoryPageBytes?: number;
  /** Cadence of index_price attestations; a quote older than 3 of these is refused. */
  readonly tickIntervalMs: number;
  /** Cadence of funding_rate and perp_premium attestations; absent when funding is not signed. */
  readonly fundingTickIntervalMs?: number;
  /** Concurrent /stream connections beyond which new ones get 503. */
  readonly maxStreams: number;
  /** Concurrent /stream connections per client address. */
  readonly maxStreamsPerClient: number;
  /** Interval of the SSE comment heartbeat (default 15 s). */
  readonly heartbeatMs?: number;
}

export interface AppDeps {
  readonly state: OracleState;
  /** The DLC oracle's announcements and attestations, when it runs. */
  readonly dlc?: DlcReader;
  /** The dashboard served at / (docs/DASHBOARDS.md); null when it was not built, absent for none. */
  readonly dashboard?: DashboardFiles | null;
  readonly history: HistoryPages;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly config: ServerConfig;
}

export interface RunningServer {
  /** Base URL the server listens on, e.g. "http://127.0.0.1:8080". */
  readonly url: string;
  /** Stops accepting connections, ends open streams and resolves once the server is closed. */
  close(): Promise<void>;
}

/** What startServer needs of an app besides express itself: its streams, the /price fast path, the overload answer, and what to stop on close. */
interface AppExtras {
  readonly hub: StreamHub;
  readonly fastPath: (req: IncomingMessage, res: ServerResponse) => boolean;
  readonly overloaded: (req: IncomingMessage, res: ServerResponse) => void;
  /** The rate limiter's counters; their sweep timer stops with the server. */
  readonly rateLimitStore: MemoryStore;
}
const extras = new WeakMap<Express, AppExtras>();

/** Builds the express app over `deps`; registers HTTP metrics in deps.registry. Throws nothing. */
export function createApp(deps: AppDeps): Express {
  const { state, history, registry, logger, clock, config } = deps;
  const routes = attestationRoutes(config);
  const metrics = createHttpMetrics(registry);
  const hub = createStreamHub(
    state,
    {
      initial: () =>
        routes.flatMap((r) => {
          const freshness = assessFreshness(state, r.kind, clock.now(), r.tickIntervalMs);
          return freshness.fresh ? [freshness.published] : [];
        }),
      maxStreams: config.maxStreams,
      maxStreamsPerClient: config.maxStreamsPerClient,
      heartbeatMs: config.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
      retryMs: config.tickIntervalMs,
    },
    metrics.openStreams,
  );

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  // Only flat string parameters: nested objects from the "extended" parser are never valid here.
  app.set('query parser', 'simple');

  app.use(metrics.middleware);
  const security = helmet({
    // A JSON API renders nothing: forbid every resource and framing outright.
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    // Signed quotes are public; browsers on other origins may read them.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
  app.use(security);
  app.use(publicCors);
  const rateLimitStore = new MemoryStore();
  const commonHeaders = { ...headersSetBy(security), ...CORS_HEADERS };
  extras.set(app, {
    rateLimitStore,
    hub,
    fastPath: createPriceFastPath({
      state,
      clock,
      tickIntervalMs: config.tickIntervalMs,
      commonHeaders,
      record: (method, status, started) => metrics.record(method, '/price', status, started),
    }),
    overloaded: (req, res) => {
      writeOverloaded(res, commonHeaders);
      metrics.record(req.method ?? 'GET', UNMATCHED_ROUTE, 503, process.hrtime.bigint());
    },
  });
  app.use(
    rateLimit({
      windowMs: config.rateLimit.windowMs,
      limit: config.rateLimit.max,
      store: rateLimitStore,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      // Load balancers and Prometheus poll from one address; throttling them would fake an outage.
      skip: (req) => req.path === '/health' || req.path === '/metrics',
      handler: (_req, res) => {
        sendError(
          res,
          429,
          'rate_limited',
          `too many requests: limit ${config.rateLimit.max} per ${config.rateLimit.windowMs} ms`,
        );
      },
    }),
  );

  const get = (path: string, handler: RequestHandler): void => readOnlyRoute(app.router, path, handler);

  for (const route of routes) {
    const routeTickSeconds = Math.max(1, Math.floor(route.tickIntervalMs / 1000));
    get(route.path, (req, res) => {
      strictParams(req.query, []);
      const freshness = assessFreshness(state, route.kind, clock.now(), route.tickIntervalMs);
      if (!freshness.fresh) {
        res.set('Retry-After', String(routeTickSeconds));
        sendError(res, 503, route.unavailable, freshness.reason, { lastSignedAgeMs: freshness.ageMs });
        return;
      }
      writeFreshAttestation(req, res, freshness.published, freshness.ageMs, route.tickIntervalMs, EXPRESS_SETS_ITS_OWN);
    });
  }

  get('/oracle', (req, res) => {
    strictParams(req.query, []);
    res.set('Cache-Control', 'public, max-age=60').json(state.info());
  });

  get('/sources', (req, res) => {
    strictParams(req.query, []);
    res.set('Cache-Control', 'no-cache').json(state.sources());
  });

  const maxPageBytes = config.maxHistoryPageBytes ?? DEFAULT_HISTORY_PAGE_BYTES;
  get('/history', historyHandler({ history, clock, maxLimit: config.maxHistoryLimit, maxPageBytes }));

  get('/stream', (req, res) => {
    strictParams(req.query, []);
    hub.handle(req, res);
  });

  get('/health', (req, res) => {
    strictParams(req.query, []);
    const freshness = assessFreshness(state, 'index_price', clock.now(), config.tickIntervalMs);
    res.set('Cache-Control', 'no-store');
    if (freshness.fresh) {
      res.json({ status: 'ok', lastSignedAgeMs: freshness.ageMs, sequence: freshness.published.json.sequence });
    } else {
      res.status(503).json({ status: 'degraded', reason: freshness.reason, lastSignedAgeMs: freshness.ageMs });
    }
  });

  get('/metrics', async (req, res) => {
    strictParams(req.query, []);
    const text = await registry.metrics();
    res.set({ 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' }).send(text);
  });

  if (deps.dlc) app.use(createDlcRouter({ dlc: deps.dlc, clock, maxLimit: config.maxHistoryLimit }));
  if (deps.dashboard !== undefined) mountDashboard(app.router, deps.dashboard);

  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}

/**
 * Listens on host:port (port 0 picks a free one) and resolves with the URL once bound; rejects
 * if the address cannot be bound.
 */
export async function startServer(app: Express, options: { host: string; port: number }): Promise<RunningServer> {
  const extra = extras.get(app);
  // Everything but the /price fast path takes its turn, so the signing tick never waits for more than one request.
  const handle = takeTurns(app, extra?.overloaded ?? ((_req, res) => writeOverloaded(res, {})));
  const fastPath = extra?.fastPath;
  const server = createServer(fastPath ? (req, res) => fastPath(req, res) || handle(req, res) : handle);
  const closeIdleSockets = trackIdleSockets(server);
  server.on('clientError', answerUnparsable);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve, reject) => {
      const cutLingering = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
      server.close((err) => {
        clearTimeout(cutLingering);
        extras.get(app)?.rateLimitStore.shutdown();
        if (err) reject(err);
        else resolve();
      });
      extras.get(app)?.hub.endAll();
      closeIdleSockets();
    });
    return closing;
  };
  return { url: `http://${host}:${address.port}`, close };
}

/**
 * Counts requests in flight per socket so shutdown can close every socket not serving one, then
 * each remaining one as its last response closes. Node's closeIdleConnections misses sockets that
 * never sent a request, such as the spare connection fetch opens after an aborted stream, and
 * close() would wait on those until its timeout.
 */
function trackIdleSockets(server: Server): () => void {
  const inFlight = new Map<Socket, number>();
  let closing = false;
  server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const count = inFlight.get(socket);
      if (count === undefined) return; // the socket closed first; nothing left to track
      const left = count - 1;
      inFlight.set(socket, left);
      if (closing && left === 0) socket.destroy();
    });
  });
  return () => {
    closing = true;
    for (const [socket, count] of inFlight) if (count === 0) socket.destroy();
  };
}

/**
 * Requests Node's HTTP parser rejects (unknown methods, oversized headers, conflicting framing)
 * never reach express; they still get the one JSON error shape instead of an empty 400.
 */
function answerUnparsable(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
  const body = JSON.stringify({
    error: { code: 'bad_request', message: tooLarge ? 'request headers too large' : 'malformed HTTP request' },
  });
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * The headers a header-only middleware (helmet) sets, read once by running it against a
 * recording response, so the /price fast path sends exactly what express responses carry.
 */
function headersSetBy(
  middleware: (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  const recorder = {
    setHeader: (name: string, value: string | number | string[]) => {
      headers[name] = value;
      return recorder;
    },
    removeHeader: (name: string) => {
      delete headers[name];
    },
    getHeader: (name: string) => headers[name],
  };
  let failed: unknown = null;
  middleware(
    { method: 'GET', url: '/price', headers: {} } as IncomingMessage,
    recorder as unknown as ServerResponse,
    (err) => {
      failed = err ?? null;
    },
  );
  if (failed !== null) throw new Error('security headers middleware failed at start-up');
  return headers;
}
