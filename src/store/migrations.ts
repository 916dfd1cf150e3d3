/**
 * Versioned schema of the oracle database. PRAGMA user_version records how many migrations have
 * been applied; each new schema change is appended to MIGRATIONS and never edited afterwards, so
 * every existing database can be brought forward step by step.
 */
import type { Database } from 'better-sqlite3';
import { ConfigError } from '../core/errors.js';

export interface Migration {
  /** What the step does, for the log. */
  readonly description: string;
  readonly sql: string;
}

/** The schema history, oldest first; migration i brings user_version from i to i + 1. */
export const MIGRATIONS: readonly Migration[] = [
  {
    description: 'attestations history and per-key sequence counters',
    sql: `
      CREATE TABLE attestations (
        id          INTEGER PRIMARY KEY,
        public_key  TEXT    NOT NULL,
        sequence    INTEGER NOT NULL,
        kind        TEXT    NOT NULL,
        pair        TEXT    NOT NULL,
        observed_at INTEGER NOT NULL,
        body        TEXT    NOT NULL,
        UNIQUE (public_key, sequence)
      );
      CREATE INDEX attestations_kind_observed_at ON attestations (kind, observed_at);
      -- History queries without a kind and pruning both filter on time alone.
      CREATE INDEX attestations_observed_at ON attestations (observed_at);
      -- Kept apart from attestations so pruning history can never lower a counter.
      CREATE TABLE sequences (
        public_key    TEXT    PRIMARY KEY,
        last_sequence INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    description: 'funding index state per key and pair (docs/METHODOLOGY.md 8.8)',
    sql: `
      -- What the next step of the funding index continues from: its last signed value, the part of
      -- a unit its floor left (in 72ths), and its time (NULL: a new index, starting at its first
      -- tick). Written in the transaction that stores the attestation; kept apart from attestations
      -- so pruning history never loses it.
      CREATE TABLE funding_index (
        public_key TEXT    NOT NULL,
        pair       TEXT    NOT NULL,
        value      INTEGER NOT NULL,
        remainder  INTEGER NOT NULL CHECK (remainder >= 0),
        at         INTEGER,
        PRIMARY KEY (public_key, pair)
      ) WITHOUT ROWID;
    `,
  },
];

/**
 * Applies the pending `migrations` to `db` in one immediate transaction (all or nothing) and
 * returns the schema version before and after. Throws ConfigError when the database was written
 * by a newer version of this software (its user_version exceeds what the code knows).
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): { from: number; to: number } {
  const run = db.transaction(() => {
    const from = Number(db.pragma('user_version', { simple: true }));
    if (from > migrations.length) {
      throw new ConfigError(
        `database schema version ${from} is newer than this software supports (${migrations.length}); ` +
          'upgrade peer-stables or use another data directory',
      );
    }
    for (let version = from; version < migrations.length; version++) {
      db.exec((migrations[version] as Migration).sql);
      // Recorded inside the same transaction, so a crash never leaves a half-applied step.
      db.pragma(`user_version = ${version + 1}`);
    }
    return { from, to: migrations.length };
  });
  return run.immediate();
}
