/**
 * A DLC database and journal written before instance ids and stored JSON (schema version 1,
 * nonces bound without an instance id) are brought forward at start-up: their events are served
 * as before, announced events stay attestable with the nonces they committed to, new events get
 * the instance id, and the journal gets its identity line.
 */
import { expect } from 'chai';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { taggedHash } from '../../src/attest/hash.js';
import { loadSecretKey, publicKeyOf } from '../../src/attest/keys.js';
import { ConfigError } from '../../src/core/errors.js';
import { OutcomeJournal } from '../../src/dlc/journal.js';
import { eventNonceSecret, type NonceContext } from '../../src/dlc/nonces.js';
import { DLC_MIGRATIONS } from '../../src/dlc/schema.js';
import { attest, deriveNonce, signAnnouncement, verifyAttestation } from '../../src/dlc/sign.js';
import {
  decodeAnnouncement,
  decodeAttestation,
  encodeAnnouncement,
  encodeAttestation,
  encodeAttestationRustDlc,
} from '../../src/dlc/tlv.js';
import type { DigitDecompositionDescriptor, OracleAnnouncement } from '../../src/dlc/types.js';
import { migrate } from '../../src/store/migrations.js';
import { EVENT_T0, HOUR, ORACLE_SECRET, T0, bytes, hex, makeHarness, type Harness } from './service-harness.js';

const EVENT_13 = 'btcusd-hourly-2024-05-01T13:00:00Z';
const DESCRIPTOR: DigitDecompositionDescriptor = {
  base: 2,
  isSigned: false,
  unit: 'BTC/USD',
  precision: 0,
  nbDigits: 20,
};

/** Writes what the previous version left: a schema-1 database with two v1 events, EVENT_T0 attested and journaled. */
function writeLegacyOracle(h: Harness): { context: NonceContext; attestationHex: string } {
  const nonceSecret = loadSecretKey(h.config.nonceSecretFile);
  const context: NonceContext = {
    nonceSecret,
    publicKey: publicKeyOf(ORACLE_SECRET),
    instanceId: new Uint8Array(32),
    signingVersion: 'tagged-v0',
  };
  mkdirSync(dirname(h.databaseFile), { recursive: true });
  const db = new Database(h.databaseFile);
  migrate(db, DLC_MIGRATIONS.slice(0, 1));
  db.prepare('INSERT INTO identity VALUES (1, ?, ?, ?)').run(
    hex(context.publicKey),
    hex(taggedHash('PeerStables/dlc-nonce-fingerprint/v1', nonceSecret)),
    'tagged-v0',
  );
  const announcements = new Map<string, OracleAnnouncement>();
  for (const [eventId, maturity] of [
    [EVENT_T0, T0],
    [EVENT_13, T0 + HOUR],
  ] as const) {
    const secret = eventNonceSecret(context, DESCRIPTOR, 'v1');
    const nonces = Array.from({ length: 20 }, (_, i) => deriveNonce(secret, eventId, i).R);
    const a = signAnnouncement(
      { nonces, eventMaturityEpoch: maturity / 1000, descriptor: DESCRIPTOR, eventId },
      ORACLE_SECRET,
      'tagged-v0',
    );
    announcements.set(eventId, a);
    db.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?)').run(
      eventId,
      'hourly',
      maturity,
      Buffer.from(encodeAnnouncement(a)),
      T0 - HOUR,
    );
    nonces.forEach((r, i) => db.prepare('INSERT INTO nonces VALUES (?, ?, ?)').run(eventId, i, hex(r)));
  }
  const noon = announcements.get(EVENT_T0) as OracleAnnouncement;
  const attestation = attest(
    noon.event,
    65_432n,
    ORACLE_SECRET,
    eventNonceSecret(context, DESCRIPTOR, 'v1'),
    'tagged-v0',
  );
  const attestationHex = hex(encodeAttestation(attestation));
  db.prepare('INSERT INTO attestations VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    EVENT_T0,
    bytes(attestationHex),
    '65432',
    T0 + 1_000,
    '7',
    0,
    T0 + 2_000,
  );
  db.close();
  mkdirSync(dirname(h.config.journalFile), { recursive: true });
  const journal = OutcomeJournal.open(h.config.journalFile);
  journal.append({
    eventId: EVENT_T0,
    announcementHex: hex(encodeAnnouncement(noon)),
    series: 'hourly',
    maturity: T0,
    outcomes: attestation.outcomes,
    value: '65432',
    indexObservedAt: T0 + 1_000,
    indexSequence: '7',
    late: false,
    attestationHex,
  });
  journal.close();
  return { context, attestationHex };
}

