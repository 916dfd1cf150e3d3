/**
 * The settlement ledger (SQLite): what the client intends to pay is written before it pays, and
 * the outcome after, so a crash at any point leaves a record to reconcile with the node. One
 * attestation is settled at most once (a UNIQUE digest), and the last sequence accepted from each
 * oracle survives restarts, so a replayed quote is refused even after one.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { AttestationKind } from '../attest/types.js';
import { ConfigError, InputError } from '../core/errors.js';
import { migrate, type Migration } from '../store/migrations.js';

const LEDGER_MIGRATIONS: readonly Migration[] = [
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
];

export type PaymentRecordStatus = 'intent' | 'pending' | 'complete' | 'failed';

export interface PaymentRecord {
  readonly paymentHash: string;
  readonly preimage: string;
  readonly digest: string;
  readonly amountMsat: bigint;
  readonly maxFeeMsat: bigint;
  readonly status: PaymentRecordStatus;
  readonly feeMsat: bigint | null;
  readonly failure: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface Expectation {
  readonly digest: string;
  readonly amountMsat: bigint;
  readonly createdAt: number;
  readonly dueAt: number;
  readonly status: 'expected' | 'received' | 'missed' | 'lapsed';
  readonly receivedMsat: bigint;
}

export interface RoundRecord {
  readonly at: number;
  /** pay, expect, none, skip (preconditions), refuse (quotes), wait (a payment in flight), dry-run. */
  readonly action: string;
  readonly amountMsat: bigint;
  readonly price: string | null;
  readonly receiverBalanceMsat: bigint | null;
  readonly reason: string;
}

interface PaymentRow {
  payment_hash: string;
  preimage: string;
  digest: string;
  amount_msat: bigint;
  max_fee_msat: bigint;
  status: PaymentRecordStatus;
  fee_msat: bigint | null;
  failure: string | null;
  created_at: bigint;
  updated_at: bigint;
}

interface ExpectationRow {
  digest: string;
  amount_msat: bigint;
  created_at: bigint;
  due_at: bigint;
  status: Expectation['status'];
  received_msat: bigint;
}

interface RoundRow {
  at: bigint;
  action: string;
  amount_msat: bigint;
  price: string | null;
  receiver_balance_msat: bigint | null;
  reason: string;
}

