/**
 * The DLC database's schema history (see src/store/migrations.ts for how it is applied): append
 * only, never edit a step, so every existing DLC database is brought forward step by step.
 */
import type { Migration } from '../store/migrations.js';

/** Schema history of the DLC database, oldest first; append only, never edit. */
export const DLC_MIGRATIONS: readonly Migration[] = [
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
  {
    description: 'DLC lineage (instance id), prune watermark, per-event nonce binding, served JSON built once',
    sql: `
      -- NULL in databases made before instance ids; set once, never changed (src/dlc/lineage.ts).
      ALTER TABLE identity ADD COLUMN instance_id TEXT;
      -- 1 once the journal names the same instance: until then start-up finishes the binding.
      ALTER TABLE identity ADD COLUMN journal_bound INTEGER NOT NULL DEFAULT 0 CHECK (journal_bound IN (0, 1));
      -- Attested events maturing before this (ms) were pruned; their journal entries stay in the journal only.
      ALTER TABLE identity ADD COLUMN pruned_before INTEGER NOT NULL DEFAULT 0;
      -- Events announced before instance ids keep the binding their nonces came from (src/dlc/nonces.ts);
      -- every insert names it.
      ALTER TABLE events ADD COLUMN nonce_binding TEXT NOT NULL DEFAULT 'v1' CHECK (nonce_binding IN ('v1', 'v2'));
      -- The event as served (JSON, without attestation and status), built and validated once.
      ALTER TABLE events ADD COLUMN view_head TEXT;
      -- The attestation as served (JSON), built and validated once.
      ALTER TABLE attestations ADD COLUMN view_json TEXT;
    `,
  },
  {
    description: 'served attestations rebuilt to carry the rust-dlc layout (rustDlcHex) beside the dlcspecs one',
    // Start-up rebuilds every NULL view from the stored bytes, verifying each (DlcService.buildMissingViews).
    sql: 'UPDATE attestations SET view_json = NULL;',
  },
];
