/**
 * The load generator, run as a child process of bench/run.ts (see http.ts) so it does not share
 * an event loop with the server it measures. It still shares the machine's cores, which the
 * report states next to the numbers.
 *
 * Protocol: the parent sends one LoadRequest over IPC; the child warms up, sends MEASURING as the
 * timed run starts (so the parent can read its own CPU time from there), replies with one
 * LoadReply and exits.
 */
import autocannon from 'autocannon';

export interface LoadRequest {
  readonly url: string;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
}

export interface LoadReply {
  readonly ok: true;
  readonly requestsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly latencyMaxMs: number;
  readonly requests: number;
  /** Responses outside 2xx, connection errors and timeouts: any of these spoils the run. */
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}

/** Sent by the child when warm-up is over and the timed run begins. */
export const MEASURING = 'measuring';

export type LoadMessage = typeof MEASURING | LoadReply | { readonly ok: false; readonly error: string };

async function measure(request: LoadRequest): Promise<LoadReply> {
  // Warm-up: the JIT compiles the server's hot path and the sockets are open before timing.
  await autocannon({ url: request.url, connections: request.connections, duration: request.warmupSeconds });
  process.send?.(MEASURING satisfies LoadMessage);
  const r = await autocannon({ url: request.url, connections: request.connections, duration: request.seconds });
  return {
    ok: true,
    requestsPerSecond: r.requests.average,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    latencyMaxMs: r.latency.max,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

if (process.send) {
  process.once('message', (request: LoadRequest) => {
    measure(request).then(
      (reply) => process.send?.(reply, () => process.exit(0)),
      (err: unknown) => process.send?.({ ok: false, error: String(err) } satisfies LoadMessage, () => process.exit(1)),
    );
  });
}
