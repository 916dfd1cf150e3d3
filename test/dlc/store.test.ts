import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, InputError } from '../../src/core/errors.js';
import { openDlcStore, type DlcStore, type StoredEvent } from '../../src/dlc/store.js';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const HOUR = 3_600_000;
const nonce = (b: number): Uint8Array => new Uint8Array(32).fill(b);
const event = (id: string, maturity: number): StoredEvent & { head: string } => ({
  eventId: id,
  series: 'hourly',
  maturity,
  announcement: new Uint8Array([1, 2, 3]),
  announcedAt: T0 - HOUR,
  nonceBinding: 'v2',
  head: JSON.stringify({ eventId: id }),
});
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
    it('is absent from a new database, and recorded, unbound, by createIdentity', () => {
      expect(store.claimIdentity(identity)).to.equal(null);
      store.createIdentity(identity, 'ee'.repeat(32));
      store.close();
      store = openDlcStore(join(dir, 'dlc.sqlite3'));
      expect(store.claimIdentity(identity)).to.deep.equal({
        ...identity,
        instanceId: 'ee'.repeat(32),
        journalBound: false,
        prunedBefore: 0,
      });
      store.setInstance('ee'.repeat(32), true);
      expect(store.claimIdentity(identity)?.journalBound).to.equal(true);
    });

    const mismatches: ReadonlyArray<[what: string, claim: typeof identity, message: RegExp]> = [
      [
        'another oracle key',
        { ...identity, publicKeyHex: 'cc'.repeat(32) },
        /belongs to oracle key a{64}, but the configured key is c{64}/,
      ],
      [
        'another nonce secret',
        { ...identity, nonceFingerprintHex: 'dd'.repeat(32) },
        /created with another nonce secret/,
      ],
      [
        'another signing version',
        { ...identity, signingVersion: 'plain-sha256' },
        /signs with tagged-v0, but the configuration says plain-sha256; a nonce must never sign two messages/,
      ],
    ];
    for (const [what, claim, message] of mismatches) {
      it(`refuses ${what}`, () => {
        store.createIdentity(identity, 'ee'.repeat(32));
        expect(() => store.claimIdentity(claim)).to.throw(ConfigError, message);
      });
    }
  });

  describe('events and nonces', () => {
    it('refuses a nonce already used by another event, storing nothing of that event', () => {
      store.insertEvent(event('a', T0), [nonce(1), nonce(2)]);
      expect(() => store.insertEvent(event('b', T0 + HOUR), [nonce(3), nonce(2)])).to.throw(
        InputError,
        /already stored/,
      );
      expect(store.event('b')).to.equal(null);
      expect(store.event('a')?.announcement).to.deep.equal(new Uint8Array([1, 2, 3]));
      expect(store.event('a')?.nonceBinding).to.equal('v2');
    });

    it('refuses announcing an event id twice', () => {
      store.insertEvent(event('a', T0), [nonce(1)]);
      expect(() => store.insertEvent(event('a', T0), [nonce(9)])).to.throw(InputError);
    });

    it('pages by (maturity, id) with an exclusive cursor inside one maturity', () => {
      store.insertEvent(event('x-daily', T0), [nonce(1)]);
      store.insertEvent(event('x-hourly', T0), [nonce(2)]);
      store.insertEvent(event('y-hourly', T0 + HOUR), [nonce(3)]);
      const ids = (q: Parameters<DlcStore['servedPage']>[0]) => [...store.servedPage(q)].map((e) => e.eventId);
      expect(ids({ from: 0, to: T0 + HOUR, limit: 10 })).to.deep.equal(['x-daily', 'x-hourly', 'y-hourly']);
      expect(ids({ from: T0, to: T0 + HOUR, after: 'x-daily', limit: 10 })).to.deep.equal(['x-hourly', 'y-hourly']);
      expect(ids({ from: T0 + 1, to: T0 + HOUR, limit: 1 })).to.deep.equal(['y-hourly']);
    });
  });

  describe('attestations', () => {
    const attestation = {
      eventId: 'a',
      attestation: new Uint8Array([9]),
      value: 65_432n,
      indexObservedAt: T0 + 1,
      indexSequence: '7',
      late: false,
      attestedAt: T0 + 2,
    };
    const view = '{"hex":"09"}';

    it('stores one attestation per event and refuses a second', () => {
      store.insertEvent(event('a', T0), [nonce(1)]);
      store.insertAttestation({ ...attestation, view });
      expect(() => store.insertAttestation({ ...attestation, attestation: new Uint8Array([8]), view })).to.throw(
        InputError,
        /already attested/,
      );
      expect(store.attestation('a')).to.deep.equal(attestation);
      expect(store.attestedEventIds()).to.deep.equal(['a']);
      expect(store.served('a')).to.deep.equal({
        eventId: 'a',
        maturity: T0,
        head: '{"eventId":"a"}',
        attestation: view,
        late: false,
        indexObservedAt: T0 + 1,
      });
    });

    it('lists matured events without an attestation as unattested', () => {
      store.insertEvent(event('a', T0), [nonce(1)]);
      store.insertEvent(event('b', T0 + HOUR), [nonce(2)]);
      expect(store.unattested(T0 + HOUR - 1).map((e) => e.eventId)).to.deep.equal(['a']);
      store.insertAttestation({ ...attestation, view });
      expect(store.unattested(T0 + HOUR).map((e) => e.eventId)).to.deep.equal(['b']);
    });
  });

  describe('pruning', () => {
    const attest = (id: string) =>
      store.insertAttestation({
        eventId: id,
        attestation: new Uint8Array([9]),
        value: 1n,
        indexObservedAt: T0,
        indexSequence: '1',
        late: false,
        attestedAt: T0,
        view: '{}',
      });

    it('deletes attested events maturing before the cut, never one not attested, and raises the watermark', () => {
      store.createIdentity(identity, 'ee'.repeat(32));
      store.insertEvent(event('old-attested', T0 - 2 * HOUR), [nonce(1), nonce(2)]);
      store.insertEvent(event('old-waiting', T0 - 2 * HOUR), [nonce(3)]);
      store.insertEvent(event('new-attested', T0), [nonce(4)]);
      attest('old-attested');
      attest('new-attested');
      expect(store.prune(T0 - HOUR)).to.equal(1);
      expect(store.event('old-attested')).to.equal(null);
      expect(store.attestation('old-attested')).to.equal(null);
      expect(store.event('old-waiting')).not.to.equal(null);
      expect(store.event('new-attested')).not.to.equal(null);
      expect(store.prunedBefore()).to.equal(T0 - HOUR);
      store.prune(T0 - 3 * HOUR); // a clock stepped back never lowers the watermark
      expect(store.prunedBefore()).to.equal(T0 - HOUR);
    });
  });
});
