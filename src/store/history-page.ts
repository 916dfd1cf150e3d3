/**
 * One page of signed history as it is stored: the canonical JSON each attestation was appended
 * with, never parsed again, bounded by a row count and by bytes, and continued from an exact
 * position. A page costs what its bytes cost, whatever the range asked for: every statement here
 * is an index range scan that stops at the page's end (test/store/history-page.test.ts checks the
 * plans).
 *
 * Rows are ordered by (observed_at, id). Several kinds can share one observedAt, so a position is
 * the pair: the page after (from, afterId) is the rows observed at `from` with a larger id, then
 * the rows observed after `from`. Ids only grow (rows are appended, and pruning deletes the
 * oldest), so a position never moves: following `next` neither skips nor repeats a row.
 */
import type { HistoryPage, HistoryPageQuery } from './types.js';

/** A stored row as the page statements read it: the body as its UTF-8 bytes. */
export interface PageRow {
  readonly id: bigint;
  readonly observedAt: bigint;
  readonly body: Buffer;
}

/** Where a page starts, as the statements take it: `afterId` -1 includes every row observed at `at`. */
export interface PageStart {
  readonly at: bigint;
  readonly afterId: bigint;
  readonly to: bigint;
  readonly limit: bigint;
}

/**
 * The two statements of a page, with or without a kind filter: the rows tied at the start time
 * after the start id (a seek on (observed_at, id)), then the rows after the start time.
 */
export function pageSql(withKind: boolean): { readonly tied: string; readonly later: string } {
  const kind = withKind ? 'kind = :kind AND ' : '';
  return {
    tied: `SELECT id, observed_at AS observedAt, CAST(body AS BLOB) AS body FROM attestations
      WHERE ${kind}observed_at = :at AND id > :afterId ORDER BY id LIMIT :limit`,
    later: `SELECT id, observed_at AS observedAt, CAST(body AS BLOB) AS body FROM attestations
      WHERE ${kind}observed_at > :at AND observed_at <= :to ORDER BY observed_at, id LIMIT :limit`,
  };
}

/** Row id used as "no row yet": ids are positive, so every row observed at `from` follows it. */
const BEFORE_FIRST_ROW = -1n;
const COMMA = Buffer.from(',');

/**
 * Reads a page of `query` from `read`, which runs one statement from `start` and yields its rows
 * lazily. Takes rows while they fit in query.maxBytes (the first row always, so a page never
 * stalls) and query.limit; reads one row more than it keeps, to know whether the range goes on.
 * The bodies are joined into one buffer: off the JavaScript heap, so a cached page costs the
 * garbage collector nothing.
 */
export function readPage(
  query: HistoryPageQuery,
  read: (sql: 'tied' | 'later', start: PageStart) => Iterable<PageRow>,
): HistoryPage {
  const parts: Buffer[] = [];
  let count = 0;
  let bytes = 0;
  let last: PageRow | null = null;
  const start: PageStart = {
    at: BigInt(query.from),
    afterId: query.afterId ?? BEFORE_FIRST_ROW,
    to: BigInt(query.to),
    // One more than the page: that row, kept or not, tells whether there is a next page.
    limit: BigInt(query.limit + 1),
  };
  const page = (next: PageRow | null): HistoryPage => ({
    count,
    json: Buffer.concat(parts),
    next: next === null ? null : { observedAt: Number(next.observedAt), id: next.id },
  });
  for (const sql of ['tied', 'later'] as const) {
    for (const row of read(sql, { ...start, limit: start.limit - BigInt(count) })) {
      const full = count >= query.limit || (count > 0 && bytes + row.body.length > query.maxBytes);
      if (full) return page(last);
      if (count > 0) parts.push(COMMA);
      parts.push(row.body);
      count++;
      bytes += row.body.length;
      last = row;
    }
  }
  return page(null);
}
