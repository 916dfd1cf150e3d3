/**
 * GET /history: pages of signed attestations served as the store holds them. Each attestation was
 * serialised once, canonically, when it was appended; a page is those bytes joined into the
 * envelope, so a request never parses or re-serialises a row, and its cost is bounded by the
 * page's bytes as well as its count, however large the database or the range asked for.
 */
import type { RequestHandler } from 'express';
import type { Clock } from '../core/clock.js';
import type { HistoryPage, HistoryPages } from '../store/types.js';
import { parseHistoryQuery } from './query.js';

/**
 * Bytes of attestations one /history page holds at most (its first is served whatever its size):
 * 512 KiB, about a thousand attestations of roughly 480 bytes, so the default maximum page of 1000
 * is cut only by its count.
 */
export const DEFAULT_HISTORY_PAGE_BYTES = 512 * 1024;

export interface HistoryRouteOptions {
  readonly history: HistoryPages;
  readonly clock: Clock;
  readonly maxLimit: number;
  readonly maxPageBytes: number;
}

/** The /history handler. Bad parameters throw InputError, which the app answers with 400. */
export function historyHandler(o: HistoryRouteOptions): RequestHandler {
  return (req, res) => {
    const query = parseHistoryQuery(req.query, o.clock.now(), o.maxLimit);
    const page = o.history.page({ ...query, maxBytes: o.maxPageBytes });
    res.status(200).set({ 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-cache' });
    res.end(envelope(page));
  };
}

const HEAD = Buffer.from('{"attestations":[');

/**
 * `{"attestations":[...],"count":n,"truncated":bool,"next":{"from":ms,"after":"id"}|null}`, with
 * the stored JSON as it is. `truncated` is kept for clients written before `next` existed.
 */
function envelope(page: HistoryPage): Buffer {
  const next = page.next === null ? null : { from: page.next.observedAt, after: page.next.id.toString() };
  const tail = `],"count":${page.count},"truncated":${next !== null},"next":${JSON.stringify(next)}}`;
  return Buffer.concat([HEAD, page.json, Buffer.from(tail)]);
}
