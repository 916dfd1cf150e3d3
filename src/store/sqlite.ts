/**
 * The attestation history and sequence counters in one SQLite file, `<dataDir>/oracle.sqlite3`.
 *
 * Integers are read as bigint (safe integers) so sequences and times never pass through a float.
 * SQLite stores signed 64-bit integers, so values above 2^63 - 1 are refused rather than wrapped.
 * WAL with synchronous=FULL: a reserved sequence is on disk before nextSequence returns.
 * Each body is stored in the canonical form it is served in, so pages of history are served as
 * stored (src/store/history-page.ts). One writer per database is assumed (the oracle process): the
 * page cache is invalidated by this connection's own appends and prunes.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database, { type Database as Db, type Statement } from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import { fromHex } from '../attest/bytes.js';
import { fromJson, toJson } from '../attest/json.js';
import { KIND_CODES, type AttestationJson, type AttestationKind } from '../attest/types.js';
import { systemClock, type Clock } from '../core/clock.js';
import { ConfigError, InputError } from '../core/errors.js';
import { checkFundingIndexState, type FundingIndexState } from '../index/funding-index.js';
import { silentLogger, type Logger } from '../core/log.js';
import { pageSql, readPage, type PageRow, type PageStart } from './history-page.js';
import { migrate } from './migrations.js';
import type { AttestationStore, HistoryPage, HistoryPageQuery, HistoryPages, HistoryQuery } from './types.js';

/** Name of the database file inside the data directory. */
export const DATABASE_FILE = 'oracle.sqlite3';
/** The oracle's lock on its data directory: one process writes a store at a time. */
export const LOCK_FILE = 'oracle.lock';

/** Largest integer SQLite can store. */
const SQLITE_MAX_INTEGER = 2n ** 63n - 1n;

