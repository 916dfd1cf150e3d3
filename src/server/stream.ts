/**
 * Server-sent events on /stream: the latest attestation on connect, then each new one as it is
 * signed. Each attestation is framed once and the same bytes go to every client, so a thousand
 * listeners cost a thousand socket writes and nothing else.
 */
import type { Request, Response } from 'express';
import type { Gauge } from 'prom-client';
import type { OracleState, PublishedAttestation } from './types.js';
import { sendError } from './http-error.js';

/** Comment line that keeps idle proxies from closing a quiet stream. */
const HEARTBEAT = Buffer.from(': heartbeat\n\n');
/** A client this far behind (bytes buffered for it) is cut off rather than buffered forever. */
const MAX_BUFFERED_BYTES = 1 << 20;

export interface StreamOptions {
  /**
   * The attestations a new client receives first: the latest of each kind, only while it is
   * fresh, so a stream never offers a quote that /price would refuse as stale.
   */
  readonly initial: () => readonly PublishedAttestation[];
  readonly maxStreams: number;
  /** Concurrent streams one client address may hold, so one client cannot take every slot. */
  readonly maxStreamsPerClient: number;
  readonly heartbeatMs: number;
  /** Reconnection delay suggested to clients (the SSE `retry:` field). */
  readonly retryMs: number;
}

/** Open /stream connections of one app. */
export interface StreamHub {
  /** Express handler for GET/HEAD /stream. */
  handle(req: Request, res: Response): void;
  /** Ends every open stream (server shutdown). */
  endAll(): void;
}

/**
 * Takes the state to subscribe to, limits and the open-streams gauge; returns the hub. Beyond
 * `maxStreams` concurrent connections a new one gets 503 too_many_streams.
 */
export function createStreamHub(state: OracleState, options: StreamOptions, gauge: Gauge): StreamHub {
  const open = new Set<Response>();
  const perClient = new Map<string, number>();
  const frames = new WeakMap<PublishedAttestation, Buffer>();
  const frameOf = (published: PublishedAttestation): Buffer => {
    let frame = frames.get(published);
    if (frame === undefined) {
      frame = frameAttestation(published);
      frames.set(published, frame);
    }
    return frame;
  };

  const handle = (req: Request, res: Response): void => {
    const client = req.ip ?? 'unknown';
    if (open.size >= options.maxStreams || (perClient.get(client) ?? 0) >= options.maxStreamsPerClient) {
      const limit =
        open.size >= options.maxStreams
          ? `limit ${options.maxStreams}`
          : `limit ${options.maxStreamsPerClient} per client`;
      res.set('Retry-After', String(Math.max(1, Math.ceil(options.retryMs / 1000))));
      sendError(res, 503, 'too_many_streams', `too many open streams (${limit}); retry later`);
      return;
    }
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      // no-transform: a compressing proxy would buffer events until its block fills.
      'Cache-Control': 'no-store, no-transform',
      'X-Accel-Buffering': 'no',
      // The response only ends at shutdown; the socket must go with it rather than idle on.
      Connection: 'close',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.flushHeaders();
    req.socket.setNoDelay(true);
    req.socket.setKeepAlive(true);
    open.add(res);
    perClient.set(client, (perClient.get(client) ?? 0) + 1);
    gauge.inc();

    const send = (chunk: Buffer): void => {
      if (res.writableEnded || res.destroyed) return;
      res.write(chunk);
      if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
    };
    send(Buffer.from(`retry: ${options.retryMs}\n\n`));
    const lastEventId = req.get('Last-Event-ID');
    for (const latest of options.initial()) {
      if (isNewer(latest, lastEventId)) send(frameOf(latest));
    }
    const unsubscribe = state.subscribe((published) => send(frameOf(published)));
    const heartbeat = setInterval(() => send(HEARTBEAT), options.heartbeatMs);
    heartbeat.unref();

    res.once('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(res);
      const left = (perClient.get(client) ?? 1) - 1;
      if (left > 0) perClient.set(client, left);
      else perClient.delete(client);
      gauge.dec();
    });
  };

  const endAll = (): void => {
    for (const res of open) res.end();
  };

  return { handle, endAll };
}

/** One SSE event; every line of the body gets its own `data:` so the frame stays valid. */
function frameAttestation(published: PublishedAttestation): Buffer {
  const lines = published.body.toString('utf8').split('\n');
  const data = lines.map((line) => `data: ${line}\n`).join('');
  return Buffer.from(`id: ${published.json.sequence}\nevent: attestation\n${data}\n`);
}

/** Whether `published` is later than the client's Last-Event-ID (absent or garbage: yes). */
function isNewer(published: PublishedAttestation, lastEventId: string | undefined): boolean {
  if (lastEventId === undefined || !/^\d{1,20}$/.test(lastEventId)) return true;
  return BigInt(published.json.sequence) > BigInt(lastEventId);
}
