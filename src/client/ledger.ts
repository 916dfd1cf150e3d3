/**
 * The settlement ledger (SQLite): what the client intends to pay is written before it pays, and
 * the outcome after, so a crash at any point leaves a record to reconcile with the node. It keeps
 * what the drain-proof accounting needs (the baseline, the settlement payments made and received),
 * which attestations each payment used (one index attestation is settled at most once), the last
 * sequence accepted from each oracle, and every round. One client per ledger: opening it for a
 * client takes a kernel lock beside it, so a second client (a cron `--once` beside the daemon)
 * is refused with the other's pid instead of paying one debt twice.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { toJson } from '../attest/json.js';
import { attestationDigest } from '../attest/sign.js';
import type { AttestationKind } from '../attest/types.js';
import { toHex } from '../attest/bytes.js';
import { ConfigError, InputError } from '../core/errors.js';
import type { ReceivedPayment } from '../lightning/types.js';
import { acquireLockFile } from '../core/lock-file.js';
import { migrate } from '../store/migrations.js';
import type { SettlementTotals } from './accounting.js';
import { readFunding, writeFunding } from './ledger-funding.js';
import { LEDGER_MIGRATIONS } from './ledger-schema.js';
import type { AgreementState } from './lifecycle.js';
import {
  toChannelState,
  toReceipt,
  type ReceiptRow,
  roundColumns,
  toExpectation,
  toPayment,
  toRound,
  type ChannelStateRow,
  type ExpectationRow,
  type PaymentRow,
  type RoundRow,
} from './ledger-rows.js';
import type {
  Baseline,
  ChannelStateRecord,
  Expectation,
  FundingState,
  IntentOutcome,
  PaymentOutcome,
  PaymentRecord,
  PaymentRecordStatus,
  ReceiptRecord,
  RoundEffects,
  RoundRecord,
  SettlementLedger,
} from './ledger-types.js';

const RECEIPTS_LISTED_AT = 'receiptsListedAt';

/** Received keysends that are settlement payments from the peer after the baseline. */
const SETTLEMENT = "matched_by IN ('record', 'amount')";