export interface StoreOptions {
  /** Directory of the database; created (mode 0700) when missing. */
  readonly dataDir: string;
  /** Rows of history pages kept in memory (a page of n rows counts n + 1), for repeated queries. */
  readonly historyCacheSize: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/**
 * Opens (creating and migrating as needed) the store in `options.dataDir`. Throws ConfigError
 * for bad options, a data directory that cannot be created, a file that is not a usable SQLite
 * database, or a database written by a newer version of this software.
 */
export function openStore(options: StoreOptions): AttestationStore & HistoryPages {
  const { dataDir, historyCacheSize } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  if (typeof dataDir !== 'string' || dataDir === '') throw new ConfigError('store dataDir must be a non-empty path');
  if (!Number.isSafeInteger(historyCacheSize) || historyCacheSize < 1) {
    throw new ConfigError(`store historyCacheSize must be a positive integer, got ${String(historyCacheSize)}`);
  }
  const file = join(dataDir, DATABASE_FILE);
  let db: Db | undefined;
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    db = new Database(file);
    db.defaultSafeIntegers(true);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const startedAt = clock.now();
    const { from, to } = migrate(db);
    if (from !== to) logger.info({ from, to, durationMs: clock.now() - startedAt }, 'database schema migrated');
    return new SqliteStore(db, historyCacheSize);
  } catch (error) {
    db?.close();
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(
      `cannot open the database ${file}: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
}

interface RangeParams {
  from: bigint;
  to: bigint;
  limit: bigint;
}

/** History rows, oldest first, ties in insertion order; with and without a kind, each served by its own index. */
const RANGE_SQL = (kindFilter: string): string => `
  SELECT body FROM attestations
  WHERE ${kindFilter} observed_at BETWEEN :from AND :to
  ORDER BY observed_at, id
  LIMIT :limit`;

class SqliteStore implements AttestationStore, HistoryPages {
  private readonly cache: LRUCache<string, HistoryPage>;
  /** Row id of the newest append: part of every cache key, so an append invalidates the cache. */
  private newestId: bigint;
  private readonly reserveSequence: (publicKeyHex: string, atLeast: bigint) => bigint;
  private readonly insert: Statement<[string, bigint, string, string, bigint, string]>;
  private readonly selectRange: Statement<RangeParams, string>;
  private readonly selectRangeOfKind: Statement<RangeParams & { kind: string }, string>;
  private readonly selectPage: Record<'tied' | 'later', Statement<PageStart, PageRow>>;
  private readonly selectPageOfKind: Record<'tied' | 'later', Statement<PageStart & { kind: string }, PageRow>>;
  private readonly selectLatest: Statement<[string, string], string>;
  private readonly deleteBefore: Statement<[bigint]>;
  private readonly selectFundingIndex: Statement<[string, string], FundingIndexRow>;
  private readonly upsertFundingIndex: Statement<[string, string, bigint, bigint, number | null]>;

  constructor(
    private readonly db: Db,
    historyCacheSize: number,
  ) {
    // Bounded by rows, not by queries: a thousand distinct 1000-row pages must not hold a
    // million bodies.
    this.cache = new LRUCache({ maxSize: historyCacheSize, sizeCalculation: (page) => page.count + 1 });
    this.newestId = (db.prepare('SELECT max(id) FROM attestations').pluck().get() as bigint | null) ?? 0n;
    this.insert = db.prepare(
      'INSERT INTO attestations (public_key, sequence, kind, pair, observed_at, body) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.selectRange = db.prepare<RangeParams, string>(RANGE_SQL('')).pluck();
    this.selectRangeOfKind = db.prepare<RangeParams & { kind: string }, string>(RANGE_SQL('kind = :kind AND')).pluck();
    const all = pageSql(false);
    const ofKind = pageSql(true);
    this.selectPage = { tied: db.prepare(all.tied), later: db.prepare(all.later) };
    this.selectPageOfKind = { tied: db.prepare(ofKind.tied), later: db.prepare(ofKind.later) };
    this.selectLatest = db
      .prepare<[string, string], string>(
        'SELECT body FROM attestations WHERE kind = ? AND public_key = ? ORDER BY sequence DESC LIMIT 1',
      )
      .pluck();
    this.deleteBefore = db.prepare('DELETE FROM attestations WHERE observed_at < ?');
    this.selectFundingIndex = db.prepare<[string, string], FundingIndexRow>(
      'SELECT value, remainder, at FROM funding_index WHERE public_key = ? AND pair = ?',
    );
    this.upsertFundingIndex = db.prepare(
      `INSERT INTO funding_index (public_key, pair, value, remainder, at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (public_key, pair) DO UPDATE SET value = excluded.value, remainder = excluded.remainder,
         at = excluded.at`,
    );
    const selectSequence = db
      .prepare<[string], bigint>('SELECT last_sequence FROM sequences WHERE public_key = ?')
      .pluck();
    const upsertSequence = db.prepare<[string, bigint]>(
      `INSERT INTO sequences (public_key, last_sequence) VALUES (?, ?)
       ON CONFLICT (public_key) DO UPDATE SET last_sequence = excluded.last_sequence`,
    );
    const reserve = db.transaction((publicKeyHex: string, atLeast: bigint): bigint => {
      const last = selectSequence.get(publicKeyHex) ?? 0n;
      const next = last + 1n > atLeast ? last + 1n : atLeast;
      if (next > SQLITE_MAX_INTEGER) throw new InputError('sequence numbers exhausted for this public key');
      upsertSequence.run(publicKeyHex, next);
      return next;
    });
    // Immediate: take the write lock before reading, so two writers can never reserve the same number.
    this.reserveSequence = (publicKeyHex, atLeast) => reserve.immediate(publicKeyHex, atLeast);
  }

  nextSequence(publicKeyHex: string, atLeast: bigint = 0n): bigint {
    fromHex('publicKeyHex', publicKeyHex, 32);
    if (typeof atLeast !== 'bigint' || atLeast < 0n || atLeast > SQLITE_MAX_INTEGER) {
      throw new InputError(`atLeast must be a bigint in 0..2^63-1, got ${String(atLeast)}`);
    }
    return this.reserveSequence(publicKeyHex, atLeast);
  }

  append(attestation: AttestationJson, fundingIndex?: FundingIndexState): void {
    const parsed = fromJson(attestation);
    if (parsed.sequence > SQLITE_MAX_INTEGER) throw new InputError('sequence above 2^63-1 cannot be stored');
    if (parsed.observedAt > SQLITE_MAX_INTEGER) throw new InputError('observedAt above 2^63-1 cannot be stored');
    if (fundingIndex !== undefined) checkIndexAppend(parsed.kind, parsed.value, parsed.observedAt, fundingIndex);
    // Re-serialised from the parsed value: the stored body is the canonical served form.
    const json = toJson(parsed);
    const write = this.db.transaction(() => {
      if (fundingIndex !== undefined) {
        const stored = this.fundingIndex(json.publicKey, json.pair);
        if (stored?.at != null && (fundingIndex.at as number) < stored.at)
          throw new InputError(`the funding index is stored at ${stored.at}; it never goes back to ${fundingIndex.at}`);
        this.writeFundingIndex(json.publicKey, json.pair, fundingIndex);
      }
      return this.insert.run(
        json.publicKey,
        parsed.sequence,
        json.kind,
        json.pair,
        parsed.observedAt,
        JSON.stringify(json),
      );
    });
    try {
      this.newestId = BigInt(write.immediate().lastInsertRowid);
    } catch (error) {
      if (error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new InputError(`attestation ${json.publicKey.slice(0, 16)}… sequence ${json.sequence} is already stored`);
      }
      throw error;
    }
  }

  range(query: HistoryQuery): AttestationJson[] {
    const { from, to, limit, kind } = checkQuery(query);
    if (from > to) return [];
    const params = { from: BigInt(from), to: BigInt(to), limit: BigInt(limit) };
    const bodies = kind === undefined ? this.selectRange.all(params) : this.selectRangeOfKind.all({ ...params, kind });
    // Stored bodies were validated on append; reading them back is only JSON.
    return bodies.map((body) => JSON.parse(body) as AttestationJson);
  }

  page(query: HistoryPageQuery): HistoryPage {
    const { from, to, limit, kind } = checkQuery(query);
    const { afterId, maxBytes } = query;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
      throw new InputError(`maxBytes must be a positive integer, got ${String(maxBytes)}`);
    }
    if (afterId !== undefined && (typeof afterId !== 'bigint' || afterId < 0n || afterId > SQLITE_MAX_INTEGER)) {
      throw new InputError(`afterId must be a bigint in 0..2^63-1, got ${String(afterId)}`);
    }
    if (from > to) return { count: 0, json: Buffer.alloc(0), next: null };
    const key = `${kind ?? '*'}|${from}|${afterId ?? ''}|${to}|${limit}|${maxBytes}|${this.newestId}`;
    let page = this.cache.get(key);
    if (page === undefined) {
      page = readPage(query, (sql, start) =>
        kind === undefined
          ? this.selectPage[sql].iterate(start)
          : this.selectPageOfKind[sql].iterate({ ...start, kind }),
      );
      this.cache.set(key, page);
    }
    return page;
  }

  latest(kind: AttestationKind, publicKeyHex: string): AttestationJson | null {
    checkKind(kind);
    fromHex('publicKeyHex', publicKeyHex, 32);
    const body = this.selectLatest.get(kind, publicKeyHex);
    return body === undefined ? null : (JSON.parse(body) as AttestationJson);
  }

  fundingIndex(publicKeyHex: string, pair: string): FundingIndexState | null {
    fromHex('publicKeyHex', publicKeyHex, 32);
    const row = this.selectFundingIndex.get(publicKeyHex, pair);
    return row === undefined
      ? null
      : { value: row.value, remainder: row.remainder, at: row.at === null ? null : Number(row.at) };
  }

  startFundingIndex(publicKeyHex: string, pair: string, state: FundingIndexState): void {
    fromHex('publicKeyHex', publicKeyHex, 32);
    checkFundingIndexState(state);
    this.db
      .transaction(() => {
        const stored = this.fundingIndex(publicKeyHex, pair);
        if (stored !== null && (state.at === null || stored.at === null || stored.at >= state.at))
          throw new InputError(
            `a funding index for ${pair} is already stored (${describeIndex(stored)}); ` +
              `refusing to replace it with ${describeIndex(state)}: an index never restarts or goes back`,
          );
        this.writeFundingIndex(publicKeyHex, pair, state);
      })
      .immediate();
  }

  private writeFundingIndex(publicKeyHex: string, pair: string, state: FundingIndexState): void {
    this.upsertFundingIndex.run(publicKeyHex, pair, state.value, state.remainder, state.at);
  }

  prune(beforeMs: number): number {
    if (!Number.isSafeInteger(beforeMs))
      throw new InputError(`beforeMs must be an integer (ms), got ${String(beforeMs)}`);
    const removed = this.deleteBefore.run(BigInt(beforeMs)).changes;
    if (removed > 0) this.cache.clear();
    return removed;
  }

  close(): void {
    this.cache.clear();
    if (this.db.open) this.db.close();
  }
}

interface FundingIndexRow {
  value: bigint;
  remainder: bigint;
  at: bigint | null;
}

const describeIndex = (s: FundingIndexState): string =>
  s.at === null ? 'a new index, not yet signed' : `value ${s.value} at ${s.at}`;

/** The state stored with a funding_index attestation is the one it signed: same value, same time. */
function checkIndexAppend(kind: string, value: bigint, observedAt: bigint, state: FundingIndexState): void {
  checkFundingIndexState(state);
  if (kind !== 'funding_index' || state.value !== value || state.at === null || BigInt(state.at) !== observedAt)
    throw new InputError(
      `a funding index state is stored only with the funding_index attestation it signed (value ${value} at ` +
        `${observedAt}), got ${kind} and ${describeIndex(state)}`,
    );
}

function checkQuery<Q extends HistoryQuery>(query: Q): Q {
  const { from, to, limit, kind } = query;
  for (const [name, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new InputError(`${name} must be a non-negative integer (ms), got ${String(value)}`);
    }
  }
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new InputError(`limit must be a positive integer, got ${String(limit)}`);
  }
  if (kind !== undefined) checkKind(kind);
  return query;
}

function checkKind(kind: string): asserts kind is AttestationKind {
  if (!Object.hasOwn(KIND_CODES, kind)) {
    throw new InputError(`kind must be one of ${Object.keys(KIND_CODES).join(', ')}, got ${JSON.stringify(kind)}`);
  }
}
