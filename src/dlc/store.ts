/**
 * What the DLC oracle must never forget, in two places on purpose:
 * - the database (SQLite, its own file): the identity it was created with, every announcement
 *   and its nonces (each nonce UNIQUE, each (event, index) UNIQUE), and every attestation
 *   (one per event, ever);
 * - the outcome journal: an append-only, fsynced file of released outcomes, written BEFORE an
 *   attestation leaves the process and kept apart from the database, so restoring an old database
 *   backup cannot make the oracle sign a second outcome with a nonce it already used (two
 *   signatures with one nonce reveal the key).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import Database, { type Database as Db } from 'better-sqlite3';
import { ConfigError, InputError } from '../core/errors.js';
import { migrate, type Migration } from '../store/migrations.js';

/** Schema history of the DLC database, oldest first; append only, never edit. */
const DLC_MIGRATIONS: readonly Migration[] = [
  {
    description: 'DLC identity, announcements, nonces and attestations',
    sql: `
      CREATE TABLE identity (
        id                INTEGER PRIMARY KEY CHECK (id = 1),
        public_key        TEXT NOT NULL,
        nonce_fingerprint TEXT NOT NULL,
        -- A nonce signs one message: the hash variant is fixed for the life of the database.
        signing_version   TEXT NOT NULL
      );
      CREATE TABLE events (
        event_id     TEXT    PRIMARY KEY,
        series       TEXT    NOT NULL,
        maturity     INTEGER NOT NULL,
        announcement BLOB    NOT NULL,
        announced_at INTEGER NOT NULL
      );
      CREATE INDEX events_maturity ON events (maturity, event_id);
      CREATE TABLE nonces (
        event_id TEXT    NOT NULL REFERENCES events (event_id),
        idx      INTEGER NOT NULL,
        nonce    TEXT    NOT NULL UNIQUE,
        UNIQUE (event_id, idx)
      );
      CREATE TABLE attestations (
        event_id          TEXT    PRIMARY KEY REFERENCES events (event_id),
        attestation       BLOB    NOT NULL,
        value             TEXT    NOT NULL,
        index_observed_at INTEGER NOT NULL,
        index_sequence    TEXT    NOT NULL,
        late              INTEGER NOT NULL CHECK (late IN (0, 1)),
        attested_at       INTEGER NOT NULL
      );
    `,
  },
];

/** Who the database belongs to: the oracle public key, a fingerprint of the nonce secret (hex), the signing version. */
export interface DlcIdentity {
  readonly publicKeyHex: string;
  readonly nonceFingerprintHex: string;
  readonly signingVersion: string;
}

/** An announced event as stored. */
export interface StoredEvent {
  readonly eventId: string;
  readonly series: string;
  /** ms since the epoch. */
  readonly maturity: number;
  /** oracle_announcement TLV bytes. */
  readonly announcement: Uint8Array;
  readonly announcedAt: number;
}

/** How an event was settled: the attestation and the index it came from. */
export interface StoredAttestation {
  readonly eventId: string;
  /** oracle_attestation TLV bytes. */
  readonly attestation: Uint8Array;
  /** The index converted to the descriptor's unit and precision, before clamping. */
  readonly value: bigint;
  readonly indexObservedAt: number;
  /** Sequence of the signed index attestation used, a decimal string. */
  readonly indexSequence: string;
  /** True when no index was observed within the tolerance after maturity. */
  readonly late: boolean;
  readonly attestedAt: number;
}

/** A page of events by (maturity, eventId); `after` continues a page that ended inside one maturity. */
export interface EventPageQuery {
  readonly from: number;
  readonly to: number;
  readonly after?: string;
  readonly limit: number;
}

