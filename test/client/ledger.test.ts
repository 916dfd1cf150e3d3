import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { publicKeyOf } from '../../src/attest/keys.js';
import { signAttestation } from '../../src/attest/sign.js';
import type { AttestationKind, SignedAttestation } from '../../src/attest/types.js';
import { Ledger } from '../../src/client/ledger.js';
import { LEDGER_MIGRATIONS } from '../../src/client/ledger-schema.js';
import type { RoundRecord } from '../../src/client/ledger-types.js';
import { ConfigError, InputError } from '../../src/core/errors.js';
import { childEnv } from '../support/child-env.js';

const LEDGER_MODULE = new URL('../../src/client/ledger.ts', import.meta.url).href;

/** Another process holding `file` open as a client, until its stdin closes; resolves once it has it. */
async function otherClient(file: string): Promise<{ pid: number; stop: () => Promise<void> }> {
  const code = `const { Ledger } = await import(${JSON.stringify(LEDGER_MODULE)});
    const ledger = Ledger.open(${JSON.stringify(file)});
    process.stdout.write('open\\n');
    process.stdin.resume();
    process.stdin.on('end', () => { ledger.close(); process.exit(0); });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    env: childEnv(),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('open') && resolve());
    child.once('exit', (c) => reject(new Error(`the other client exited with ${c}`)));
  });
  return {
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  };
}

const SECRET = Uint8Array.from(Buffer.from('44'.repeat(32), 'hex'));
const PK = Buffer.from(publicKeyOf(SECRET)).toString('hex');

/** A signed quote of `kind` with `sequence`, from the test key. */
function quote(kind: AttestationKind, sequence: bigint): SignedAttestation {
  return signAttestation(
    {
      version: 1,
      kind,
      pair: 'BTC/USD',
      value: kind === 'index_price' ? 10_000_000_000_000n : 1_000_000n,
      exponent: kind === 'index_price' ? -8 : -10,
      observedAt: 1_000n,
      sequence,
      sourceCount: 5,
      dispersionPpm: 10,
      sourcesCommitment: new Uint8Array(32),
    },
    SECRET,
    new Uint8Array(32),
  );
}

const intent = (n: number, attestations: readonly SignedAttestation[] = [quote('index_price', BigInt(n))]) => ({
  paymentHash: `${n}`.padStart(64, '0'),
  preimage: `${n}`.padStart(64, 'f'),
  sentAfter: null,
  commitment: `${n}`.padStart(64, 'c'),
  attestations,
  amountMsat: 1_000n * BigInt(n),
  maxFeeMsat: 5_000n,
  at: 1_000 * n,
});

const round = (at: number, over: Partial<RoundRecord> = {}): RoundRecord => ({
  at,
  action: 'none',
  amountMsat: 0n,
  price: '9700000000000',
  receiverBalanceMsat: 103_000_000n,
  agreedReceiverMsat: 103_000_000n,
  unexplainedMsat: 0n,
  paused: false,
  commitment: null,
  reason: 'nothing is owed',
  quotes: [],
  channel: null,
  ...over,
});
const NOTHING = { accepted: [], funding: null, receiptsListedAt: null };

describe('client/ledger', () => {
  const file = () => join(mkdtempSync(join(tmpdir(), 'ps-ledger-')), 'nested', 'settle.sqlite3');

  it('keeps an intent open until its outcome is recorded, across a reopen', () => {
    const path = file();
    let ledger = Ledger.open(path);
    expect(ledger.recordIntent(intent(1))).to.deep.equal({ ok: true });
    ledger.close();
    ledger = Ledger.open(path); // as after a crash between intent and payment
    expect(ledger.openPayments().map((p) => [p.paymentHash, p.status, p.amountMsat])).to.deep.equal([
      [intent(1).paymentHash, 'intent', 1_000n],
    ]);
    ledger.recordOutcome(intent(1).paymentHash, {
      status: 'pending',
      nodePaymentHash: null,
      nodePreimage: null,
      feeMsat: null,
      failure: null,
      at: 2_000,
    });
    expect(ledger.openPayments()).to.have.length(1);
    ledger.recordOutcome(intent(1).paymentHash, {
      status: 'complete',
      nodePaymentHash: null,
      nodePreimage: null,
      feeMsat: 1_000n,
      failure: null,
      at: 3_000,
    });
    expect(ledger.openPayments()).to.deep.equal([]);
    expect(ledger.payments(10)[0]).to.include({
      status: 'complete',
      nodePaymentHash: null,
      nodePreimage: null,
      feeMsat: 1_000n,
      updatedAt: 3_000,
    });
    expect(ledger.paymentCounts()).to.deep.equal({ intent: 0, pending: 0, complete: 1, failed: 0 });
    ledger.close();
  });

  it('lets one client at a time use a ledger, naming the other process', async () => {
    const path = file();
    Ledger.open(path).close(); // created (and migrated) here first
    const other = await otherClient(path);
    try {
      expect(() => Ledger.open(path)).to.throw(ConfigError, new RegExp(`pid ${other.pid}\\b`));
      // status and a dry run read it beside the client
      Ledger.openShared(path).close();
    } finally {
      await other.stop();
    }
    Ledger.open(path).close(); // free again once the other client has stopped
  });

  it('settles one index attestation at most once, as an outcome, while a funding quote may serve twice', () => {
    const ledger = Ledger.open(file());
    const funding = quote('funding_rate', 7n);
    const index = quote('index_price', 8n);
    expect(ledger.recordIntent(intent(1, [index, funding]))).to.deep.equal({ ok: true });
    expect(ledger.recordIntent(intent(2, [quote('index_price', 9n), funding]))).to.deep.equal({ ok: true });
    expect(ledger.recordIntent(intent(3, [quote('index_price', 10n), index]))).to.deep.equal({
      ok: false,
      reason: 'already settled',
    });
    expect(ledger.payments(10)).to.have.length(2);
    expect(ledger.paymentAttestations(intent(1).paymentHash).map((a) => a.kind)).to.deep.equal([
      'funding_rate',
      'index_price',
    ]);
    expect(JSON.parse(ledger.paymentAttestations(intent(1).paymentHash)[1]!.body)).to.include({ sequence: '8' });
    ledger.close();
  });

  it('refuses an outcome for a payment it never recorded', () => {
    const ledger = Ledger.open(file());
    expect(() =>
      ledger.recordOutcome('ff'.repeat(32), {
        status: 'complete',
        nodePaymentHash: null,
        nodePreimage: null,
        feeMsat: 0n,
        failure: null,
        at: 1,
      }),
    ).to.throw(InputError, 'no payment');
    ledger.close();
  });

  it('only ever raises the last accepted sequence, up to the largest u64, across a reopen', () => {
    const path = file();
    let ledger = Ledger.open(path);
    expect(ledger.lastSequence(PK, 'index_price')).to.equal(null);
    const accept = (...accepted: SignedAttestation[]) => ledger.recordRound(round(1), { ...NOTHING, accepted });
    accept(quote('index_price', 100n));
    accept(quote('index_price', 99n), quote('funding_rate', 7n));
    expect(ledger.lastSequence(PK, 'index_price')).to.equal(100n);
    accept(quote('index_price', 2n ** 64n - 1n));
    ledger.close();
    ledger = Ledger.open(path);
    expect(ledger.lastSequence(PK, 'index_price')).to.equal(2n ** 64n - 1n);
    expect(ledger.lastSequence(PK, 'funding_rate')).to.equal(7n);
    ledger.close();
  });

  it('tracks expected receipts and counts misses', () => {
    const ledger = Ledger.open(file());
    ledger.expect({ commitment: 'aa', amountMsat: 5_000n, at: 1, dueAt: 10 });
    ledger.expect({ commitment: 'aa', amountMsat: 9_999n, at: 2, dueAt: 20 }); // the same round's set: once
    ledger.expect({ commitment: 'bb', amountMsat: 7_000n, at: 3, dueAt: 30 });
    expect(ledger.openExpectations().map((e) => [e.commitment, e.amountMsat])).to.deep.equal([
      ['aa', 5_000n],
      ['bb', 7_000n],
    ]);
    ledger.resolveExpectation('aa', 'received', 5_000n, 11);
    ledger.resolveExpectation('bb', 'missed', 0n, 31);
    expect(ledger.openExpectations()).to.deep.equal([]);
    expect(ledger.missCount()).to.equal(1);
    ledger.close();
  });

  it('keeps rounds newest first, and the funding time never moves backwards', () => {
    const ledger = Ledger.open(file());
    expect(ledger.funding()).to.equal(null);
    const state = { accruedMsat: 0n, lastAt: 5_000, since: 5_000, indexUsd: 0n, oracles: new Map() };
    ledger.recordRound(round(1), { ...NOTHING, funding: state });
    ledger.recordRound(round(2, { action: 'pay', amountMsat: 12_000n, commitment: 'cc' }), {
      ...NOTHING,
      funding: { ...state, accruedMsat: 10n, lastAt: 1_000, since: 1_000, indexUsd: -7n }, // a clock stepped back
    });
    expect(ledger.rounds(1).map((r) => [r.at, r.action, r.amountMsat, r.commitment])).to.deep.equal([
      [2, 'pay', 12_000n, 'cc'],
    ]);
    expect(ledger.funding()).to.deep.equal({ ...state, accruedMsat: 10n, indexUsd: -7n });
    ledger.close();
  });

  it("pins each oracle's funding index anchor once, and keeps the last index applied across a restart", () => {
    const path = file();
    const ledger = Ledger.open(path);
    const anchor = quote('funding_index', 3n);
    const state = { accruedMsat: 0n, lastAt: 5_000, since: 4_000, indexUsd: 99n, oracles: new Map() };
    ledger.recordRound(round(1), {
      ...NOTHING,
      funding: { ...state, oracles: new Map([[PK, { anchor, lastValue: 50n, lastAt: 6_000 }]]) },
    });
    ledger.recordRound(round(2), {
      ...NOTHING,
      funding: {
        ...state,
        oracles: new Map([[PK, { anchor: quote('funding_index', 9n), lastValue: 40n, lastAt: 5_500 }]]),
      },
    });
    ledger.close();
    const again = Ledger.open(path);
    const applied = again.funding()!.oracles.get(PK)!;
    expect([applied.anchor.sequence, applied.lastValue, applied.lastAt]).to.deep.equal([3n, 50n, 6_000]);
    expect(again.funding()!.indexUsd).to.equal(99n);
    again.close();
  });

  it('keeps what each round saw: every oracle quote, used or why not, and the channel', () => {
    const ledger = Ledger.open(file());
    const quotes = [
      { kind: 'index_price' as const, oracle: 'http://a', accepted: true, reason: 'index_price 97000.00000000' },
      { kind: 'index_price' as const, oracle: 'http://b', accepted: false, reason: 'outside the agreeing set' },
    ];
    const channel = { normal: true, peerConnected: false, pendingHtlcs: 2, capacityMsat: 2n ** 60n };
    ledger.recordRound(round(1, { quotes, channel }), NOTHING);
    ledger.recordRound(round(2, { action: 'error' }), NOTHING);
    expect(ledger.rounds(2).map((r) => [r.quotes, r.channel])).to.deep.equal([
      [[], null],
      [quotes, channel],
    ]);
    ledger.close();
  });

  it('keeps the baseline, and counts only settlements after it: payments made, keysends received by match', () => {
    const ledger = Ledger.open(file());
    expect(ledger.accounts()).to.equal(null);
    ledger.recordIntent(intent(1));
    ledger.recordOutcome(intent(1).paymentHash, {
      status: 'complete',
      nodePaymentHash: null,
      nodePreimage: null,
      feeMsat: 0n,
      failure: null,
      at: 2,
    });
    // The baseline holds payment 1 and the keysend r0 listed when it was read.
    ledger.recordBaseline({ receiverMsat: 100_000_000n, at: 3 }, [
      { paymentHash: 'r0', amountMsat: 900n, settledAt: 3, customRecords: { '65537': 'ee'.repeat(32) } },
    ]);
    ledger.recordIntent(intent(2));
    ledger.recordOutcome(intent(2).paymentHash, {
      status: 'complete',
      nodePaymentHash: null,
      nodePreimage: null,
      feeMsat: 7n,
      failure: null,
      at: 4,
    });
    ledger.recordIntent(intent(3));
    ledger.recordOutcome(intent(3).paymentHash, {
      status: 'failed',
      nodePaymentHash: null,
      nodePreimage: null,
      feeMsat: null,
      failure: 'no route',
      at: 4,
    });
    const receipt = { amountMsat: 500n, settledAt: 5, record: null, at: 6 };
    ledger.recordReceipt({ ...receipt, paymentHash: 'r1', matchedBy: 'record' });
    ledger.recordReceipt({ ...receipt, paymentHash: 'r1', matchedBy: 'record' }); // once
    ledger.recordReceipt({ ...receipt, paymentHash: 'r2', matchedBy: 'amount' });
    ledger.recordReceipt({ ...receipt, paymentHash: 'r3', matchedBy: 'none' });
    expect(ledger.accounts()).to.deep.equal({
      baseline: { receiverMsat: 100_000_000n, at: 3 },
      totals: { baselineMsat: 100_000_000n, paidMsat: 2_000n, paidFeesMsat: 7n, receivedMsat: 1_000n },
    });
    expect(['r0', 'r3', 'r4'].map((h) => ledger.isReceiptKnown(h))).to.deep.equal([true, true, false]);
    // An expectation asks for the settlements recorded after it: by the ledger's order, no clock.
    const asked = { commitment: 'e1', amountMsat: 1_000n, createdAt: 6, dueAt: 9, status: 'expected' as const };
    expect(ledger.settlementReceivedFor({ ...asked, receivedMsat: 0n, afterReceipt: 1 })).to.equal(1_000n);
    expect(ledger.settlementReceivedFor({ ...asked, receivedMsat: 0n, afterReceipt: 2 })).to.equal(500n);
    expect(ledger.settlementReceivedFor({ ...asked, receivedMsat: 0n, afterReceipt: 4 })).to.equal(0n);
    // One written by an older version has no receipt order: the time receipts were recorded judges it.
    expect(ledger.settlementReceivedFor({ ...asked, receivedMsat: 0n, afterReceipt: null })).to.equal(1_000n);
    expect(ledger.settlementReceivedFor({ ...asked, createdAt: 7, receivedMsat: 0n, afterReceipt: null })).to.equal(0n);
    expect(ledger.otherReceiptsSince(0)).to.deep.equal({ count: 1, amountMsat: 500n });
    ledger.close();
  });

  it("keeps the operator's acknowledgements and the last round that measured the channel", () => {
    const ledger = Ledger.open(file());
    expect([ledger.acknowledgedUnexplainedMsat(), ledger.lastMeasuredRound()]).to.deep.equal([0n, null]);
    ledger.recordRound(round(1, { unexplainedMsat: -10_000_000n }), NOTHING);
    ledger.recordRound(round(2, { action: 'error', unexplainedMsat: null }), NOTHING);
    expect(ledger.lastMeasuredRound()).to.include({ at: 1, unexplainedMsat: -10_000_000n });
    ledger.acknowledge({ at: 3, unexplainedMsat: -10_000_000n });
    expect(ledger.acknowledgedUnexplainedMsat()).to.equal(-10_000_000n);
    ledger.close();
  });

  it('brings a ledger written by the first schema forward, keeping its payments, funding and sequences', () => {
    const path = file();
    Ledger.openShared(path).close(); // only to create the folder
    const old = join(path, '..', 'old.sqlite3');
    const db = new Database(old);
    db.exec(LEDGER_MIGRATIONS[0]!.sql);
    db.pragma('user_version = 1');
    db.prepare(
      `INSERT INTO payments
         (payment_hash, preimage, digest, amount_msat, max_fee_msat, status, created_at, updated_at)
       VALUES ('aa', 'bb', 'cc', 5000, 10, 'complete', 1, 2)`,
    ).run();
    db.prepare("INSERT INTO meta (key, value) VALUES ('fundingAccruedMsat', '1234'), ('lastFundingAt', '99')").run();
    db.prepare("INSERT INTO rounds (at, action, amount_msat, reason) VALUES (7, 'none', 0, 'nothing is owed')").run();
    db.prepare("INSERT INTO sequences (public_key, kind, last_sequence) VALUES (?, 'index_price', ?)").run(
      PK,
      '42'.padStart(20, '0'),
    );
    db.close();
    const ledger = Ledger.open(old);
    expect(ledger.payments(10).map((p) => [p.commitment, p.status])).to.deep.equal([['cc', 'complete']]);
    expect(ledger.funding()).to.deep.equal({
      accruedMsat: 1234n,
      lastAt: 99,
      since: null, // no start recorded: its first round takes the agreed fundingStart if not before 99
      indexUsd: 0n,
      oracles: new Map(),
    });
    expect(ledger.lastSequence(PK, 'index_price')).to.equal(42n);
    expect(ledger.rounds(1).map((r) => [r.at, r.quotes, r.channel])).to.deep.equal([[7, [], null]]);
    expect(ledger.accounts()).to.equal(null); // its first round records the baseline
    ledger.recordBaseline({ receiverMsat: 90_000_000n, at: 100 }, []);
    expect(ledger.accounts()!.totals.paidMsat, 'the old payment is in the baseline').to.equal(0n);
    ledger.close();
    expect(existsSync(`${old}.lock`)).to.equal(true);
  });
});
