/**
 * The DLC database (SQLite, its own file in the data directory): the identity it was created
 * with (oracle key, nonce secret fingerprint, signing version, lineage), every announcement with
 * its nonces (each nonce UNIQUE, each (event, index) UNIQUE) and every attestation (one per
 * event, ever), each stored beside the JSON it is served as, built once when it was written.
 * The outcome journal (src/dlc/journal.ts) is the other half of what the DLC oracle never forgets.
 */
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import Database, { type Database as Db } from 'better-sqlite3';
import { ConfigError, InputError } from '../core/errors.js';
import { migrate } from '../store/migrations.js';
import type { NonceBinding } from './nonces.js';
import { DLC_MIGRATIONS } from './schema.js';

/** Who the database belongs to: the oracle public key, a fingerprint of the nonce secret (hex), the signing version. */
export interface DlcIdentity {
  readonly publicKeyHex: string;
  readonly nonceFingerprintHex: string;
  readonly signingVersion: string;
}

/** The identity as stored, with the lineage and the prune watermark. */
export interface StoredIdentity extends DlcIdentity {
  /** Hex of the 32-byte instance id; null in a database older than instance ids. */
  readonly instanceId: string | null;
  /** True once the journal names the same instance. */
  readonly journalBound: boolean;
  /** Attested events maturing before this (ms) were pruned. */
  readonly prunedBefore: number;
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
  /** How the secret its nonces came from was bound. */
  readonly nonceBinding: NonceBinding;
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

/** An event as the API serves it, from stored JSON only: nothing here needs decoding. */
export interface ServedRow {
  readonly eventId: string;
  readonly maturity: number;
  /** The event's JSON object without attestation, status and reason (src/dlc/views.ts). */
  readonly head: string;
  /** The attestation's JSON object, or null while unattested. */
  readonly attestation: string | null;
  readonly late: boolean;
  readonly indexObservedAt: number;
}

/** A page of events by (maturity, eventId); `after` continues a page that ended inside one maturity. */
export interface EventPageQuery {
  readonly from: number;
  readonly to: number;
  readonly after?: string;
  readonly limit: number;
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
    return new DlcStore(db);
  } catch (error) {
    db?.close();
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(
      `cannot open the DLC database ${file}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

const EVENT_COLUMNS = 'event_id, series, maturity, announcement, announced_at, nonce_binding';
const SERVED_COLUMNS = 'e.event_id, e.maturity, e.view_head, a.view_json, a.late, a.index_observed_at';
const SERVED_FROM = 'events e LEFT JOIN attestations a ON a.event_id = e.event_id';

/** The DLC database. Refused writes throw InputError; build it with openDlcStore. */
export class DlcStore {
  /** @internal use openDlcStore. */
  constructor(private readonly db: Db) {}

  /**
   * The stored identity after checking it against `expected`, or null for a new database.
   * Throws ConfigError for another key, nonce secret or signing version.
   */
  claimIdentity(expected: DlcIdentity): StoredIdentity | null {
    const row = this.db.prepare('SELECT * FROM identity WHERE id = 1').get() as IdentityRow | undefined;
    if (row === undefined) return null;
    checkIdentity(row, expected);
    return {
      publicKeyHex: row.public_key,
      nonceFingerprintHex: row.nonce_fingerprint,
      signingVersion: row.signing_version,
      instanceId: row.instance_id,
      journalBound: row.journal_bound === 1,
      prunedBefore: row.pruned_before,
    };
  }

  /** Records the identity of a new database, its lineage not yet bound to a journal. */
  createIdentity(identity: DlcIdentity, instanceId: string): void {
    this.db
      .prepare(
        `INSERT INTO identity (id, public_key, nonce_fingerprint, signing_version, instance_id)
         VALUES (1, ?, ?, ?, ?)`,
      )
      .run(identity.publicKeyHex, identity.nonceFingerprintHex, identity.signingVersion, instanceId);
  }

  /** Sets the lineage of an existing database and whether its journal names it. */
  setInstance(instanceId: string, journalBound: boolean): void {
    this.db
      .prepare('UPDATE identity SET instance_id = ?, journal_bound = ? WHERE id = 1')
      .run(instanceId, journalBound ? 1 : 0);
  }

  /** The prune watermark: attested events maturing before it (ms) were pruned. */
  prunedBefore(): number {
    return (
      (this.db.prepare('SELECT pruned_before FROM identity WHERE id = 1').pluck().get() as number | undefined) ?? 0
    );
  }

  eventCount(): number {
    return this.db.prepare('SELECT count(*) FROM events').pluck().get() as number;
  }

  /**
   * Stores an announcement, its served JSON and its nonces atomically; throws InputError when the
   * event or a nonce is already stored.
   */
  insertEvent(event: StoredEvent & { readonly head: string }, nonces: readonly Uint8Array[]): void {
    const insert = this.db.transaction(() => {
      this.db
        .prepare(`INSERT INTO events (${EVENT_COLUMNS}, view_head) VALUES (?, ?, ?, ?, ?, ?, ?)`)
        .run(
          event.eventId,
          event.series,
          event.maturity,
          Buffer.from(event.announcement),
          event.announcedAt,
          event.nonceBinding,
          event.head,
        );
      const nonce = this.db.prepare('INSERT INTO nonces (event_id, idx, nonce) VALUES (?, ?, ?)');
      nonces.forEach((r, i) => nonce.run(event.eventId, i, Buffer.from(r).toString('hex')));
    });
    refusingConstraints(() => insert.immediate(), `event ${event.eventId} or one of its nonces is already stored`);
  }

  event(eventId: string): StoredEvent | null {
    const row = this.db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE event_id = ?`).get(eventId) as
      EventRow | undefined;
    return row === undefined ? null : eventOf(row);
  }