const isUniqueViolation = (err: unknown): boolean =>
  (err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' ||
  (err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY';

export class Ledger implements SettlementLedger {
  private constructor(
    private readonly db: Database.Database,
    private readonly release: () => void,
  ) {}

  /**
   * Opens (creating if needed, with its directory) the ledger at `file` for the one client that
   * pays from it: takes the lock `<file>.lock` until close(). Throws ConfigError naming the process
   * that holds it.
   */
  static open(file: string): Ledger {
    let release: () => void;
    try {
      release = acquireLockFile(`${file}.lock`);
    } catch (err) {
      throw new ConfigError(
        `one settlement client per ledger: ${file} is in use (${(err as Error).message}); ` +
          'stop the other client, or use --dry-run or status, which read it without the lock',
        { cause: err },
      );
    }
    try {
      return new Ledger(connect(file), release);
    } catch (err) {
      release();
      throw err;
    }
  }

  /**
   * Opens the ledger without the client lock, beside a running client: for reading (status, a dry
   * run) and for the operator's acknowledgement, which SQLite serialises with the client's writes.
   */
  static openShared(file: string): Ledger {
    return new Ledger(connect(file), () => undefined);
  }

  recordIntent(p: Parameters<SettlementLedger['recordIntent']>[0]): IntentOutcome {
    const insert = this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO payments
             (payment_hash, preimage, sent_after, digest, amount_msat, max_fee_msat, status, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, 'intent', ?, ?)`,
        )
        .run(p.paymentHash, p.preimage, p.sentAfter, p.commitment, p.amountMsat, p.maxFeeMsat, p.at, p.at);
      const used = this.db.prepare(
        `INSERT INTO payment_attestations (payment_hash, digest, kind, public_key, sequence, body)
         VALUES (?, ?, ?, ?, ?, ?)`,
      );
      for (const a of p.attestations) {
        const json = toJson(a);
        used.run(
          p.paymentHash,
          toHex(attestationDigest(a)),
          a.kind,
          json.publicKey,
          json.sequence,
          JSON.stringify(json),
        );
      }
    });
    try {
      insert.immediate();
      return { ok: true };
    } catch (err) {
      if (isUniqueViolation(err)) return { ok: false, reason: 'already settled' };
      throw err;
    }
  }

  recordOutcome(paymentHash: string, outcome: PaymentOutcome): void {
    const changed = this.db
      .prepare(
        `UPDATE payments SET status = ?, fee_msat = ?, failure = ?, updated_at = ?,
           node_payment_hash = coalesce(?, node_payment_hash), node_preimage = coalesce(?, node_preimage)
         WHERE payment_hash = ?`,
      )
      .run(
        outcome.status,
        outcome.feeMsat,
        outcome.failure,
        outcome.at,
        outcome.nodePaymentHash,
        outcome.nodePreimage,
        paymentHash,
      ).changes;
    if (changed !== 1) throw new InputError(`no payment ${paymentHash} in the ledger`);
  }

  /** Payments whose outcome is not final (intent written, or pending at the node). */
  openPayments(): PaymentRecord[] {
    return this.all<PaymentRow>("SELECT * FROM payments WHERE status IN ('intent', 'pending') ORDER BY id").map(
      toPayment,
    );
  }

  payments(limit: number): PaymentRecord[] {
    return this.all<PaymentRow>('SELECT * FROM payments ORDER BY id DESC LIMIT ?', limit).map(toPayment);
  }

  /** The keysends received, newest first. */
  receipts(limit: number): ReceiptRecord[] {
    return this.all<ReceiptRow>('SELECT * FROM received ORDER BY id DESC LIMIT ?', limit).map(toReceipt);
  }

  /** The attestations (signed JSON) a payment used. */
  paymentAttestations(paymentHash: string): { kind: AttestationKind; body: string }[] {
    return this.all<{ kind: AttestationKind; body: string }>(
      'SELECT kind, body FROM payment_attestations WHERE payment_hash = ? ORDER BY kind, digest',
      paymentHash,
    );
  }

  /** How many payments are in each status. */
  paymentCounts(): Record<PaymentRecordStatus, number> {
    const counts: Record<PaymentRecordStatus, number> = { intent: 0, pending: 0, complete: 0, failed: 0 };
    for (const row of this.all<{ status: PaymentRecordStatus; n: bigint }>(
      'SELECT status, count(*) AS n FROM payments GROUP BY status',
    ))
      counts[row.status] = Number(row.n);
    return counts;
  }

  accounts(): { baseline: Baseline; totals: SettlementTotals } | null {
    const row = this.db.prepare('SELECT receiver_msat, at FROM baseline').get() as
      { receiver_msat: bigint; at: bigint } | undefined;
    if (row === undefined) return null;
    const paid = this.db
      .prepare(
        `SELECT coalesce(sum(amount_msat), 0) AS amount, coalesce(sum(fee_msat), 0) AS fees FROM payments
         WHERE status = 'complete' AND in_baseline = 0`,
      )
      .get() as { amount: bigint; fees: bigint };
    const received = this.db
      .prepare(`SELECT coalesce(sum(amount_msat), 0) AS amount FROM received WHERE ${SETTLEMENT}`)
      .get() as { amount: bigint };
    return {
      baseline: { receiverMsat: row.receiver_msat, at: Number(row.at) },
      totals: {
        baselineMsat: row.receiver_msat,
        paidMsat: paid.amount,
        paidFeesMsat: paid.fees,
        receivedMsat: received.amount,
      },
    };
  }

  recordBaseline(b: Baseline, received: readonly ReceivedPayment[]): Baseline {
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO baseline (id, receiver_msat, at) VALUES (1, ?, ?)').run(b.receiverMsat, b.at);
      this.db.prepare("UPDATE payments SET in_baseline = 1 WHERE status = 'complete'").run();
      for (const r of received) this.recordReceipt({ ...r, record: null, matchedBy: 'baseline', at: b.at });
    })();
    return b;
  }

  isReceiptKnown(paymentHash: string): boolean {
    return this.db.prepare('SELECT 1 FROM received WHERE payment_hash = ?').get(paymentHash) !== undefined;
  }

  recordReceipt(r: ReceiptRecord): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO received (payment_hash, amount_msat, settled_at, record, matched_by, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(r.paymentHash, r.amountMsat, r.settledAt, r.record, r.matchedBy, r.at);
  }

  receiptsListedAt(): number | null {
    const value = this.getMeta(RECEIPTS_LISTED_AT);
    return value === null ? null : Number(value);
  }

  settlementReceivedFor(e: Expectation): bigint {
    // By the ledger's own order, not by any clock: receipts recorded in the round that made the
    // expectation (before it) are in what it asks; every one recorded after it answers it.
    const after = e.afterReceipt === null ? 'recorded_at >= ?' : 'id > ?';
    return (
      this.db
        .prepare(`SELECT coalesce(sum(amount_msat), 0) AS amount FROM received WHERE ${SETTLEMENT} AND ${after}`)
        .get(e.afterReceipt ?? e.createdAt) as { amount: bigint }
    ).amount;
  }

  /** Settlement payments received from the peer after the baseline, newest first. */
  settlementReceipts(limit: number): ReceiptRecord[] {
    return this.all<ReceiptRow>(
      `SELECT * FROM received WHERE ${SETTLEMENT} ORDER BY settled_at DESC, id DESC LIMIT ?`,
      limit,
    ).map(toReceipt);
  }

  /** Keysends received since `at` that are not settlement payments (they show as unexplained). */
  otherReceiptsSince(at: number): { count: number; amountMsat: bigint } {
    const row = this.db
      .prepare(
        `SELECT count(*) AS n, coalesce(sum(amount_msat), 0) AS amount FROM received
         WHERE matched_by = 'none' AND settled_at >= ?`,
      )
      .get(at) as { n: bigint; amount: bigint };
    return { count: Number(row.n), amountMsat: row.amount };
  }

  acknowledgedUnexplainedMsat(): bigint {
    const row = this.db.prepare('SELECT unexplained_msat FROM acknowledgements ORDER BY id DESC LIMIT 1').get() as
      { unexplained_msat: bigint } | undefined;
    return row?.unexplained_msat ?? 0n;
  }

  /** Records that the operator checked the channel with `unexplainedMsat` standing. */
  acknowledge(a: { at: number; unexplainedMsat: bigint }): void {
    this.db.prepare('INSERT INTO acknowledgements (at, unexplained_msat) VALUES (?, ?)').run(a.at, a.unexplainedMsat);
  }

  /** Records that the peer owes us `amountMsat`, due by `dueAt`. Ignored if already expected. */
  expect(e: { commitment: string; amountMsat: bigint; at: number; dueAt: number }): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO expectations (digest, amount_msat, created_at, due_at, status, after_receipt)
         VALUES (?, ?, ?, ?, 'expected', (SELECT coalesce(max(id), 0) FROM received))`,
      )
      .run(e.commitment, e.amountMsat, e.at, e.dueAt);
  }

  openExpectations(): Expectation[] {
    return this.all<ExpectationRow>("SELECT * FROM expectations WHERE status = 'expected' ORDER BY id").map(
      toExpectation,
    );
  }

  resolveExpectation(
    commitment: string,
    status: 'received' | 'missed' | 'lapsed',
    receivedMsat: bigint,
    at: number,
  ): void {
    this.db
      .prepare('UPDATE expectations SET status = ?, received_msat = ?, resolved_at = ? WHERE digest = ?')
      .run(status, receivedMsat, at, commitment);
  }

  /** How many times the peer has not paid what it owed in time. */
  missCount(): number {
    return Number(
      (this.db.prepare("SELECT count(*) AS n FROM expectations WHERE status = 'missed'").get() as { n: bigint }).n,
    );
  }

  /** The last sequence accepted from an oracle key for a kind, or null. */
  lastSequence(publicKey: string, kind: AttestationKind): bigint | null {
    const row = this.db
      .prepare('SELECT last_sequence FROM sequences WHERE public_key = ? AND kind = ?')
      .get(publicKey, kind) as { last_sequence: string } | undefined;
    return row === undefined ? null : BigInt(row.last_sequence);
  }

  funding(): FundingState | null {
    return readFunding(this.db);
  }

  /**
   * Records a round with what it changed, in one transaction: the sequences of the attestations it
   * used (only ever raised), the funding state (its time only ever moves forward, so no interval is
   * accrued twice after the clock steps back) and the receipts cursor.
   */
  recordRound(r: RoundRecord, effects: RoundEffects): void {
    const { quotes, channel } = roundColumns(r);
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO rounds (at, action, amount_msat, price, receiver_balance_msat, agreed_receiver_msat,
             unexplained_msat, paused, commitment, reason, quotes, channel)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          r.at,
          r.action,
          r.amountMsat,
          r.price,
          r.receiverBalanceMsat,
          r.agreedReceiverMsat,
          r.unexplainedMsat,
          r.paused ? 1 : 0,
          r.commitment,
          r.reason,
          quotes,
          channel,
        );
      for (const a of effects.accepted) this.acceptSequence(toJson(a).publicKey, a.kind, a.sequence);
      if (effects.funding !== null) writeFunding(this.db, effects.funding);
      if (effects.receiptsListedAt !== null) this.setMeta(RECEIPTS_LISTED_AT, String(effects.receiptsListedAt));
    })();
  }

  rounds(limit: number): RoundRecord[] {
    return this.all<RoundRow>('SELECT * FROM rounds ORDER BY id DESC LIMIT ?', limit).map(toRound);
  }

  /** The last round that measured the channel: what the operator acknowledges. */
  lastMeasuredRound(): RoundRecord | null {
    const row = this.db
      .prepare('SELECT * FROM rounds WHERE unexplained_msat IS NOT NULL ORDER BY id DESC LIMIT 1')
      .get() as RoundRow | undefined;
    return row === undefined ? null : toRound(row);
  }

  lastChannelState(): ChannelStateRecord | null {
    const row = this.db.prepare('SELECT * FROM channel_states ORDER BY id DESC LIMIT 1').get() as
      ChannelStateRow | undefined;
    return row === undefined ? null : toChannelState(row);
  }

  /** The channel's life, newest first. */
  channelStates(limit: number): ChannelStateRecord[] {
    return this.all<ChannelStateRow>('SELECT * FROM channel_states ORDER BY id DESC LIMIT ?', limit).map(
      toChannelState,
    );
  }

  recordChannelState(s: {
    at: number;
    nodeState: string;
    state: AgreementState;
    source: ChannelStateRecord['source'];
  }): boolean {
    return this.db.transaction(() => {
      if (this.lastChannelState()?.nodeState === s.nodeState) return false;
      this.db
        .prepare('INSERT INTO channel_states (at, node_state, state, source) VALUES (?, ?, ?, ?)')
        .run(s.at, s.nodeState, s.state, s.source);
      return true;
    })();
  }

  /** The change that started the close: the first that ended the position after the last one that had not. */
  closingStart(): ChannelStateRecord | null {
    const open = "state NOT IN ('closing', 'onchain', 'closed')";
    const row = this.db
      .prepare(
        `SELECT * FROM channel_states WHERE state IN ('closing', 'onchain', 'closed')
           AND id > (SELECT coalesce(max(id), 0) FROM channel_states WHERE ${open}) ORDER BY id LIMIT 1`,
      )
      .get() as ChannelStateRow | undefined;
    return row === undefined ? null : toChannelState(row);
  }

  closeToValue(): ChannelStateRecord | null {
    const start = this.closingStart();
    return start !== null && start.closePrice === null ? start : null;
  }

  valueClose(id: number, price: bigint, agreedReceiverMsat: bigint): void {
    this.db
      .prepare('UPDATE channel_states SET close_price = ?, agreed_receiver_msat = ? WHERE id = ?')
      .run(price.toString(), agreedReceiverMsat, id);
  }

  close(): void {
    try {
      this.db.close();
    } finally {
      this.release();
    }
  }

  /** Raises the last accepted sequence (never lowers it). Sequences are u64: stored zero-padded so max() is exact. */
  private acceptSequence(publicKey: string, kind: AttestationKind, sequence: bigint): void {
    this.db
      .prepare(
        `INSERT INTO sequences (public_key, kind, last_sequence) VALUES (?, ?, ?)
         ON CONFLICT (public_key, kind) DO UPDATE SET last_sequence = max(last_sequence, excluded.last_sequence)`,
      )
      .run(publicKey, kind, sequence.toString().padStart(20, '0'));
  }

  private getMeta(key: string): string | null {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  private setMeta(key: string, value: string): void {
    this.db
      .prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run(key, value);
  }

  private all<T>(sql: string, ...params: unknown[]): T[] {
    return this.db.prepare(sql).all(...params) as T[];
  }
}

function connect(file: string): Database.Database {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (err) {
    throw new ConfigError(`cannot open the settlement ledger ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    db.defaultSafeIntegers(true);
    db.pragma('journal_mode = WAL');
    // An intent must be on disk before the payment leaves: that is the ledger's whole point.
    db.pragma('synchronous = FULL');
    migrate(db, LEDGER_MIGRATIONS);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
