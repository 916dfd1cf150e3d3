/**
 * One request per turn of the event loop. Node hands over every request that arrived since its
 * last poll back to back, before any timer runs: forty requests of a few milliseconds each held
 * the signing tick for a fifth of a second (docs/BENCHMARKS.md). Queued here instead, each request
 * starts in a turn of its own (setImmediate), and the timers run between any two, so a tick waits
 * for at most one request, each bounded by its page (src/server/history.ts), however many clients
 * ask at once. Requests run in arrival order.
 *
 * HTTP pipelining lets one connection queue requests without waiting for answers, so the requests
 * waiting per connection are capped; beyond the cap a request is refused at once (503 overloaded).
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorCode } from './http-error.js';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** Requests one connection may have waiting for their turn; a pipelining client gets 503 beyond. */
export const MAX_WAITING_PER_CONNECTION = 16;

/** Wraps `handle` so that it runs one request per turn; `refuse` answers those over the cap. */
export function takeTurns(handle: Listener, refuse: Listener): Listener {
  const waiting: Array<readonly [IncomingMessage, ServerResponse]> = [];
  const waitingOn = new WeakMap<Socket, number>();
  let scheduled = false;

  const runNext = (): void => {
    const next = waiting.shift();
    // Scheduled from within a turn, the next request runs in the next turn, after the timers.
    scheduled = waiting.length > 0;
    if (scheduled) setImmediate(runNext);
    if (next === undefined) return;
    const [req, res] = next;
    waitingOn.set(req.socket, (waitingOn.get(req.socket) ?? 1) - 1);
    // A client that left while waiting costs nothing more (Node has already given up its request).
    if (req.socket.destroyed || !req.socket.writable) return;
    handle(req, res);
  };

  return (req, res) => {
    const count = waitingOn.get(req.socket) ?? 0;
    if (count >= MAX_WAITING_PER_CONNECTION) {
      refuse(req, res);
      return;
    }
    waitingOn.set(req.socket, count + 1);
    waiting.push([req, res]);
    if (!scheduled) {
      scheduled = true;
      setImmediate(runNext);
    }
  };
}

const OVERLOADED_CODE: ErrorCode = 'overloaded';
const OVERLOADED_MESSAGE = `more than ${MAX_WAITING_PER_CONNECTION} requests waiting on this connection; retry later`;
const OVERLOADED = Buffer.from(JSON.stringify({ error: { code: OVERLOADED_CODE, message: OVERLOADED_MESSAGE } }));

/** The 503 for a request over the cap, in the API's error shape, with the `headers` every response carries. */
export function writeOverloaded(res: ServerResponse, headers: OutgoingHttpHeaders): void {
  res.writeHead(503, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': OVERLOADED.length,
    'Cache-Control': 'no-store',
    'Retry-After': '1',
  });
  res.end(OVERLOADED);
}