/** The DLC database. Every method throws InputError or ConfigError on refused writes. */
export interface DlcStore {
  /** Records `expected` in a new database; throws ConfigError when the database holds another identity. */
  claimIdentity(expected: DlcIdentity): void;
  /** Stores an announcement and its nonces atomically; throws InputError when the event or a nonce is already stored. */
  insertEvent(event: StoredEvent, nonces: readonly Uint8Array[]): void;
  event(eventId: string): StoredEvent | null;
  /** Events with maturity in [from, to] after the cursor, by (maturity, eventId), at most `limit`. */
  events(query: EventPageQuery): StoredEvent[];
  /** Events matured at `nowMs` or before with no attestation yet, oldest first. */
  unattested(nowMs: number): StoredEvent[];
  /** Stores the one attestation of an event; throws InputError when it already has one. */
  insertAttestation(a: StoredAttestation): void;
  attestation(eventId: string): StoredAttestation | null;
  /** Ids of every attested event. */
  attestedEventIds(): string[];
  close(): void;
}

interface EventRow {
  event_id: string;
  series: string;
  maturity: number;
  announcement: Buffer;
  announced_at: number;
}

interface AttestationRow {
  event_id: string;
  attestation: Buffer;
  value: string;
  index_observed_at: number;
  index_sequence: string;
  late: number;
  attested_at: number;
}

/**
 * Opens (creating and migrating as needed) the DLC database at `file`, in WAL mode with
 * synchronous=FULL. Throws ConfigError when the file cannot be opened as a database.
 */
