/**
 * Where the express app's /price time goes: the same reply served by express with the app's
 * middleware added one layer at a time, each under the same load as run.ts. Not part of
 * `npm run bench` (it takes a minute more); run it when the app misses its throughput target:
 *
 *   npx tsx bench/ablation.ts          (BENCH_SECONDS, BENCH_CONNECTIONS as in run.ts)
 *
 * The layers use the real modules with the options src/server/app.ts passes; the last row is
 * createApp itself, so a gap between it and the row above is what the app adds beyond them.
 */
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { rateLimit } from 'express-rate-limit';
import { Registry } from 'prom-client';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpMetrics } from '../src/server/http-metrics.js';
import { positiveIntegerFromEnv } from './env.js';
import {
  benchAttestation,
  fetchReference,
  runLoad,
  startBareTarget,
  startExpressTarget,
  type LoadResult,
  type Target,
} from './http.js';

type Layer = 'metrics' | 'helmet' | 'rateLimit';

/** express serving `body` with `headers` on /price, behind the given layers, in app.ts order. */
function layeredApp(layers: readonly Layer[], body: Buffer, headers: Readonly<Record<string, string>>): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  if (layers.includes('metrics')) app.use(createHttpMetrics(new Registry()).middleware);
  if (layers.includes('helmet')) {
    app.use(
      helmet({
        contentSecurityPolicy: {
          useDefaults: false,
          directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
        },
        crossOriginResourcePolicy: { policy: 'cross-origin' },
      }),
    );
  }
  if (layers.includes('rateLimit'))
    app.use(rateLimit({ windowMs: 60_000, limit: 1_000_000_000, standardHeaders: 'draft-8', legacyHeaders: false }));
  const handler: RequestHandler = (_req, res) => {
    res.set(headers).status(200).set('Content-Length', String(body.length)).end(body);
  };
  app.get('/price', handler);
  return app;
}

function listen(app: Express): Promise<Target> {
  return listenServer(createServer(app));
}

function listenServer(server: Server): Promise<Target> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** Every header `url` answers with, except those node:http adds by itself. */
async function headersOf(url: string): Promise<Record<string, string>> {
  const res = await fetch(url);
  await res.arrayBuffer();
  const own = ['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'];
  return Object.fromEntries([...res.headers].filter(([name]) => !own.includes(name)));
}

/**
 * The fix the numbers point to: the server's request listener answers GET /price from the
 * published bytes itself and hands every other request to the full createApp. Built here only to
 * measure it; the headers are a snapshot of what createApp sends.
 */
async function priceBeforeExpress(body: Buffer, headers: Readonly<Record<string, string>>): Promise<Target> {
  const app = layeredApp(['metrics', 'helmet', 'rateLimit'], body, headers);
  const fixed = { ...headers, 'content-length': String(body.length) };
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/price') {
      res.writeHead(200, fixed);
      res.end(body);
      return;
    }
    app(req, res);
  });
  return listenServer(server);
}

async function main(): Promise<void> {
  const seconds = positiveIntegerFromEnv('BENCH_SECONDS', 5);
  const connections = positiveIntegerFromEnv('BENCH_CONNECTIONS', 50);
  const published = benchAttestation(Date.now());
  const full = await startExpressTarget(published);
  const { body, headers } = await fetchReference(`${full.url}/price`);
  const everyHeader = await headersOf(`${full.url}/price`);
  const cases: Array<[string, () => Promise<Target>]> = [
    ['bare node:http', () => startBareTarget(body, headers)],
    ['bare node:http, every header createApp sends', () => startBareTarget(body, everyHeader)],
    ['express, route only', () => listen(layeredApp([], body, headers))],
    ['+ metrics middleware', () => listen(layeredApp(['metrics'], body, headers))],
    ['+ helmet', () => listen(layeredApp(['metrics', 'helmet'], body, headers))],
    ['+ rate limiter', () => listen(layeredApp(['metrics', 'helmet', 'rateLimit'], body, headers))],
    ['createApp (all of the above + cors, freshness, etag)', async () => full],
    ['suggested fix: /price answered before express', () => priceBeforeExpress(body, everyHeader)],
  ];
  const results: Array<[string, LoadResult]> = [];
  for (const [name, start] of cases) {
    const target = await start();
    try {
      results.push([name, await runLoad({ url: `${target.url}/price`, connections, warmupSeconds: 2, seconds })]);
    } finally {
      await target.close();
    }
  }
  const baseline = results[0]?.[1];
  if (!baseline) return;
  for (const [name, r] of results) {
    console.log(
      `${name.padEnd(55)} ${r.requestsPerSecond.toFixed(0).padStart(7)} req/s (${(r.requestsPerSecond / baseline.requestsPerSecond).toFixed(2)} of bare)` +
        `  server CPU ${r.serverCpuUsPerRequest.toFixed(0).padStart(4)} us/req (${(baseline.serverCpuUsPerRequest / r.serverCpuUsPerRequest).toFixed(2)} of bare's rate)  p99 ${r.latencyP99Ms} ms`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(`ablation failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
