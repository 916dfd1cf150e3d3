/**
 * /price throughput: the real express app from createApp, serving one published attestation,
 * against a bare node:http server answering with the same bytes and the same caching headers.
 * Both listen on 127.0.0.1 only; the load comes from a child process (load.ts).
 */
import { configSchema } from '../src/config/schema.js';
import { fork } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import type { Clock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/log.js';
import { publish } from '../src/oracle/publish.js';
import { createApp, startServer } from '../src/server/app.js';
import type { OracleState, PublishedAttestation } from '../src/server/types.js';
import { BENCH_PUBLIC_KEY_HEX, signedTick, syntheticInput } from './fixtures.js';
import { MEASURING, type LoadMessage, type LoadReply, type LoadRequest } from './load.js';

const TICK_INTERVAL_MS = 10_000;
/** Headers the bare server copies from the express response so both send the same cacheable reply. */
const MIRRORED_HEADERS = ['content-type', 'etag', 'cache-control'] as const;

/** A server under load: where to send requests and how to stop it. */
export interface Target {
  readonly url: string;
  close(): Promise<void>;
}

/** One signed attestation over 20 synthetic sources at `now`, serialised once as the service does. */
export function benchAttestation(now: number): PublishedAttestation {
  return publish(signedTick(syntheticInput(20, now), BigInt(now)));
}

/** The least OracleState that serves `published` as the latest index price and nothing else. */
function stateServing(published: PublishedAttestation): OracleState {
  return {
    latest: (kind) => (kind === 'index_price' ? published : null),
    lastRefusal: () => null,
    sources: () => ({ at: published.observedAtMs, markets: [] }),
    info: () => ({
      name: 'benchmark',
      softwareVersion: 'bench',
      protocolVersion: published.json.version,
      publicKey: BENCH_PUBLIC_KEY_HEX,
      tag: 'bench',
      kinds: ['index_price'],
      pair: published.json.pair,
      exponent: published.json.exponent,
      tickIntervalMs: TICK_INTERVAL_MS,
      methodology: 'synthetic sources for benchmarking',
      config: {},
    }),
    subscribe: () => () => undefined,
  };
}

/**
 * Starts the real app (createApp + startServer) on 127.0.0.1 serving `published`. Its clock stays
 * one second after the attestation, so the quote is fresh however long the run; the rate limit is
 * set beyond reach so the limiter runs on every request but never answers 429.
 */
export async function startExpressTarget(published: PublishedAttestation): Promise<Target> {
  const clock: Clock = { now: () => published.observedAtMs + 1000 };
  const app = createApp({
    state: stateServing(published),
    history: { page: () => ({ count: 0, json: Buffer.alloc(0), next: null }) },
    registry: new Registry(),
    logger: silentLogger,
    clock,
    config: {
      ...configSchema.shape.server.parse(undefined),
      // Out of reach: the limiter does its work on every request but never answers 429.
      rateLimit: { windowMs: 60_000, max: 1_000_000_000 },
      maxHistoryLimit: 100,
      tickIntervalMs: TICK_INTERVAL_MS,
    },
  });
  return startServer(app, { host: '127.0.0.1', port: 0 });
}

/**
 * Starts a bare node:http server on 127.0.0.1 that answers every request with `body` and the
 * `headers` given (plus Content-Length): the floor any framework is measured against.
 */
export async function startBareTarget(body: Buffer, headers: Readonly<Record<string, string>>): Promise<Target> {
  const fixed = { ...headers, 'content-length': String(body.length) };
  const server = createServer((_req, res) => {
    res.writeHead(200, fixed);
    res.end(body);
  });
  return listenLocal(server);
}

/**
 * Fetches `url` once and returns the body and the headers the bare server should mirror. Throws
 * Error unless the answer is 200 with every mirrored header: a bench of an error page is void.
 */
export async function fetchReference(url: string): Promise<{ body: Buffer; headers: Record<string, string> }> {
  const res = await fetch(url);
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${body.toString('utf8').slice(0, 200)}`);
  const headers: Record<string, string> = {};
  for (const name of MIRRORED_HEADERS) {
    const value = res.headers.get(name);
    if (value === null) throw new Error(`${url} sent no ${name} header`);
    headers[name] = value;
  }
  return { body, headers };
}

/** A load run's client-side measurement plus the CPU this process (the server) spent on it. */
export interface LoadResult extends LoadReply {
  /**
   * User + system CPU time of this process per request served during the timed run, in µs.
   * Unlike requests per second it hardly depends on what else the machine is doing.
   */
  readonly serverCpuUsPerRequest: number;
}

/**
 * Runs load.ts in a child process against `request.url`, which must be served by this process,
 * and resolves with its measurement. Rejects if the child fails, exits without replying, or saw
 * any non-2xx, error or timeout.
 */
export function runLoad(request: LoadRequest): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./load.ts', import.meta.url), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    let settled = false;
    let cpuAtStart: NodeJS.CpuUsage | null = null;
    child.on('message', (message: LoadMessage) => {
      if (message === MEASURING) {
        cpuAtStart = process.cpuUsage();
        return;
      }
      settled = true;
      if (!message.ok) return reject(new Error(`load generator failed: ${message.error}`));
      const failures = message.non2xx + message.errors + message.timeouts;
      if (failures > 0) {
        return reject(
          new Error(
            `${request.url}: ${message.non2xx} non-2xx, ${message.errors} errors, ${message.timeouts} timeouts; result void`,
          ),
        );
      }
      if (cpuAtStart === null) return reject(new Error('load generator never reported the start of its timed run'));
      const cpu = process.cpuUsage(cpuAtStart);
      resolve({ ...message, serverCpuUsPerRequest: (cpu.user + cpu.system) / message.requests });
    });
    child.once('error', (err) => {
      if (!settled) reject(err);
      settled = true;
    });
    child.once('exit', (code) => {
      if (!settled) reject(new Error(`load generator exited with code ${code} before replying`));
      settled = true;
    });
    child.send(request);
  });
}

function listenLocal(server: Server): Promise<Target> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}
