/**
 * The hot path of the whole service: a fresh signed quote at GET/HEAD /price, answered straight
 * from the node:http listener, before express. Express's routing alone costs several times what
 * writing the pre-serialised bytes does (docs/BENCHMARKS.md), and /price is what every channel
 * peer asks every few seconds.
 *
 * Only the plain, successful case is served here, with the same headers express would send;
 * everything else (a query string, a stale or missing quote, other methods) falls through to the
 * express app, which answers it with the one error shape. This path is not rate limited: answering
 * costs less than counting, and the quote is public, cacheable and self-authenticating.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Clock } from '../core/clock.js';
import { STALE_AFTER_TICKS, assessFreshness } from './freshness.js';
import type { OracleState, PublishedAttestation } from './types.js';

export interface PriceFastPathOptions {
  readonly state: OracleState;
  readonly clock: Clock;
  readonly tickIntervalMs: number;
  /** Headers every response carries (security and CORS), computed once at start-up. */
  readonly commonHeaders: OutgoingHttpHeaders;
  /** Records one served request (method, status, start time from process.hrtime.bigint()). */
  readonly record: (method: string, status: number, started: bigint) => void;
}

/** Returns a listener prefix: true when it answered the request, false to let express answer. */
export function createPriceFastPath(o: PriceFastPathOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.url !== '/price' || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    const started = process.hrtime.bigint();
    const freshness = assessFreshness(o.state, 'index_price', o.clock.now(), o.tickIntervalMs);
    if (!freshness.fresh) return false;
    const status = writeFreshAttestation(
      req,
      res,
      freshness.published,
      freshness.ageMs,
      o.tickIntervalMs,
      o.commonHeaders,
    );
    o.record(req.method, status, started);
    return true;
  };
}

/**
 * Response headers by (base headers, attestation, max-age, status): built once and reused, so a
 * request allocates nothing. max-age takes a handful of values per attestation.
 */
const headerCache = new WeakMap<OutgoingHttpHeaders, WeakMap<PublishedAttestation, Map<string, OutgoingHttpHeaders>>>();

function headersFor(
  base: OutgoingHttpHeaders,
  published: PublishedAttestation,
  maxAge: number,
  status: 200 | 304,
): OutgoingHttpHeaders {
  let byAttestation = headerCache.get(base);
  if (byAttestation === undefined) {
    byAttestation = new WeakMap();
    headerCache.set(base, byAttestation);
  }
  let variants = byAttestation.get(published);
  if (variants === undefined) {
    variants = new Map();
    byAttestation.set(published, variants);
  }
  const key = `${status}/${maxAge}`;
  let headers = variants.get(key);
  if (headers === undefined) {
    headers = {
      ...base,
      'Content-Type': 'application/json; charset=utf-8',
      ETag: published.etag,
      'Last-Modified': new Date(published.observedAtMs).toUTCString(),
      'Cache-Control': `public, max-age=${maxAge}, stale-while-revalidate=0`,
      ...(status === 200 ? { 'Content-Length': published.body.length } : {}),
    };
    variants.set(key, headers);
  }
  return headers;
}

/**
 * Writes a fresh attestation (200, or 304 when If-None-Match matches; HEAD without the body),
 * cacheable for one tick but never past the staleness bound: the one place /price, /funding and
 * /premium answer with a quote, on the fast path and through express alike. `baseHeaders` are
 * added (the fast path's security headers; express has already set its own). Returns the status.
 */
export function writeFreshAttestation(
  req: IncomingMessage,
  res: ServerResponse,
  published: PublishedAttestation,
  ageMs: number,
  tickIntervalMs: number,
  baseHeaders: OutgoingHttpHeaders,
): 200 | 304 {
  const tickSeconds = Math.max(1, Math.floor(tickIntervalMs / 1000));
  // A cache must not hold a quote past the staleness bound the origin itself enforces.
  const remainingSeconds = Math.floor((STALE_AFTER_TICKS * tickIntervalMs - ageMs) / 1000);
  const maxAge = Math.max(0, Math.min(tickSeconds, remainingSeconds));
  if (etagMatches(req.headers['if-none-match'], published.etag)) {
    res.writeHead(304, headersFor(baseHeaders, published, maxAge, 304)).end();
    return 304;
  }
  res.writeHead(200, headersFor(baseHeaders, published, maxAge, 200));
  res.end(req.method === 'HEAD' ? undefined : published.body);
  return 200;
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === bare);
}
