/**
 * The settlement ledger's schema history, oldest first (src/store/migrations.ts applies it): each
 * change is a new migration appended here, never an edit of an old one, so a ledger written by any
 * earlier version is brought forward step by step and keeps working.
 */
import type { Migration } from '../store/migrations.js';

export const LEDGER_MIGRATIONS: readonly Migration[] = [
  {
    description: 'settlement ledger: payments, expected receipts, rounds, oracle sequences',
    sql: `
      CREATE TABLE payments (
        id           INTEGER PRIMARY KEY,
        payment_hash TEXT    NOT NULL UNIQUE,
        preimage     TEXT    NOT NULL,
        -- The attestation this payment settles: never two payments for one attestation.
        digest       TEXT    NOT NULL UNIQUE,
        amount_msat  INTEGER NOT NULL CHECK (amount_msat > 0),
        max_fee_msat INTEGER NOT NULL,
        status       TEXT    NOT NULL CHECK (status IN ('intent', 'pending', 'complete', 'failed')),
        fee_msat     INTEGER,
        failure      TEXT,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL
      );
      CREATE INDEX payments_open ON payments (status) WHERE status IN ('intent', 'pending');
      CREATE TABLE expectations (
        id          INTEGER PRIMARY KEY,
        digest      TEXT    NOT NULL UNIQUE,
        amount_msat INTEGER NOT NULL CHECK (amount_msat > 0),
        created_at  INTEGER NOT NULL,
        due_at      INTEGER NOT NULL,
        -- lapsed: the debt went away (the price moved back) before it was due.
        status      TEXT    NOT NULL CHECK (status IN ('expected', 'received', 'missed', 'lapsed')),
        received_msat INTEGER NOT NULL DEFAULT 0,
        resolved_at INTEGER
      );
      CREATE TABLE rounds (
        id        INTEGER PRIMARY KEY,
        at        INTEGER NOT NULL,
        action    TEXT    NOT NULL,
        amount_msat INTEGER NOT NULL,
        price     TEXT,
        receiver_balance_msat INTEGER,
        reason    TEXT    NOT NULL
      );
      -- Sequences are u64: stored as 20-digit zero-padded text, so max() compares them exactly.
      CREATE TABLE sequences (
        public_key    TEXT    NOT NULL,
        kind          TEXT    NOT NULL,
        last_sequence TEXT    NOT NULL,
        PRIMARY KEY (public_key, kind)
      ) WITHOUT ROWID;
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    `,
  },
  {
    description: 'drain-proof accounting: baseline, received settlements, attestations per payment, acknowledgements',
    sql: `
      -- The receiver's balance observed at the agreement's first round (after this upgrade, for an
      -- older ledger): what the agreement starts from. One row.
      CREATE TABLE baseline (
        id            INTEGER PRIMARY KEY CHECK (id = 1),
        receiver_msat INTEGER NOT NULL CHECK (receiver_msat >= 0),
        at            INTEGER NOT NULL
      );
      -- 1 for a payment already complete when the baseline was observed: the baseline holds it.
      ALTER TABLE payments ADD COLUMN in_baseline INTEGER NOT NULL DEFAULT 0;
      -- The attestations each payment used; its record 65537 (payments.digest from now on) commits
      -- to exactly these. Bodies are the signed JSON, so either peer can audit the payment.
      CREATE TABLE payment_attestations (
        payment_hash TEXT NOT NULL REFERENCES payments (payment_hash),
        digest       TEXT NOT NULL,
        kind         TEXT NOT NULL,
        public_key   TEXT NOT NULL,
        sequence     TEXT NOT NULL,
        body         TEXT NOT NULL,
        PRIMARY KEY (payment_hash, digest)
      ) WITHOUT ROWID;
      -- One index attestation is settled at most once; a funding quote (signed once a minute) may
      -- serve several rounds.
      CREATE UNIQUE INDEX index_attestation_settled_once ON payment_attestations (digest)
        WHERE kind = 'index_price';
      -- Keysends received, each considered once: settlement payments from the peer (matched by
      -- record 65537, or by amount where the node does not report records), the others, and those
      -- the baseline already holds (listed when it was observed).
      CREATE TABLE received (
        id           INTEGER PRIMARY KEY,
        payment_hash TEXT    NOT NULL UNIQUE,
        amount_msat  INTEGER NOT NULL CHECK (amount_msat >= 0),
        settled_at   INTEGER NOT NULL,
        record       TEXT,
        matched_by   TEXT    NOT NULL CHECK (matched_by IN ('record', 'amount', 'none', 'baseline')),
        recorded_at  INTEGER NOT NULL
      );
      -- What the operator checked: the unexplained amount at the time (peer-stables acknowledge).
      CREATE TABLE acknowledgements (
        id               INTEGER PRIMARY KEY,
        at               INTEGER NOT NULL,
        unexplained_msat INTEGER NOT NULL
      );
      ALTER TABLE rounds ADD COLUMN agreed_receiver_msat INTEGER;
      ALTER TABLE rounds ADD COLUMN unexplained_msat INTEGER;
      ALTER TABLE rounds ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE rounds ADD COLUMN commitment TEXT;
    `,
  },
  {
    description: "the node's payment hash and proof of payment, receipts in order, and the channel's life",
    sql: `
      -- What the node reported of each payment. Core Lightning draws its own preimage, so its
      -- payment hash is not the one the ledger keys the payment by (sha256 of the client's preimage).
      ALTER TABLE payments ADD COLUMN node_payment_hash TEXT;
      ALTER TABLE payments ADD COLUMN node_preimage TEXT;
      -- Where the node's payment history stood before the intent was written (Core Lightning's
      -- sendpays index), so the payment is found later without listing older ones.
      ALTER TABLE payments ADD COLUMN sent_after TEXT;
      -- The last receipt recorded when an expectation was made: it asks for what came after it.
      ALTER TABLE expectations ADD COLUMN after_receipt INTEGER;
      -- The channel's life: each change of its state as the node names it, and the agreement's
      -- state; once closing starts, the price at close and the receiver's last settled balance.
      CREATE TABLE channel_states (
        id                   INTEGER PRIMARY KEY,
        at                   INTEGER NOT NULL,
        node_state           TEXT    NOT NULL,
        state                TEXT    NOT NULL,
        source               TEXT    NOT NULL CHECK (source IN ('poll', 'notification')),
        close_price          TEXT,
        agreed_receiver_msat INTEGER
      );
    `,
  },
  {
    description: "funding from the oracles' funding index: each oracle's anchor and last index applied",
    sql: `
      -- Per oracle key: its first funding_index at or after the funding start (signed JSON, so a
      -- peer can audit every increase) and the last one applied. The start and the funding agreed
      -- (10^-25 USD) are in meta (fundingSince, fundingIndexUsd). docs/METHODOLOGY.md 8.6.
      CREATE TABLE funding_index (
        public_key  TEXT    PRIMARY KEY,
        anchor_body TEXT    NOT NULL,
        last_value  TEXT    NOT NULL,
        last_at     INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    description: 'what each round saw: the quotes of every oracle (used or why not) and the channel',
    sql: `
      -- JSON: [{kind, oracle, accepted, reason}], one per oracle and figure the round fetched.
      ALTER TABLE rounds ADD COLUMN quotes TEXT;
      -- JSON: {normal, peerConnected, pendingHtlcs, capacityMsat (integer string)}, or NULL.
      ALTER TABLE rounds ADD COLUMN channel TEXT;
    `,
  },
];
