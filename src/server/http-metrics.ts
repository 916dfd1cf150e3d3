/**
 * Prometheus metrics of the HTTP layer: a request counter and a duration histogram labelled by
 * method, route and status. The route label is the matched route pattern, never the raw URL, so
 * a scanner requesting random paths cannot blow up the number of series.
 */
import type { Request, RequestHandler } from 'express';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const LABELS = ['method', 'route', 'status'] as const;
/** Route label of requests no route matched (404s, rejected before routing). */
export const UNMATCHED_ROUTE = '<unmatched>';

/** The HTTP metrics, registered once per registry. */
export interface HttpMetrics {
  /** Middleware that records every request when its response closes. */
  readonly middleware: RequestHandler;
  /** Number of open /stream connections. */
  readonly openStreams: Gauge;
  /** Records a request answered outside express (the /price fast path). */
  record(method: string, route: string, status: number, started: bigint): void;
}

/**
 * Registers (or reuses, when an app is built twice on one registry) the HTTP metrics in
 * `registry` and returns the recording middleware. Throws nothing.
 */
export function createHttpMetrics(registry: Registry): HttpMetrics {
  const requests = reuse<Counter<(typeof LABELS)[number]>>(
    registry,
    'http_requests_total',
    (name) =>
      new Counter({
        name,
        help: 'HTTP requests by method, route and status',
        labelNames: LABELS,
        registers: [registry],
      }),
  );
  const duration = reuse<Histogram<(typeof LABELS)[number]>>(
    registry,
    'http_request_duration_seconds',
    (name) =>
      new Histogram({
        name,
        help: 'HTTP request duration by method, route and status (for /stream: the connection lifetime)',
        labelNames: LABELS,
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
        registers: [registry],
      }),
  );
  const openStreams = reuse<Gauge>(
    registry,
    'http_open_streams',
    (name) => new Gauge({ name, help: 'Open server-sent event connections on /stream', registers: [registry] }),
  );
  const record = (method: string, route: string, status: number, started: bigint): void => {
    const labels = { method, route, status: String(status) };
    requests.inc(labels);
    duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
  };
  const middleware: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('close', () => record(req.method, routeLabel(req), res.statusCode, started));
    next();
  };
  return { middleware, openStreams, record };
}

function routeLabel(req: Request): string {
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? req.baseUrl + path : UNMATCHED_ROUTE;
}

function reuse<M>(registry: Registry, name: string, create: (name: string) => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create(name);
}