  /** Events matured at `nowMs` or before with no attestation yet, oldest first. */
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

  /** Stores the one attestation of an event with its served JSON; throws InputError when it already has one. */
  insertAttestation(a: StoredAttestation & { readonly view: string }): void {
    const insert = this.db.prepare(
      `INSERT INTO attestations
         (event_id, attestation, value, index_observed_at, index_sequence, late, attested_at, view_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    refusingConstraints(
      () =>
        insert.run(
          a.eventId,
          Buffer.from(a.attestation),
          a.value.toString(),
          a.indexObservedAt,
          a.indexSequence,
          a.late ? 1 : 0,
          a.attestedAt,
          a.view,
        ),
      `event ${a.eventId} is already attested, or was never announced`,
    );
  }

  attestation(eventId: string): StoredAttestation | null {
    const row = this.db.prepare('SELECT * FROM attestations WHERE event_id = ?').get(eventId) as
      AttestationRow | undefined;
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

  /** Ids of every attested event. */
  attestedEventIds(): string[] {
    return this.db.prepare('SELECT event_id FROM attestations ORDER BY event_id').pluck().all() as string[];
  }

  /** The event as served, or null when it is not stored. */
  served(eventId: string): ServedRow | null {
    const row = this.db.prepare(`SELECT ${SERVED_COLUMNS} FROM ${SERVED_FROM} WHERE e.event_id = ?`).get(eventId) as
      ServedRowRaw | undefined;
    return row === undefined ? null : servedOf(row);
  }

  /** Events with maturity in [from, to] after the cursor, by (maturity, eventId), at most `limit`, read lazily. */
  *servedPage(query: EventPageQuery): Generator<ServedRow> {
    const rows = this.db
      .prepare(
        `SELECT ${SERVED_COLUMNS} FROM ${SERVED_FROM}
         WHERE e.maturity BETWEEN :from AND :to AND (e.maturity > :from OR e.event_id > :after)
         ORDER BY e.maturity, e.event_id LIMIT :limit`,
      )
      .iterate({
        from: query.from,
        to: query.to,
        after: query.after ?? '',
        limit: query.limit,
      }) as IterableIterator<ServedRowRaw>;
    for (const row of rows) yield servedOf(row);
  }

  /** Ids of events, and of attestations, stored without their served JSON (databases from before it was stored). */
  unbuiltViews(): { events: string[]; attestations: string[] } {
    return {
      events: this.db
        .prepare('SELECT event_id FROM events WHERE view_head IS NULL ORDER BY maturity')
        .pluck()
        .all() as string[],
      attestations: this.db
        .prepare('SELECT event_id FROM attestations WHERE view_json IS NULL')
        .pluck()
        .all() as string[],
    };
  }

  /** Stores the served JSON of an event that lacked it. */
  setEventView(eventId: string, head: string): void {
    this.db.prepare('UPDATE events SET view_head = ? WHERE event_id = ?').run(head, eventId);
  }

  /** Stores the served JSON of an attestation that lacked it. */
  setAttestationView(eventId: string, view: string): void {
    this.db.prepare('UPDATE attestations SET view_json = ? WHERE event_id = ?').run(view, eventId);
  }

  /**
   * Deletes every ATTESTED event maturing before `beforeMs` (an event not yet attested is never
   * deleted) and raises the prune watermark to `beforeMs`, in one transaction. Returns how many.
   */
  prune(beforeMs: number): number {
    const run = this.db.transaction(() => {
      const ids = this.db
        .prepare('SELECT e.event_id FROM events e JOIN attestations a ON a.event_id = e.event_id WHERE e.maturity < ?')
        .pluck()
        .all(beforeMs) as string[];
      const deletes = ['nonces', 'attestations', 'events'].map((table) =>
        this.db.prepare(`DELETE FROM ${table} WHERE event_id = ?`),
      );
      for (const id of ids) for (const del of deletes) del.run(id);
      this.db.prepare('UPDATE identity SET pruned_before = max(pruned_before, ?) WHERE id = 1').run(beforeMs);
      return ids.length;
    });
    return run.immediate();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

interface IdentityRow {
  public_key: string;
  nonce_fingerprint: string;
  signing_version: string;
  instance_id: string | null;
  journal_bound: number;
  pruned_before: number;
}

interface EventRow {
  event_id: string;
  series: string;
  maturity: number;
  announcement: Buffer;
  announced_at: number;
  nonce_binding: NonceBinding;
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

interface ServedRowRaw {
  event_id: string;
  maturity: number;
  view_head: string | null;
  view_json: string | null;
  late: number | null;
  index_observed_at: number | null;
}

function checkIdentity(row: IdentityRow, expected: DlcIdentity): void {
  if (row.signing_version !== expected.signingVersion) {
    // Signing an announced nonce under another hash would sign a second message with it.
    throw new ConfigError(
      `the DLC database signs with ${row.signing_version}, but the configuration says ${expected.signingVersion}; ` +
        'a nonce must never sign two messages: keep the signing version, or start a new DLC database ' +
        'with a new nonce secret',
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
      `the DLC database was created with another nonce secret (fingerprint ${row.nonce_fingerprint}, ` +
        `configured ${expected.nonceFingerprintHex}); announced nonces could not be signed with: ` +
        'use the nonce secret file it was created with',
    );
  }
}

function refusingConstraints(write: () => unknown, message: string): void {
  try {
    write();
  } catch (error) {
    if (error instanceof Database.SqliteError && error.code.startsWith('SQLITE_CONSTRAINT'))
      throw new InputError(message, { cause: error });
    throw error;
  }
}

function eventOf(row: EventRow): StoredEvent {
  return {
    eventId: row.event_id,
    series: row.series,
    maturity: row.maturity,
    announcement: new Uint8Array(row.announcement),
    announcedAt: row.announced_at,
    nonceBinding: row.nonce_binding,
  };
}

function servedOf(row: ServedRowRaw): ServedRow {
  // Every write stores the JSON, and start-up builds what older databases lack, before serving.
  if (row.view_head === null) throw new Error(`DLC event ${row.event_id} has no served JSON`);
  return {
    eventId: row.event_id,
    maturity: row.maturity,
    head: row.view_head,
    attestation: row.view_json,
    late: row.late === 1,
    indexObservedAt: row.index_observed_at ?? 0,
  };
}
