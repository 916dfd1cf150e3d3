import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import * as secp from '@noble/secp256k1';
import { toHex } from '../../src/attest/bytes.js';
import { taggedHash } from '../../src/attest/hash.js';
import { schnorr } from '../../src/attest/schnorr.js';
import { KeyError, VerifyError } from '../../src/core/errors.js';
import { compose } from '../../src/dlc/digits.js';
import {
  announcementDigest,
  attest,
  attestationDigest,
  deriveNonce,
  signAnnouncement,
  signWithNonce,
  verifyAnnouncement,
  verifyAttestation,
} from '../../src/dlc/sign.js';
import { decodeAnnouncement, decodeAttestation, decodeAttestationRustDlc } from '../../src/dlc/tlv.js';
import type { DlcSigningVersion, OracleAttestation, OracleEvent } from '../../src/dlc/types.js';

const { n: N } = secp.Point.CURVE();
const { bytesToNumberBE } = secp.etc;
const bytes = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
const VERSIONS: DlcSigningVersion[] = ['tagged-v0', 'plain-sha256'];

interface DeployedVector {
  signingVersion: string;
  announcement: string;
  attestation?: string;
  attestationRustDlcLayout?: string;
}
const vectors = JSON.parse(
  readFileSync(new URL('../vectors/dlc/deployed-oracles.json', import.meta.url), 'utf8'),
) as Record<string, DeployedVector>;

const rustDlcVectors = JSON.parse(
  readFileSync(new URL('../vectors/dlc/rust-dlc-layout.json', import.meta.url), 'utf8'),
) as Record<string, { attestation: string }>;

/**
 * rust-dlc before its PR #242 (Lava's oracle) wrote attestations as: public key, u16 n, n
 * signatures, u16 n, n strings, with no event id. Read here only to check Lava's real signatures
 * against our digests; this layout is not emitted.
 */
function readRustDlcAttestation(hex: string, eventId: string): OracleAttestation {
  const b = Buffer.from(hex, 'hex');
  let at = 6; // fdd868 fdXXXX
  const oraclePublicKey = new Uint8Array(b.subarray(at, (at += 32)));
  const n = b.readUInt16BE(at);
  at += 2;
  const signatures = Array.from({ length: n }, () => new Uint8Array(b.subarray(at, (at += 64))));
  expect(b.readUInt16BE(at)).to.equal(n);
  at += 2;
  const outcomes = Array.from({ length: n }, () => {
    const len = b[at++]!;
    return b.subarray(at, (at += len)).toString('utf8');
  });
  expect(at).to.equal(b.length);
  return { eventId, oraclePublicKey, signatures, outcomes };
}

const secretKey = bytes('b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfef');
const nonceSecret = bytes('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff');

function ourEvent(eventId: string, isSigned = false): OracleEvent {
  const descriptor = { base: 2, isSigned, unit: 'BTC/USD', precision: 0, nbDigits: 20 };
  const count = descriptor.nbDigits + (isSigned ? 1 : 0);
  const nonces = Array.from({ length: count }, (_, i) => deriveNonce(nonceSecret, eventId, i).R);
  return { nonces, eventMaturityEpoch: 1_760_000_000, descriptor, eventId };
}

