/**
 * The load generator of the serving benchmark, a child process like bench/load.ts: one autocannon
 * per endpoint, all at once, each with its own connections (so each endpoint gets its own
 * latency figures), plus long-lived /stream connections reading every event. Errors, timeouts
 * and non-2xx answers are counted and reported, never hidden: a slow endpoint is a result here.
 *
 * Protocol: the parent sends one ServeLoadRequest; the child sends MEASURING once every client
 * is started, then one ServeLoadReply, and exits.
 */
import autocannon from 'autocannon';
import { get } from 'node:http';

export interface EndpointLoad {
  /** Label in the report, e.g. "/history?limit=1000". */
  readonly name: string;
  /** Paths to request; each request picks one at random (a single path repeats). */
  readonly paths: readonly string[];
  readonly connections: number;
}

export interface ServeLoadRequest {
  readonly baseUrl: string;
  readonly endpoints: readonly EndpointLoad[];
  readonly streams: number;
  readonly seconds: number;
}

export interface EndpointResult {
  readonly name: string;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly latencyMaxMs: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}

export interface ServeLoadReply {
  readonly ok: true;
  readonly endpoints: readonly EndpointResult[];
  /** /stream connections that answered 200, and the attestation events they received in all. */
  readonly streamsOpen: number;
  readonly streamEvents: number;
}

export const MEASURING = 'measuring';
export type ServeLoadMessage = typeof MEASURING | ServeLoadReply | { readonly ok: false; readonly error: string };

async function endpoint(baseUrl: string, load: EndpointLoad, seconds: number): Promise<EndpointResult> {
  const pick = (): string => load.paths[Math.floor(Math.random() * load.paths.length)] ?? '/';
  const r = await autocannon({
    url: baseUrl,
    connections: load.connections,
    duration: seconds,
    timeout: seconds,
    requests: [{ setupRequest: (request) => ({ ...request, path: pick() }) }],
  });
  return {
    name: load.name,
    requests: r.requests.total,
    requestsPerSecond: r.requests.total / seconds,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    latencyMaxMs: r.latency.max,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

/** Opens `count` /stream connections; resolves with their counters, which grow until close(). */
function openStreams(baseUrl: string, count: number): { open: () => number; events: () => number; close: () => void } {
  let open = 0;
  let events = 0;
  const requests = Array.from({ length: count }, () =>
    get(`${baseUrl}/stream`, (res) => {
      if (res.statusCode === 200) open++;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        events += chunk.split('event: attestation').length - 1;
      });
      res.on('error', () => undefined);
    }).on('error', () => undefined),
  );
  return { open: () => open, events: () => events, close: () => requests.forEach((r) => r.destroy()) };
}

async function measure(request: ServeLoadRequest): Promise<ServeLoadReply> {
  const streams = openStreams(request.baseUrl, request.streams);
  const running = request.endpoints.map((e) => endpoint(request.baseUrl, e, request.seconds));
  process.send?.(MEASURING satisfies ServeLoadMessage);
  const endpoints = await Promise.all(running);
  const reply: ServeLoadReply = { ok: true, endpoints, streamsOpen: streams.open(), streamEvents: streams.events() };
  streams.close();
  return reply;
}

if (process.send) {
  process.once('message', (request: ServeLoadRequest) => {
    measure(request).then(
      (reply) => process.send?.(reply, () => process.exit(0)),
      (err: unknown) => {
        const failed: ServeLoadMessage = { ok: false, error: String(err) };
        process.send?.(failed, () => process.exit(1));
      },
    );
  });
}