export function openDlcStore(file: string): DlcStore {
  let db: Db | undefined;
  try {
    fs.mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db, DLC_MIGRATIONS);
    return new SqliteDlcStore(db);
  } catch (error) {
    db?.close();
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`cannot open the DLC database ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

const EVENT_COLUMNS = 'event_id, series, maturity, announcement, announced_at';

class SqliteDlcStore implements DlcStore {
  constructor(private readonly db: Db) {}

  claimIdentity(expected: DlcIdentity): void {
    const claim = this.db.transaction(() => {
      const row = this.db.prepare('SELECT public_key, nonce_fingerprint, signing_version FROM identity WHERE id = 1').get() as
        | { public_key: string; nonce_fingerprint: string; signing_version: string }
        | undefined;
      if (row === undefined) {
        this.db
          .prepare('INSERT INTO identity (id, public_key, nonce_fingerprint, signing_version) VALUES (1, ?, ?, ?)')
          .run(expected.publicKeyHex, expected.nonceFingerprintHex, expected.signingVersion);
        return;
      }
      if (row.signing_version !== expected.signingVersion) {
        // Signing an announced nonce under another hash would sign a second message with it.
        throw new ConfigError(
          `the DLC database signs with ${row.signing_version}, but the configuration says ${expected.signingVersion}; ` +
            'a nonce must never sign two messages: keep the signing version, or start a new DLC database with a new nonce secret',
        );
      }
      if (row.public_key !== expected.publicKeyHex) {
        throw new ConfigError(
          `the DLC database belongs to oracle key ${row.public_key}, but the configured key is ${expected.publicKeyHex}; ` +
            'use the key it was created with, or another database',
        );
      }
      if (row.nonce_fingerprint !== expected.nonceFingerprintHex) {
        throw new ConfigError(
          `the DLC database was created with another nonce secret (fingerprint ${row.nonce_fingerprint}, configured ${expected.nonceFingerprintHex}); ` +
            'announced nonces could not be signed with: use the nonce secret file it was created with',
        );
      }
    });
    claim.immediate();
  }

  insertEvent(event: StoredEvent, nonces: readonly Uint8Array[]): void {
    const insert = this.db.transaction(() => {
      this.db
        .prepare(`INSERT INTO events (${EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?)`)
        .run(event.eventId, event.series, event.maturity, Buffer.from(event.announcement), event.announcedAt);
      const nonce = this.db.prepare('INSERT INTO nonces (event_id, idx, nonce) VALUES (?, ?, ?)');
      nonces.forEach((r, i) => nonce.run(event.eventId, i, Buffer.from(r).toString('hex')));
    });
    try {
      insert.immediate();
    } catch (error) {
      if (error instanceof Database.SqliteError && error.code.startsWith('SQLITE_CONSTRAINT')) {
        throw new InputError(`event ${event.eventId} or one of its nonces is already stored`, { cause: error });
      }
      throw error;
    }
  }

  event(eventId: string): StoredEvent | null {
    const row = this.db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE event_id = ?`).get(eventId) as EventRow | undefined;
    return row === undefined ? null : eventOf(row);
  }

  events(query: EventPageQuery): StoredEvent[] {
    const rows = this.db
      .prepare(
        `SELECT ${EVENT_COLUMNS} FROM events
         WHERE maturity BETWEEN :from AND :to AND (maturity > :from OR event_id > :after)
         ORDER BY maturity, event_id LIMIT :limit`,
      )
      .all({ from: query.from, to: query.to, after: query.after ?? '', limit: query.limit }) as EventRow[];
    return rows.map(eventOf);
  }

  unattested(nowMs: number): StoredEvent[] {
    const rows = this.db
      .prepare(
        `SELECT ${EVENT_COLUMNS} FROM events e
         WHERE maturity <= ? AND NOT EXISTS (SELECT 1 FROM attestations a WHERE a.event_id = e.event_id)
         ORDER BY maturity, event_id`,
      )
      .all(nowMs) as EventRow[];
    return rows.map(eventOf);
  }

  insertAttestation(a: StoredAttestation): void {
    try {
      this.db
        .prepare(
          `INSERT INTO attestations (event_id, attestation, value, index_observed_at, index_sequence, late, attested_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(a.eventId, Buffer.from(a.attestation), a.value.toString(), a.indexObservedAt, a.indexSequence, a.late ? 1 : 0, a.attestedAt);
    } catch (error) {
      if (error instanceof Database.SqliteError && error.code.startsWith('SQLITE_CONSTRAINT')) {
        throw new InputError(`event ${a.eventId} is already attested, or was never announced`, { cause: error });
      }
      throw error;
    }
  }

  attestation(eventId: string): StoredAttestation | null {
    const row = this.db.prepare('SELECT * FROM attestations WHERE event_id = ?').get(eventId) as AttestationRow | undefined;
    if (row === undefined) return null;
    return {
      eventId: row.event_id,
      attestation: new Uint8Array(row.attestation),
      value: BigInt(row.value),
      indexObservedAt: row.index_observed_at,
      indexSequence: row.index_sequence,
      late: row.late === 1,
      attestedAt: row.attested_at,
    };
  }

  attestedEventIds(): string[] {
    return this.db.prepare('SELECT event_id FROM attestations ORDER BY event_id').pluck().all() as string[];
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function eventOf(row: EventRow): StoredEvent {
  return {
    eventId: row.event_id,
    series: row.series,
    maturity: row.maturity,
    announcement: new Uint8Array(row.announcement),
    announcedAt: row.announced_at,
  };
}

/** One released outcome, as journaled before the attestation left the process. */
export interface JournalEntry {
  readonly eventId: string;
  /** The announcement TLV (hex), so a database restored from before it can get it back unchanged. */
  readonly announcementHex: string;
  readonly series: string;
  readonly maturity: number;
  readonly outcomes: readonly string[];
  /** outcomesDigest(outcomes): guards each line against editing and partial corruption. */
  readonly outcomesDigest: string;
  readonly value: string;
  readonly indexObservedAt: number;
  readonly indexSequence: string;
  readonly late: boolean;
  /** The signed oracle_attestation TLV (hex), released as is: restoring never signs again. */
  readonly attestationHex: string;
}

/** sha256 (hex) of the outcomes' JSON array: the digest every journal line carries. */
export function outcomesDigest(outcomes: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(outcomes)).digest('hex');
}

/** True when two outcome lists are the same strings in the same order. */
export function sameOutcomes(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The append-only outcome journal (JSON lines). One entry per event; a second entry for the same
 * event is refused, whatever its outcomes, so the journal can never record two outcomes.
 */
export class OutcomeJournal {
  private readonly byEvent: Map<string, JournalEntry>;

  private constructor(
    private readonly file: string,
    entries: readonly JournalEntry[],
  ) {
    this.byEvent = new Map(entries.map((e) => [e.eventId, e]));
  }

  /**
   * Reads (creating when missing, mode 0600) the journal at `file`. A torn last line (a crash
   * inside append, before anything was released) is cut off. Throws ConfigError for a malformed
   * or edited line, or two entries for one event.
   */
  static open(file: string): OutcomeJournal {
    let text: string;
    try {
      fs.mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    } catch (error) {
      throw new ConfigError(`cannot read the DLC journal ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
    }
    const complete = text.lastIndexOf('\n') + 1;
    if (complete < text.length) fs.truncateSync(file, Buffer.byteLength(text.slice(0, complete)));
    const entries: JournalEntry[] = [];
    const seen = new Set<string>();
    text
      .slice(0, complete)
      .split('\n')
      .forEach((line, i) => {
        if (line === '') return;
        const entry = parseEntry(line, `${file} line ${i + 1}`);
        if (seen.has(entry.eventId)) throw new ConfigError(`DLC journal ${file} line ${i + 1}: a second entry for event ${entry.eventId}`);
        seen.add(entry.eventId);
        entries.push(entry);
      });
    return new OutcomeJournal(file, entries);
  }

  /** Every entry, in the order written. */
  entries(): JournalEntry[] {
    return [...this.byEvent.values()];
  }

  /** The entry of `eventId`, or undefined. */
  get(eventId: string): JournalEntry | undefined {
    return this.byEvent.get(eventId);
  }

  /**
   * Appends `entry` and fsyncs the file (and, for a new file, its folder) before returning.
   * Throws InputError when the event is already journaled.
   */
  append(entry: Omit<JournalEntry, 'outcomesDigest'>): JournalEntry {
    if (this.byEvent.has(entry.eventId)) throw new InputError(`event ${entry.eventId} is already journaled`);
    const full: JournalEntry = { ...entry, outcomes: [...entry.outcomes], outcomesDigest: outcomesDigest(entry.outcomes) };
    const created = !fs.existsSync(this.file);
    const fd = fs.openSync(this.file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
    try {
      // writeSync may write less than asked: loop, so a released outcome is never a torn line.
      const line = Buffer.from(`${JSON.stringify(full)}\n`);
      for (let done = 0; done < line.length; ) done += fs.writeSync(fd, line, done, line.length - done);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (created) fsyncDirectory(dirname(this.file));
    this.byEvent.set(full.eventId, full);
    return full;
  }
}

function fsyncDirectory(dir: string): void {
  const fd = fs.openSync(dir, fs.constants.O_RDONLY);
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function parseEntry(line: string, where: string): JournalEntry {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new ConfigError(`DLC journal ${where} is not JSON`);
  }
  const e = raw as Record<string, unknown>;
  const ok =
    typeof e === 'object' && e !== null &&
    typeof e.eventId === 'string' && typeof e.announcementHex === 'string' && /^([0-9a-f]{2})+$/.test(e.announcementHex) &&
    typeof e.series === 'string' && Number.isSafeInteger(e.maturity) &&
    Array.isArray(e.outcomes) && e.outcomes.every((o) => typeof o === 'string') &&
    typeof e.outcomesDigest === 'string' && typeof e.value === 'string' && /^-?\d+$/.test(e.value) &&
    Number.isSafeInteger(e.indexObservedAt) && typeof e.indexSequence === 'string' && typeof e.late === 'boolean' &&
    typeof e.attestationHex === 'string' && /^([0-9a-f]{2})+$/.test(e.attestationHex);
  if (!ok) throw new ConfigError(`DLC journal ${where} is not a journal entry`);
  const entry = raw as JournalEntry;
  if (outcomesDigest(entry.outcomes) !== entry.outcomesDigest) {
    throw new ConfigError(`DLC journal ${where}: outcomes do not match their digest; the journal was altered or corrupted`);
  }
  return entry;
}
