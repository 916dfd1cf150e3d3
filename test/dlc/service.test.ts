import { expect } from 'chai';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { generateKeyFile } from '../../src/attest/keys.js';
import { ConfigError } from '../../src/core/errors.js';
import { eventNonceSecret, type NonceContext } from '../../src/dlc/nonces.js';
import { toOutcomeValue, type DlcService } from '../../src/dlc/service.js';
import { deriveNonce, verifyAnnouncement, verifyAttestation } from '../../src/dlc/sign.js';
import { outcomesDigest } from '../../src/dlc/journal.js';
import { decodeAnnouncement, decodeAttestation } from '../../src/dlc/tlv.js';
import { loadSecretKey, publicKeyOf } from '../../src/attest/keys.js';
import { EVENT_T0, ORACLE_SECRET, OTHER_SECRET, T0, bytes, hex, makeHarness, type Harness } from './service-harness.js';

/** The 20 binary digits of `n`, leftmost first, as the attestation's outcomes. */
const digits = (n: number): string[] => n.toString(2).padStart(20, '0').split('');

describe('DLC service', () => {
  let h: Harness;
  let service: DlcService;
  beforeEach(() => {
    h = makeHarness();
    service = h.open();
  });
  afterEach(() => h.cleanup());

  describe('announcing', () => {
    it('announces the events of the window ahead, signed, with nonces derived from the nonce secret', () => {
      expect(service.pass()).to.deep.equal({ announced: 2, attested: 0, pruned: 0 });
      const view = service.view(EVENT_T0);
      expect(view?.maturity).to.equal('2024-05-01T12:00:00.000Z');
      expect(view?.status).to.equal('announced');
      expect(service.view('btcusd-hourly-2024-05-01T13:00:00Z')).not.to.equal(null);
      expect(service.view('btcusd-hourly-2024-05-01T14:00:00Z')).to.equal(null);
      const announcement = decodeAnnouncement(bytes(view?.announcement.hex ?? ''));
      expect(verifyAnnouncement(announcement, 'tagged-v0')).to.equal(true);
      expect(announcement.event.eventMaturityEpoch).to.equal(T0 / 1000);
      // Bound to this oracle's key, its lineage (the instance id in both database and journal),
      // the descriptor and the signing version: another oracle sharing the nonce secret file
      // derives other nonces for the same event id.
      const db = new Database(h.databaseFile, { readonly: true });
      const instanceIdHex = db.prepare('SELECT instance_id FROM identity').pluck().get() as string;
      db.close();
      const firstLine = readFileSync(h.config.journalFile, 'utf8').split('\n')[0] ?? '';
      const journalIdentity = JSON.parse(firstLine) as { record: string; instanceId: string };
      expect(journalIdentity).to.include({ record: 'identity', instanceId: instanceIdHex });
      const context: NonceContext = {
        nonceSecret: loadSecretKey(h.config.nonceSecretFile),
        publicKey: publicKeyOf(ORACLE_SECRET),
        instanceId: bytes(instanceIdHex),
        signingVersion: 'tagged-v0',
      };
      const descriptor = announcement.event.descriptor;
      const secret = eventNonceSecret(context, descriptor, 'v2');
      expect(announcement.event.nonces.map(hex)).to.deep.equal(
        Array.from({ length: 20 }, (_, i) => hex(deriveNonce(secret, EVENT_T0, i).R)),
      );
      const others = [
        context.nonceSecret,
        eventNonceSecret(context, descriptor, 'v1'),
        eventNonceSecret({ ...context, instanceId: new Uint8Array(32) }, descriptor, 'v2'),
        eventNonceSecret(context, { ...descriptor, unit: 'BTC-USD' }, 'v2'),
        eventNonceSecret({ ...context, signingVersion: 'plain-sha256' }, descriptor, 'v2'),
      ];
      for (const other of others)
        expect(hex(announcement.event.nonces[0]!)).to.not.equal(hex(deriveNonce(other, EVENT_T0, 0).R));
    });

    it('announces each event once across passes and restarts', () => {
      service.pass();
      const before = service.view(EVENT_T0)?.announcement.hex;
      service.close();
      service = h.open();
      expect(service.pass().announced).to.equal(0);
      expect(service.view(EVENT_T0)?.announcement.hex).to.equal(before);
    });
  });

  describe('attesting', () => {
    beforeEach(() => service.pass());

    it('never attests before maturity, nor from an index observed before it', () => {
      h.history.add(T0 - 1_000, '65000');
      h.clock.set(T0 - 1);
      expect(service.pass().attested).to.equal(0);
      h.clock.set(T0);
      expect(service.pass().attested).to.equal(0);
      expect(service.view(EVENT_T0)).to.include({
        status: 'waiting_for_index',
        reason: 'waiting for an index observed after maturity',
      });
      h.history.add(T0 + 5_000, '65432.4');
      h.clock.set(T0 + 6_000);
      expect(service.pass().attested).to.equal(1);
      const view = service.view(EVENT_T0);
      expect(view?.status).to.equal('attested');
      expect(view?.attestation).to.include({
        value: '65432',
        late: false,
        indexObservedAt: '2024-05-01T12:00:05.000Z',
      });
      expect(view?.attestation?.json.outcomes).to.deep.equal(digits(65432));
      const announcement = decodeAnnouncement(bytes(view?.announcement.hex ?? ''));
      expect(
        verifyAttestation(announcement, decodeAttestation(bytes(view?.attestation?.hex ?? '')), 'tagged-v0'),
      ).to.equal(true);
    });

    it('uses the index with the smallest observedAt at or after maturity', () => {
      h.history.add(T0 + 30_000, '70000');
      h.history.add(T0, '60000');
      h.clock.set(T0 + 40_000);
      service.pass();
      expect(service.view(EVENT_T0)?.attestation?.value).to.equal('60000');
    });

    it('attests at most once: a later pass, an earlier index arriving late, or a restart return the same bytes', () => {
      h.history.add(T0 + 20_000, '65000');
      h.clock.set(T0 + 30_000);
      service.pass();
      const first = service.view(EVENT_T0)?.attestation?.hex;
      h.history.add(T0 + 1_000, '1');
      expect(service.pass().attested).to.equal(0);
      service.close();
      service = h.open();
      service.pass();
      expect(service.view(EVENT_T0)?.attestation?.hex).to.equal(first);
    });

    it('ignores indexes signed by another key', () => {
      h.history.add(T0 + 1_000, '1', OTHER_SECRET);
      h.clock.set(T0 + 2_000);
      expect(service.pass().attested).to.equal(0);
    });

    it('attests with the first index after maturity when none came within the tolerance, marked late', () => {
      h.clock.set(T0 + 60_000);
      expect(service.pass().attested).to.equal(0);
      h.history.add(T0 + 90_000, '64000');
      h.clock.set(T0 + 120_000);
      service.pass();
      const view = service.view(EVENT_T0);
      expect(view?.status).to.equal('attested_late');
      expect(view?.reason).to.match(/attested late: no index was observed within 60000 ms after maturity/);
      expect(view?.attestation).to.include({ value: '64000', late: true });
    });

    it('passes values beyond the 20 digits through clamping: every digit 1, the unclamped value kept', () => {
      h.history.add(T0, '2000000');
      h.clock.set(T0);
      service.pass();
      const view = service.view(EVENT_T0);
      expect(view?.attestation?.json.outcomes).to.deep.equal(Array(20).fill('1'));
      expect(view?.attestation?.value).to.equal('2000000');
    });
  });

  describe('toOutcomeValue (index mantissa at -8 to the descriptor precision, half to even)', () => {
    const cases: ReadonlyArray<[mantissa: bigint, precision: number, expected: bigint]> = [
      [6_543_249_999_999n, 0, 65_432n],
      [6_543_250_000_000n, 0, 65_432n],
      [6_543_350_000_000n, 0, 65_434n],
      [6_543_250_000_000n, 2, 654n],
      [6_543_250_000_000n, -2, 6_543_250n],
      [6_543_250_000_000n, -8, 6_543_250_000_000n],
      [-150_000_000n, 0, -2n],
    ];
    for (const [mantissa, precision, expected] of cases) {
      it(`${mantissa} at -8, precision ${precision} -> ${expected}`, () => {
        expect(toOutcomeValue(mantissa, -8, precision)).to.equal(expected);
      });
    }
  });

  describe('start-up safety', () => {
    it('refuses a database created with another oracle key', () => {
      service.close();
      expect(() => h.open({ secretKey: OTHER_SECRET })).to.throw(ConfigError, /belongs to oracle key/);
    });

    it('refuses a database created with another nonce secret', () => {
      service.close();
      rmSync(h.config.nonceSecretFile);
      generateKeyFile(h.config.nonceSecretFile);
      expect(() => h.open()).to.throw(ConfigError, /another nonce secret/);
    });
  });

  describe('restore safety', () => {
    /** Announces, attests EVENT_T0 at 65432 and returns its attestation hex. */
    const attestAt65432 = (): string => {
      service.pass();
      h.history.add(T0 + 1_000, '65432');
      h.clock.set(T0 + 2_000);
      service.pass();
      return service.view(EVENT_T0)?.attestation?.hex ?? '';
    };

    it('re-signs an attestation deleted from the database with the journaled outcomes: identical signatures', () => {
      const original = attestAt65432();
      service.close();
      const db = new Database(h.databaseFile);
      db.prepare('DELETE FROM attestations WHERE event_id = ?').run(EVENT_T0);
      db.close();
      h.history.rows = [];
      h.history.add(T0 + 1_000, '99999'); // a different index now: it must not be used
      service = h.open();
      service.pass();
      const view = service.view(EVENT_T0);
      expect(view?.attestation?.hex).to.equal(original);
      expect(view?.attestation?.value).to.equal('65432');
    });

    const olderCopies: ReadonlyArray<[what: string, copyAt: 'announced' | 'empty']> = [
      ['after the announcement, before the attestation', 'announced'],
      ['from before the event was even announced', 'empty'],
    ];
    for (const [what, copyAt] of olderCopies) {
      it(`restoring an older database file (${what}) re-signs the same outcome, never a new one`, () => {
        const backup = join(h.dir, 'backup.sqlite3');
        if (copyAt === 'announced') service.pass();
        service.close();
        copyFileSync(h.databaseFile, backup);
        service = h.open();
        const original = attestAt65432();
        service.close();
        copyFileSync(backup, h.databaseFile);
        rmSync(`${h.databaseFile}-wal`, { force: true });
        rmSync(`${h.databaseFile}-shm`, { force: true });
        h.history.rows = [];
        h.history.add(T0 + 500, '12345');
        service = h.open();
        expect(service.view(EVENT_T0)?.attestation?.hex).to.equal(original);
        service.pass();
        expect(service.view(EVENT_T0)?.attestation?.json.outcomes).to.deep.equal(digits(65432));
      });
    }

    /** The journal's identity line as written, and its one entry parsed. */
    const journalLines = (): [string, { outcomes: string[]; outcomesDigest: string }] => {
      const [identity = '', entry = ''] = readFileSync(h.config.journalFile, 'utf8').split('\n');
      return [identity, JSON.parse(entry) as { outcomes: string[]; outcomesDigest: string }];
    };

    it('refuses to start when the journal and the database disagree on an outcome', () => {
      attestAt65432();
      service.close();
      const [identity, entry] = journalLines();
      entry.outcomes = digits(1);
      entry.outcomesDigest = outcomesDigest(entry.outcomes);
      writeFileSync(h.config.journalFile, `${identity}\n${JSON.stringify(entry)}\n`);
      expect(() => h.open()).to.throw(
        ConfigError,
        /journal and database disagree on event btcusd-hourly-2024-05-01T12:00:00Z/,
      );
    });

    it('refuses to start when the journal lacks an attestation the database holds (an old journal restored)', () => {
      attestAt65432();
      service.close();
      writeFileSync(h.config.journalFile, `${journalLines()[0]}\n`); // a copy made before the attestation
      expect(() => h.open()).to.throw(ConfigError, /1 attestation\(s\) missing from the journal/);
    });

    it('refuses to start when a journaled outcome lost by the database cannot be re-signed as it is', () => {
      attestAt65432();
      service.close();
      const db = new Database(h.databaseFile);
      db.prepare('DELETE FROM attestations').run();
      db.close();
      const [identity, entry] = journalLines();
      entry.outcomes = entry.outcomes.slice(1);
      entry.outcomesDigest = outcomesDigest(entry.outcomes);
      writeFileSync(h.config.journalFile, `${identity}\n${JSON.stringify(entry)}\n`);
      expect(() => h.open()).to.throw(ConfigError, /cannot be restored/);
      const db2 = new Database(h.databaseFile);
      expect(db2.prepare('SELECT count(*) FROM attestations').pluck().get()).to.equal(0);
      db2.close();
    });
  });

  describe('safety against signing two messages with one nonce', () => {
    it('refuses to start with another signing version than the database was created with', () => {
      service.pass();
      service.close();
      expect(() => h.open({ config: { ...h.config, signingVersion: 'plain-sha256' } })).to.throw(
        ConfigError,
        /a nonce must never sign two messages/,
      );
    });

    it('refuses a journal kept in the same folder as the database', () => {
      service.close();
      expect(() =>
        h.open({ config: { ...h.config, journalFile: join(h.databaseFile, '..', 'journal.jsonl') } }),
      ).to.throw(ConfigError, /inside the data directory/);
    });
  });
});