describe('DLC upgrade of a database older than instance ids', () => {
  let h: Harness;
  beforeEach(() => {
    h = makeHarness({}, T0 + 2_000);
  });
  afterEach(() => h.cleanup());

  it('serves old events unchanged, attests announced ones with their old nonces, binds new ones to an instance id', () => {
    const { context, attestationHex } = writeLegacyOracle(h);
    const service = h.open();
    expect(service.view(EVENT_T0)).to.include({
      status: 'attested',
      reason: 'attested from the index observed at 2024-05-01T12:00:01.000Z',
    });
    expect(service.view(EVENT_T0)?.attestation?.hex).to.equal(attestationHex);

    const lines = readFileSync(h.config.journalFile, 'utf8').trim().split('\n');
    expect(lines).to.have.length(2);
    const identity = JSON.parse(lines[1] as string) as { record: string; instanceId: string };
    expect(identity.record).to.equal('identity');
    const db = new Database(h.databaseFile, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).to.equal(DLC_MIGRATIONS.length);
    expect(db.prepare('SELECT instance_id, journal_bound FROM identity').get()).to.deep.equal({
      instance_id: identity.instanceId,
      journal_bound: 1,
    });
    db.close();

    h.history.add(T0 + HOUR + 1_000, '66000');
    h.clock.set(T0 + HOUR + 2_000);
    service.pass();
    const thirteen = service.view(EVENT_13);
    expect(thirteen?.status).to.equal('attested');
    const announcement = decodeAnnouncement(bytes(thirteen?.announcement.hex ?? ''));
    expect(
      verifyAttestation(announcement, decodeAttestation(bytes(thirteen?.attestation?.hex ?? '')), 'tagged-v0'),
    ).to.equal(true);

    const fresh = decodeAnnouncement(bytes(service.view('btcusd-hourly-2024-05-01T15:00:00Z')?.announcement.hex ?? ''));
    const v2 = eventNonceSecret({ ...context, instanceId: bytes(identity.instanceId) }, DESCRIPTOR, 'v2');
    expect(hex(fresh.event.nonces[0]!)).to.equal(hex(deriveNonce(v2, fresh.event.eventId, 0).R));
    service.close();
    expect(() => h.open().close()).not.to.throw();
  });

  it('refuses to start when a stored announcement does not verify, naming the event', () => {
    writeLegacyOracle(h);
    const db = new Database(h.databaseFile);
    const stored = db.prepare('SELECT announcement FROM events WHERE event_id = ?').pluck().get(EVENT_13) as Buffer;
    stored[10] = (stored[10] as number) ^ 1; // a bit of the announcement signature
    db.prepare('UPDATE events SET announcement = ? WHERE event_id = ?').run(stored, EVENT_13);
    db.close();
    expect(() => h.open()).to.throw(
      ConfigError,
      /stored announcement of DLC event btcusd-hourly-2024-05-01T13:00:00Z does not verify/,
    );
  });

  it('a database whose served attestations predate the rust-dlc layout serves them with it after the upgrade', () => {
    writeLegacyOracle(h);
    h.open().close(); // brought to the current schema, views built
    const db = new Database(h.databaseFile);
    const view = JSON.parse(db.prepare('SELECT view_json FROM attestations').pluck().get() as string) as Record<
      string,
      unknown
    >;
    delete view.rustDlcHex; // as the previous version stored it
    db.prepare('UPDATE attestations SET view_json = ?').run(JSON.stringify(view));
    db.pragma(`user_version = ${DLC_MIGRATIONS.length - 1}`);
    db.close();
    const service = h.open();
    const served = service.view(EVENT_T0)?.attestation;
    expect(served?.rustDlcHex).to.equal(hex(encodeAttestationRustDlc(decodeAttestation(bytes(served?.hex ?? '')))));
    service.close();
  });
});
