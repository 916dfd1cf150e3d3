/**
 * The ledger's funding state (docs/METHODOLOGY.md 8.6), read and written apart from the rest of
 * the ledger: the funding start, the funding agreed from the index and, per oracle, its anchor and
 * the last index applied; and the msat funding a ledger of an earlier version accrued, kept. Times
 * only move forward, and an oracle's anchor, once pinned, never changes.
 */
import type { Database } from 'better-sqlite3';
import { fromJson, toJson } from '../attest/json.js';
import type { AppliedIndex, FundingState } from './ledger-types.js';

// Meta keys; the first two are those earlier versions wrote, so an upgraded ledger keeps its funding.
const FUNDING_ACCRUED = 'fundingAccruedMsat';
const LAST_FUNDING_AT = 'lastFundingAt';
const FUNDING_SINCE = 'fundingSince';
const FUNDING_INDEX_USD = 'fundingIndexUsd';

interface Row {
  public_key: string;
  anchor_body: string;
  last_value: string;
  last_at: number;
}

const meta = (db: Database, key: string): string | null =>
  (db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined) ?? null;
const setMeta = (db: Database, key: string, value: string): void => {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(
    key,
    value,
  );
};

/** The funding state, or null before the first round with funding. */
export function readFunding(db: Database): FundingState | null {
  const last = meta(db, LAST_FUNDING_AT);
  if (last === null) return null;
  const since = meta(db, FUNDING_SINCE);
  const oracles = new Map<string, AppliedIndex>();
  for (const row of db.prepare('SELECT * FROM funding_index').all() as Row[])
    oracles.set(row.public_key, {
      anchor: fromJson(JSON.parse(row.anchor_body)),
      lastValue: BigInt(row.last_value),
      lastAt: Number(row.last_at),
    });
  return {
    accruedMsat: BigInt(meta(db, FUNDING_ACCRUED) ?? '0'),
    lastAt: Number(last),
    // A ledger that accrued from rates before the index existed has no start yet: the round adopts
    // the agreed one if it is not before where that ledger stopped (./round-funding.ts).
    since: since === null ? null : Number(since),
    indexUsd: BigInt(meta(db, FUNDING_INDEX_USD) ?? '0'),
    oracles,
  };
}

/** Writes `next` over the stored state; call it inside the round's transaction. */
export function writeFunding(db: Database, next: FundingState): void {
  const stored = readFunding(db);
  setMeta(db, FUNDING_ACCRUED, String(next.accruedMsat));
  setMeta(db, LAST_FUNDING_AT, String(Math.max(stored?.lastAt ?? next.lastAt, next.lastAt)));
  // The start, once written, never changes: the round refuses a different one before it gets here.
  const since = stored?.since ?? next.since;
  if (meta(db, FUNDING_SINCE) === null && since !== null) setMeta(db, FUNDING_SINCE, String(since));
  setMeta(db, FUNDING_INDEX_USD, String(next.indexUsd));
  const upsert = db.prepare(
    `INSERT INTO funding_index (public_key, anchor_body, last_value, last_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (public_key) DO UPDATE SET last_value = excluded.last_value, last_at = excluded.last_at
       WHERE excluded.last_at >= funding_index.last_at`,
  );
  for (const [key, applied] of next.oracles)
    upsert.run(key, JSON.stringify(toJson(applied.anchor)), String(applied.lastValue), applied.lastAt);
}