const toPayment = (r: PaymentRow): PaymentRecord => ({
  paymentHash: r.payment_hash,
  preimage: r.preimage,
  digest: r.digest,
  amountMsat: r.amount_msat,
  maxFeeMsat: r.max_fee_msat,
  status: r.status,
  feeMsat: r.fee_msat,
  failure: r.failure,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

const toExpectation = (r: ExpectationRow): Expectation => ({
  digest: r.digest,
  amountMsat: r.amount_msat,
  createdAt: Number(r.created_at),
  dueAt: Number(r.due_at),
  status: r.status,
  receivedMsat: r.received_msat,
});

export class Ledger {
  private constructor(private readonly db: Database.Database) {}

  /** Opens (creating if needed, with its directory) the ledger at `file`. Throws ConfigError. */
  static open(file: string): Ledger {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    let db: Database.Database;
    try {
      db = new Database(file);
    } catch (err) {
      throw new ConfigError(`cannot open the settlement ledger ${file}: ${(err as Error).message}`);
    }
    db.defaultSafeIntegers(true);
    db.pragma('journal_mode = WAL');
    // An intent must be on disk before the payment leaves: that is the ledger's whole point.
    db.pragma('synchronous = FULL');
    migrate(db, LEDGER_MIGRATIONS);
    return new Ledger(db);
  }

  /**
   * Records the intent to pay, before paying. Throws InputError when a payment for the same
   * attestation digest (or hash) already exists: one attestation is settled at most once.
   */
  recordIntent(p: {
    paymentHash: string;
    preimage: string;
    digest: string;
    amountMsat: bigint;
    maxFeeMsat: bigint;
    at: number;
  }): void {
    try {
      this.db
        .prepare(
          `INSERT INTO payments (payment_hash, preimage, digest, amount_msat, max_fee_msat, status, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 'intent', ?, ?)`,
        )
        .run(p.paymentHash, p.preimage, p.digest, p.amountMsat, p.maxFeeMsat, p.at, p.at);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
        throw new InputError(`attestation ${p.digest} has already been settled`);
      throw err;
    }
  }

  /** Records what the node says of a payment. */
  recordOutcome(
    paymentHash: string,
    outcome: {
      status: Exclude<PaymentRecordStatus, 'intent'>;
      feeMsat: bigint | null;
      failure: string | null;
      at: number;
    },
  ): void {
    const changed = this.db
      .prepare('UPDATE payments SET status = ?, fee_msat = ?, failure = ?, updated_at = ? WHERE payment_hash = ?')
      .run(outcome.status, outcome.feeMsat, outcome.failure, outcome.at, paymentHash).changes;
    if (changed !== 1) throw new InputError(`no payment ${paymentHash} in the ledger`);
  }

  /** Payments whose outcome is not final (intent written, or pending at the node). */
  openPayments(): PaymentRecord[] {
    return (
      this.db.prepare("SELECT * FROM payments WHERE status IN ('intent', 'pending') ORDER BY id").all() as PaymentRow[]
    ).map(toPayment);
  }

  payments(limit: number): PaymentRecord[] {
    return (this.db.prepare('SELECT * FROM payments ORDER BY id DESC LIMIT ?').all(limit) as PaymentRow[]).map(
      toPayment,
    );
  }

  /** Records that the peer owes us `amountMsat` for `digest`, due by `dueAt`. Ignored if already expected. */
  expect(e: { digest: string; amountMsat: bigint; at: number; dueAt: number }): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO expectations (digest, amount_msat, created_at, due_at, status) VALUES (?, ?, ?, ?, 'expected')`,
      )
      .run(e.digest, e.amountMsat, e.at, e.dueAt);
  }

  openExpectations(): Expectation[] {
    return (
      this.db.prepare("SELECT * FROM expectations WHERE status = 'expected' ORDER BY id").all() as ExpectationRow[]
    ).map(toExpectation);
  }

  resolveExpectation(digest: string, status: 'received' | 'missed' | 'lapsed', receivedMsat: bigint, at: number): void {
    this.db
      .prepare('UPDATE expectations SET status = ?, received_msat = ?, resolved_at = ? WHERE digest = ?')
      .run(status, receivedMsat, at, digest);
  }

  /** How many times the peer has not paid what it owed in time. */
  missCount(): number {
    return Number(
      (this.db.prepare("SELECT count(*) AS n FROM expectations WHERE status = 'missed'").get() as { n: bigint }).n,
    );
  }

  recordRound(r: RoundRecord): void {
    this.db
      .prepare(
        'INSERT INTO rounds (at, action, amount_msat, price, receiver_balance_msat, reason) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(r.at, r.action, r.amountMsat, r.price, r.receiverBalanceMsat, r.reason);
  }

  rounds(limit: number): RoundRecord[] {
    return (this.db.prepare('SELECT * FROM rounds ORDER BY id DESC LIMIT ?').all(limit) as RoundRow[]).map((r) => ({
      at: Number(r.at),
      action: r.action,
      amountMsat: r.amount_msat,
      price: r.price,
      receiverBalanceMsat: r.receiver_balance_msat,
      reason: r.reason,
    }));
  }

  /** The last sequence accepted from an oracle key for a kind, or null. */
  lastSequence(publicKey: string, kind: AttestationKind): bigint | null {
    const row = this.db
      .prepare('SELECT last_sequence FROM sequences WHERE public_key = ? AND kind = ?')
      .get(publicKey, kind) as { last_sequence: string } | undefined;
    return row === undefined ? null : BigInt(row.last_sequence);
  }

  /** Raises the last accepted sequence (never lowers it). */
  acceptSequence(publicKey: string, kind: AttestationKind, sequence: bigint): void {
    this.db
      .prepare(
        `INSERT INTO sequences (public_key, kind, last_sequence) VALUES (?, ?, ?)
         ON CONFLICT (public_key, kind) DO UPDATE SET last_sequence = max(last_sequence, excluded.last_sequence)`,
      )
      .run(publicKey, kind, sequence.toString().padStart(20, '0'));
  }

  getMeta(key: string): string | null {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.db
      .prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run(key, value);
  }

  close(): void {
    this.db.close();
  }
}
