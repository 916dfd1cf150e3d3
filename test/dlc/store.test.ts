import { expect } from 'chai';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, InputError } from '../../src/core/errors.js';
import { OutcomeJournal, openDlcStore, outcomesDigest, type DlcStore, type StoredEvent } from '../../src/dlc/store.js';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const HOUR = 3_600_000;
const nonce = (b: number): Uint8Array => new Uint8Array(32).fill(b);
const event = (id: string, maturity: number): StoredEvent => ({ eventId: id, series: 'hourly', maturity, announcement: new Uint8Array([1, 2, 3]), announcedAt: T0 - HOUR });
const identity = { publicKeyHex: 'aa'.repeat(32), nonceFingerprintHex: 'bb'.repeat(32), signingVersion: 'tagged-v0' };

describe('DLC store', () => {
  let dir: string;
  let store: DlcStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dlc-store-'));
    store = openDlcStore(join(dir, 'dlc.sqlite3'));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('identity', () => {
    it('is recorded by the first claim and accepted again after a reopen', () => {
      store.claimIdentity(identity);
      store.close();
      store = openDlcStore(join(dir, 'dlc.sqlite3'));
      expect(() => store.claimIdentity(identity)).not.to.throw();
    });

    const mismatches: ReadonlyArray<[what: string, claim: typeof identity, message: RegExp]> = [
      ['another oracle key', { ...identity, publicKeyHex: 'cc'.repeat(32) }, /belongs to oracle key a{64}, but the configured key is c{64}/],
      ['another nonce secret', { ...identity, nonceFingerprintHex: 'dd'.repeat(32) }, /created with another nonce secret/],
      ['another signing version', { ...identity, signingVersion: 'plain-sha256' }, /signs with tagged-v0, but the configuration says plain-sha256; a nonce must never sign two messages/],
    ];
    for (const [what, claim, message] of mismatches) {
      it(`refuses ${what}`, () => {
        store.claimIdentity(identity);
        expect(() => store.claimIdentity(claim)).to.throw(ConfigError, message);
      });
    }
  });

  describe('events and nonces', () => {
    it('refuses a nonce already used by another event, storing nothing of that event', () => {
      store.insertEvent(event('a', T0), [nonce(1), nonce(2)]);
      expect(() => store.insertEvent(event('b', T0 + HOUR), [nonce(3), nonce(2)])).to.throw(InputError, /already stored/);
      expect(store.event('b')).to.equal(null);
      expect(store.event('a')?.announcement).to.deep.equal(new Uint8Array([1, 2, 3]));
    });

    it('refuses announcing an event id twice', () => {
      store.insertEvent(event('a', T0), [nonce(1)]);
      expect(() => store.insertEvent(event('a', T0), [nonce(9)])).to.throw(InputError);
    });

    it('pages by (maturity, id) with an exclusive cursor inside one maturity', () => {
      store.insertEvent(event('x-daily', T0), [nonce(1)]);
      store.insertEvent(event('x-hourly', T0), [nonce(2)]);
      store.insertEvent(event('y-hourly', T0 + HOUR), [nonce(3)]);
      const ids = (q: Parameters<DlcStore['events']>[0]) => store.events(q).map((e) => e.eventId);
      expect(ids({ from: 0, to: T0 + HOUR, limit: 10 })).to.deep.equal(['x-daily', 'x-hourly', 'y-hourly']);
      expect(ids({ from: T0, to: T0 + HOUR, after: 'x-daily', limit: 10 })).to.deep.equal(['x-hourly', 'y-hourly']);
      expect(ids({ from: T0 + 1, to: T0 + HOUR, limit: 1 })).to.deep.equal(['y-hourly']);
    });
  });

  describe('attestations', () => {
    const attestation = { eventId: 'a', attestation: new Uint8Array([9]), value: 65_432n, indexObservedAt: T0 + 1, indexSequence: '7', late: false, attestedAt: T0 + 2 };

    it('stores one attestation per event and refuses a second', () => {
      store.insertEvent(event('a', T0), [nonce(1)]);
      store.insertAttestation(attestation);
      expect(() => store.insertAttestation({ ...attestation, attestation: new Uint8Array([8]) })).to.throw(InputError, /already attested/);
      expect(store.attestation('a')).to.deep.equal(attestation);
      expect(store.attestedEventIds()).to.deep.equal(['a']);
    });

    it('lists matured events without an attestation as unattested', () => {
      store.insertEvent(event('a', T0), [nonce(1)]);
      store.insertEvent(event('b', T0 + HOUR), [nonce(2)]);
      expect(store.unattested(T0 + HOUR - 1).map((e) => e.eventId)).to.deep.equal(['a']);
      store.insertAttestation(attestation);
      expect(store.unattested(T0 + HOUR).map((e) => e.eventId)).to.deep.equal(['b']);
    });
  });
});

describe('DLC outcome journal', () => {
  let dir: string;
  let file: string;
  const entry = { eventId: 'a', announcementHex: '0102', series: 'hourly', maturity: T0, outcomes: ['0', '1'], value: '1', indexObservedAt: T0, indexSequence: '5', late: false, attestationHex: 'fdd868' };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dlc-journal-'));
    file = join(dir, 'sub', 'journal.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads back what was appended, with the outcomes digest', () => {
    OutcomeJournal.open(file).append(entry);
    const again = OutcomeJournal.open(file);
    expect(again.get('a')).to.deep.equal({ ...entry, outcomesDigest: outcomesDigest(['0', '1']) });
    expect(again.entries()).to.have.length(1);
  });

  it('refuses a second entry for one event', () => {
    const journal = OutcomeJournal.open(file);
    journal.append(entry);
    expect(() => journal.append({ ...entry, outcomes: ['1', '1'] })).to.throw(InputError, /already journaled/);
  });

  it('cuts a torn last line (a crash inside append, before anything was released)', () => {
    OutcomeJournal.open(file).append(entry);
    appendFileSync(file, '{"eventId":"b","outc');
    const journal = OutcomeJournal.open(file);
    expect(journal.entries().map((e) => e.eventId)).to.deep.equal(['a']);
    journal.append({ ...entry, eventId: 'b' });
    expect(OutcomeJournal.open(file).entries().map((e) => e.eventId)).to.deep.equal(['a', 'b']);
  });

  const corruptions: ReadonlyArray<[what: string, edit: (text: string) => string, message: RegExp]> = [
    ['edited outcomes', (t) => t.replace('["0","1"]', '["1","1"]'), /do not match their digest/],
    ['a line that is not JSON', (t) => `${t}garbage\n`, /line 2 is not JSON/],
    ['a line missing fields', (t) => `${t}{"eventId":"c"}\n`, /line 2 is not a journal entry/],
    ['two entries for one event', (t) => t + t, /a second entry for event a/],
  ];
  for (const [what, edit, message] of corruptions) {
    it(`refuses to open with ${what}`, () => {
      OutcomeJournal.open(file).append(entry);
      writeFileSync(file, edit(readFileSync(file, 'utf8')));
      expect(() => OutcomeJournal.open(file)).to.throw(ConfigError, message);
    });
  }
});