describe('dlc/sign', () => {
  describe('signWithNonce is BIP340: with the nonce BIP340 derives it reproduces the vector signatures', () => {
    const rows = readFileSync(new URL('../vectors/bip340-test-vectors.csv', import.meta.url), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','))
      .filter(([, sk, , , msg]) => sk !== '' && msg!.length === 64);
    it('covers the signing rows of the BIP340 vectors', () => expect(rows.length).to.be.at.least(4));
    for (const [index, skHex, pkHex, auxHex, msgHex, sigHex] of rows) {
      it(`vector ${index}`, () => {
        const sk = bytes(skHex!);
        const m = bytes(msgHex!);
        const d0 = bytesToNumberBE(sk);
        const P = secp.Point.BASE.multiply(d0).toAffine();
        const d = P.y % 2n === 0n ? d0 : N - d0;
        const t = secp.etc.numberToBytesBE(d);
        const auxHash = taggedHash('BIP0340/aux', bytes(auxHex!));
        for (let i = 0; i < 32; i++) t[i] = t[i]! ^ auxHash[i]!;
        const rand = taggedHash('BIP0340/nonce', Buffer.concat([t, bytes(pkHex!), m]));
        const k = bytesToNumberBE(rand) % N;
        expect(toHex(signWithNonce(m, sk, k)).toUpperCase()).to.equal(sigHex);
      });
    }
  });

  describe('deriveNonce', () => {
    it('is deterministic and pinned (a change would orphan every announced nonce)', () => {
      const a = deriveNonce(nonceSecret, 'btcusd-2025-10-09T08:00Z', 3);
      const b = deriveNonce(nonceSecret, 'btcusd-2025-10-09T08:00Z', 3);
      expect(a).to.deep.equal(b);
      expect(toHex(a.R)).to.equal(PINNED_R);
      // The same point from the documented formula, computed independently of deriveNonce.
      const id = Buffer.from('btcusd-2025-10-09T08:00Z', 'utf8');
      const preimage = Buffer.concat([nonceSecret, id, Buffer.from([0x00, 0x03])]);
      const k = bytesToNumberBE(taggedHash('PeerStables/dlc/nonce/v1', preimage)) % N;
      expect(toHex(schnorr.getPublicKey(secp.etc.numberToBytesBE(k)))).to.equal(PINNED_R);
    });

    it('returns R = x(k*G) with k*G of even y, as BIP340 needs', () => {
      for (let i = 0; i < 16; i++) {
        const { k, R } = deriveNonce(nonceSecret, 'event', i);
        const point = secp.Point.BASE.multiply(k).toAffine();
        expect(point.y % 2n).to.equal(0n);
        expect(toHex(secp.etc.numberToBytesBE(point.x))).to.equal(toHex(R));
      }
    });

    const otherSecret = nonceSecret.slice();
    otherSecret[0] = (otherSecret[0] ?? 0) ^ 1;
    const distinct: Array<[string, [Uint8Array, string, number]]> = [
      ['another index', [nonceSecret, 'event', 1]],
      ['another event id', [nonceSecret, 'event2', 0]],
      ['an id that ends like an index', [nonceSecret, 'event\u0000', 0]],
      ['another nonce secret', [otherSecret, 'event', 0]],
    ];
    for (const [name, args] of distinct) {
      it(`differs for ${name}`, () => {
        expect(toHex(deriveNonce(...args).R)).to.not.equal(toHex(deriveNonce(nonceSecret, 'event', 0).R));
      });
    }

    it('refuses a short secret, an empty id and an index beyond u16', () => {
      expect(() => deriveNonce(new Uint8Array(31), 'e', 0)).to.throw(KeyError);
      expect(() => deriveNonce(nonceSecret, '', 0)).to.throw(/event id/);
      expect(() => deriveNonce(nonceSecret, 'e', 65536)).to.throw(/nonce index/);
    });
  });

  describe('real deployed oracles verify under the signing version they use, and only that one', () => {
    for (const [name, v] of Object.entries(vectors)) {
      const version = v.signingVersion as DlcSigningVersion;
      const other: DlcSigningVersion = version === 'tagged-v0' ? 'plain-sha256' : 'tagged-v0';
      it(`${name}: announcement verifies with ${version}, not ${other}`, () => {
        const a = decodeAnnouncement(bytes(v.announcement));
        expect(verifyAnnouncement(a, version)).to.equal(true);
        expect(verifyAnnouncement(a, other)).to.equal(false);
      });
      const attestationHex = v.attestation ?? v.attestationRustDlcLayout;
      if (!attestationHex) continue;
      it(`${name}: attestation verifies with ${version}, not ${other}`, () => {
        const a = decodeAnnouncement(bytes(v.announcement));
        const at = v.attestation
          ? decodeAttestation(bytes(attestationHex))
          : readRustDlcAttestation(attestationHex, a.event.eventId);
        expect(verifyAttestation(a, at, version)).to.equal(true);
        expect(verifyAttestation(a, at, other)).to.equal(false);
      });
    }

    it('the attested numbers are the published ones', () => {
      const lava = vectors.lava!;
      const a = decodeAnnouncement(bytes(lava.announcement));
      const at = readRustDlcAttestation(lava.attestationRustDlcLayout!, a.event.eventId);
      expect(compose(at.outcomes, a.event.descriptor)).to.equal(107360n); // Lava's published outcome
      const atomic = decodeAttestation(bytes(vectors.atomic_deribit!.attestation!));
      expect(compose(atomic.outcomes, { base: 2, isSigned: false, unit: '', precision: 0, nbDigits: 18 })).to.equal(
        105506n,
      );
    });

    it('ddk production attestation (rust-dlc layout) verifies under tagged-v0, not plain-sha256', () => {
      const v = rustDlcVectors.ddk_production_attestation!;
      const at = decodeAttestationRustDlc(bytes(v.attestation));
      const [signature, outcome] = [at.signatures[0]!, at.outcomes[0]!];
      expect(schnorr.verify(signature, attestationDigest(outcome, 'tagged-v0'), at.oraclePublicKey)).to.equal(true);
      expect(schnorr.verify(signature, attestationDigest(outcome, 'plain-sha256'), at.oraclePublicKey)).to.equal(false);
    });

    it('a Suredbits attestation checked against another event fails', () => {
      const signed = decodeAnnouncement(bytes(vectors.suredbits_signed!.announcement));
      const unsignedAttestation = decodeAttestation(bytes(vectors.suredbits_unsigned!.attestation!));
      expect(verifyAttestation(signed, unsignedAttestation, 'tagged-v0')).to.equal(false);
    });
  });

  for (const version of VERSIONS) {
    describe(`our own announcements and attestations (${version})`, () => {
      const event = ourEvent('btcusd-2025-10-09T08:00Z', true);
      const announcement = signAnnouncement(event, secretKey, version);

      it('the announcement verifies and carries the oracle key', () => {
        expect(verifyAnnouncement(announcement, version)).to.equal(true);
        expect(toHex(announcement.oraclePublicKey)).to.equal(toHex(schnorr.getPublicKey(secretKey)));
      });

      it('an announcement of a changed event does not verify', () => {
        const changed = { ...announcement, event: { ...event, eventMaturityEpoch: event.eventMaturityEpoch + 1 } };
        expect(verifyAnnouncement(changed, version)).to.equal(false);
      });

      it('attests a value with the announced nonces, and the attestation verifies', () => {
        const at = attest(event, -123456n, secretKey, nonceSecret, version);
        expect(at.outcomes[0]).to.equal('-');
        expect(compose(at.outcomes, event.descriptor)).to.equal(-123456n);
        at.signatures.forEach((s, i) => expect(toHex(s.subarray(0, 32))).to.equal(toHex(event.nonces[i]!)));
        expect(verifyAttestation(announcement, at, version)).to.equal(true);
      });

      it('attesting twice gives the same signatures (deterministic nonces, same outcome)', () => {
        const a = attest(event, 42n, secretKey, nonceSecret, version);
        const b = attest(event, 42n, secretKey, nonceSecret, version);
        expect(a.signatures.map(toHex)).to.deep.equal(b.signatures.map(toHex));
      });

      it('a changed outcome fails verification', () => {
        const at = attest(event, 42n, secretKey, nonceSecret, version);
        const last = at.outcomes.length - 1;
        const outcomes = at.outcomes.map((o, i) => (i === last ? (o === '0' ? '1' : '0') : o));
        expect(verifyAttestation(announcement, { ...at, outcomes }, version)).to.equal(false);
      });

      it('a valid signature made with a nonce that was not announced fails verification', () => {
        const at = attest(event, 42n, secretKey, nonceSecret, version);
        const { k } = deriveNonce(nonceSecret, 'some other event', 0);
        const signatures = at.signatures.slice();
        signatures[1] = signWithNonce(attestationDigest(at.outcomes[1]!, version), secretKey, k);
        expect(
          schnorr.verify(signatures[1], attestationDigest(at.outcomes[1]!, version), announcement.oraclePublicKey),
        ).to.equal(true);
        expect(verifyAttestation(announcement, { ...at, signatures }, version)).to.equal(false);
      });

      it('a missing outcome, another event id or another key fails verification', () => {
        const at = attest(event, 42n, secretKey, nonceSecret, version);
        expect(
          verifyAttestation(
            announcement,
            { ...at, outcomes: at.outcomes.slice(1), signatures: at.signatures.slice(1) },
            version,
          ),
        ).to.equal(false);
        expect(verifyAttestation(announcement, { ...at, eventId: 'other' }, version)).to.equal(false);
        expect(verifyAttestation(announcement, { ...at, oraclePublicKey: event.nonces[0]! }, version)).to.equal(false);
      });

      it('refuses to sign when a re-derived nonce is not the announced one', () => {
        const foreign = {
          ...event,
          nonces: event.nonces.map((n, i) => (i === 5 ? deriveNonce(nonceSecret, 'x', 5).R : n)),
        };
        expect(() => attest(foreign, 1n, secretKey, nonceSecret, version)).to.throw(VerifyError, /nonce 5/);
        const otherSecret = nonceSecret.map((b) => b ^ 0xff);
        expect(() => attest(event, 1n, secretKey, otherSecret, version)).to.throw(VerifyError, /nonce 0/);
      });
    });
  }

  it('the two versions sign different digests', () => {
    const event = ourEvent('e');
    expect(toHex(announcementDigest(event, 'tagged-v0'))).to.not.equal(
      toHex(announcementDigest(event, 'plain-sha256')),
    );
    expect(toHex(attestationDigest('1', 'tagged-v0'))).to.not.equal(toHex(attestationDigest('1', 'plain-sha256')));
    expect(() => attestationDigest('1', 'v9' as DlcSigningVersion)).to.throw(/signing version/);
  });

  it('signWithNonce refuses a zero nonce, a bad key and a non-32-byte digest', () => {
    const m = new Uint8Array(32);
    expect(() => signWithNonce(m, secretKey, 0n)).to.throw(KeyError);
    expect(() => signWithNonce(m, secretKey, N)).to.throw(KeyError);
    expect(() => signWithNonce(m, new Uint8Array(32), 1n)).to.throw(KeyError);
    expect(() => signWithNonce(new Uint8Array(31), secretKey, 1n)).to.throw(/digest/);
  });
});

const PINNED_R = 'dac2581dded5184f4006c804fbbfc68ce2b467849d063ed63e5197c7aea3fb15';
