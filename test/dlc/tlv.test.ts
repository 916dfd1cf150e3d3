import { expect } from 'chai';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { toHex } from '../../src/attest/bytes.js';
import { isValidSecretKey, schnorr } from '../../src/attest/schnorr.js';
import { InputError } from '../../src/core/errors.js';
import {
  decodeAnnouncement,
  decodeAttestation,
  decodeAttestationRustDlc,
  decodeDescriptor,
  decodeEvent,
  encodeAnnouncement,
  encodeAttestation,
  encodeAttestationRustDlc,
  encodeDescriptor,
  encodeEvent,
} from '../../src/dlc/tlv.js';
import type { OracleEvent } from '../../src/dlc/types.js';

interface DeployedVector {
  source: string;
  announcement: string;
  attestation?: string;
}
const vectors = JSON.parse(
  readFileSync(new URL('../vectors/dlc/deployed-oracles.json', import.meta.url), 'utf8'),
) as Record<string, DeployedVector>;

interface RustDlcVector {
  source: string;
  attestation: string;
  eventId: string;
  oraclePublicKey: string;
  outcomes: string[];
}
const rustDlc = JSON.parse(
  readFileSync(new URL('../vectors/dlc/rust-dlc-layout.json', import.meta.url), 'utf8'),
) as Record<string, RustDlcVector>;

const bytes = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
const point = schnorr.getPublicKey(new Uint8Array(32).fill(7));

describe('dlc/tlv', () => {
  describe('real announcements and attestations from deployed oracles', () => {
    for (const [name, v] of Object.entries(vectors)) {
      it(`${name}: announcement decodes and re-encodes byte for byte`, () => {
        const a = decodeAnnouncement(bytes(v.announcement));
        expect(toHex(encodeAnnouncement(a))).to.equal(v.announcement);
        expect(toHex(encodeEvent(decodeEvent(encodeEvent(a.event))))).to.equal(toHex(encodeEvent(a.event)));
      });
      if (v.attestation) {
        const hex = v.attestation;
        it(`${name}: attestation decodes and re-encodes byte for byte`, () => {
          expect(toHex(encodeAttestation(decodeAttestation(bytes(hex))))).to.equal(hex);
        });
      }
    }

    it('reads the fields of the Atomic Finance announcement as published', () => {
      const a = decodeAnnouncement(bytes(vectors.atomic_deribit!.announcement));
      expect(a.event.eventId).to.equal('atomic-deribit-BTC-20JUN25');
      expect(a.event.eventMaturityEpoch).to.equal(1750406400);
      expect(a.event.descriptor).to.deep.equal({
        base: 2,
        isSigned: false,
        unit: 'BTCUSD',
        precision: 0,
        nbDigits: 18,
      });
      expect(toHex(a.event.nonces[0]!)).to.equal('05df86bd325d15f56dea823bc687e29b4891ef88eea325babf0f2536991fbd34');
      expect(a.event.nonces).to.have.length(18);
    });

    it('reads a signed descriptor: one nonce more than digits, "+"/"-" first', () => {
      const a = decodeAnnouncement(bytes(vectors.suredbits_signed!.announcement));
      expect(a.event.descriptor.isSigned).to.equal(true);
      expect(a.event.nonces).to.have.length(a.event.descriptor.nbDigits + 1);
      const at = decodeAttestation(bytes(vectors.suredbits_signed!.attestation!));
      expect(at.outcomes.join('')).to.equal('-010100');
    });
  });

  describe('the rust-dlc layout (a second u16 count before the outcomes), as ddk publishes it', () => {
    for (const [name, v] of Object.entries(rustDlc)) {
      it(`${name}: decodes to the published fields and re-encodes byte for byte`, () => {
        const at = decodeAttestationRustDlc(bytes(v.attestation));
        expect(at.eventId).to.equal(v.eventId);
        expect(toHex(at.oraclePublicKey)).to.equal(v.oraclePublicKey);
        expect(at.outcomes).to.deep.equal(v.outcomes);
        expect(toHex(encodeAttestationRustDlc(at))).to.equal(v.attestation);
      });
      it(`${name}: is not readable as the dlcspecs layout (nor ours as theirs)`, () => {
        expect(() => decodeAttestation(bytes(v.attestation))).to.throw(InputError);
        const at = decodeAttestationRustDlc(bytes(v.attestation));
        expect(() => decodeAttestationRustDlc(encodeAttestation(at))).to.throw(InputError);
      });
    }

    it('writes exactly the dlcspecs bytes plus the outcome count, after the signatures', () => {
      const at = decodeAttestation(bytes(vectors.suredbits_unsigned!.attestation!));
      const ours = toHex(encodeAttestation(at));
      const theirs = toHex(encodeAttestationRustDlc(at));
      const body = (hex: string): string => hex.replace(/^fdd868fd[0-9a-f]{4}/, '');
      const cut = 2 * (1 + 5 + 32 + 2 + 64 * at.signatures.length); // id length, "dummy", key, count, sigs
      expect(body(theirs)).to.equal(body(ours).slice(0, cut) + '0006' + body(ours).slice(cut));
    });

    it('refuses an outcome count that differs from the signature count, naming both', () => {
      const at = decodeAttestation(bytes(vectors.suredbits_unsigned!.attestation!));
      const hex = toHex(encodeAttestationRustDlc(at));
      const cut = 2 * (6 + 1 + 5 + 32 + 2 + 64 * 6); // type and length, "dummy", key, count, sigs
      const wrong = hex.slice(0, cut) + '0005' + hex.slice(cut + 4);
      expect(() => decodeAttestationRustDlc(bytes(wrong))).to.throw(InputError, /outcome count 5 differs.*6/);
    });
  });

  it('writes the descriptor field by field (base as u16, as deployed)', () => {
    const hex = toHex(encodeDescriptor({ base: 2, isSigned: false, unit: 'BTCUSD', precision: -2, nbDigits: 20 }));
    expect(hex).to.equal(
      'fdd80a' +
        '10' + // type 55306, length 16
        '0002' +
        '00' + // base u16, is_signed
        '06' +
        Buffer.from('BTCUSD').toString('hex') + // unit
        'fffffffe' + // precision int32 -2
        '0014', // nb_digits
    );
    expect(decodeDescriptor(bytes(hex)).precision).to.equal(-2);
  });

  it('round-trips every TLV of random valid events (property)', () => {
    const secret = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((s) => isValidSecretKey(s));
    const event = fc
      .record({
        base: fc.integer({ min: 2, max: 0xffff }),
        isSigned: fc.boolean(),
        unit: fc.string({ maxLength: 20 }).map((s) => s.normalize('NFC')),
        precision: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        nbDigits: fc.integer({ min: 1, max: 8 }),
        maturity: fc.integer({ min: 0, max: 0xffffffff }),
        eventId: fc.string({ maxLength: 64 }).map((s) => s.normalize('NFC')),
        keys: fc.array(secret, { minLength: 9, maxLength: 9 }),
      })
      .filter((r) => Buffer.from(r.unit).toString() === r.unit && Buffer.from(r.eventId).toString() === r.eventId);
    fc.assert(
      fc.property(event, fc.uint8Array({ minLength: 64, maxLength: 64 }), (r, sig) => {
        const { base, isSigned, unit, precision, nbDigits } = r;
        const descriptor = { base, isSigned, unit, precision, nbDigits };
        const nonces = r.keys.slice(0, nbDigits + (isSigned ? 1 : 0)).map((k) => schnorr.getPublicKey(k));
        const e: OracleEvent = { nonces, eventMaturityEpoch: r.maturity, descriptor, eventId: r.eventId };
        expect(decodeDescriptor(encodeDescriptor(descriptor))).to.deep.equal(descriptor);
        expect(decodeEvent(encodeEvent(e))).to.deep.equal(e);
        const a = { signature: sig, oraclePublicKey: nonces[0]!, event: e };
        expect(decodeAnnouncement(encodeAnnouncement(a))).to.deep.equal(a);
        const at = {
          eventId: r.eventId,
          oraclePublicKey: nonces[0]!,
          signatures: nonces.map(() => sig),
          outcomes: nonces.map((_, i) => String(i)),
        };
        expect(decodeAttestation(encodeAttestation(at))).to.deep.equal(at);
        expect(decodeAttestationRustDlc(encodeAttestationRustDlc(at))).to.deep.equal(at);
      }),
      { numRuns: 40 },
    );
  });

  describe('strict decoding: each malformation is an InputError naming the field', () => {
    const good = vectors.suredbits_unsigned!;
    const ann = good.announcement;
    const att = good.attestation!;
    // Byte offsets in the unsigned Suredbits announcement: fdd824 fd0143 | sig 64 | key 32 | fdd822 df | ...
    const eventStart = (3 + 3 + 64 + 32) * 2;
    const nonceStart = eventStart + (3 + 1 + 2) * 2;
    const cases: Array<[string, () => unknown, RegExp]> = [
      [
        'trailing byte after the announcement',
        () => decodeAnnouncement(bytes(ann + '00')),
        /announcement: 1 trailing bytes/,
      ],
      ['truncated announcement', () => decodeAnnouncement(bytes(ann.slice(0, -2))), /announcement value/],
      ['attestation given as announcement', () => decodeAnnouncement(bytes(att)), /expected TLV type 55332, got 55400/],
      ['announcement given as attestation', () => decodeAttestation(bytes(ann)), /expected TLV type 55400, got 55332/],
      ['empty input', () => decodeEvent(new Uint8Array()), /event type/],
      [
        'non-minimal BigSize type',
        () => decodeDescriptor(bytes('fe0000d80a0f00020005756e697473000000000006')),
        /descriptor type: non-minimal/,
      ],
      [
        'is_signed neither 0 nor 1',
        () => decodeDescriptor(bytes('fdd80a0f00020205756e697473000000000006')),
        /descriptor isSigned must be 0x00 or 0x01/,
      ],
      ['base below 2', () => decodeDescriptor(bytes('fdd80a0f00010005756e697473000000000006')), /descriptor base/],
      ['zero digits', () => decodeDescriptor(bytes('fdd80a0f00020005756e697473000000000000')), /descriptor nbDigits/],
      [
        'trailing byte inside the descriptor value',
        () => decodeDescriptor(bytes('fdd80a1000020005756e69747300000000000600')),
        /descriptor value: 1 trailing bytes/,
      ],
      [
        'invalid UTF-8 in the unit',
        () => decodeDescriptor(bytes('fdd80a0f00020005ff6e697473000000000006')),
        /descriptor unit is not valid UTF-8/,
      ],
      [
        'nonce that is not a curve point',
        () => decodeAnnouncement(bytes(ann.slice(0, nonceStart) + 'ff'.repeat(32) + ann.slice(nonceStart + 64))),
        /event nonce 0 is not an x-only point/,
      ],
      [
        'public key that is not a curve point',
        () => decodeAnnouncement(bytes(ann.slice(0, (3 + 3 + 64) * 2) + 'ff'.repeat(32) + ann.slice(eventStart))),
        /announcement public key/,
      ],
      [
        'attestation outcome missing',
        () => decodeAttestation(bytes(att.replace(/^fdd868fd01b4/, 'fdd868fd01b2').slice(0, -4))),
        /attestation outcome 5/,
      ],
    ];
    for (const [name, run, message] of cases) {
      it(name, () => {
        expect(run).to.throw(InputError, message);
      });
    }
  });

  describe('encoding refuses what it could not decode back', () => {
    const e: OracleEvent = {
      nonces: [point, point],
      eventMaturityEpoch: 1,
      descriptor: { base: 2, isSigned: false, unit: 'u', precision: 0, nbDigits: 2 },
      eventId: 'id',
    };
    const cases: Array<[string, OracleEvent, RegExp]> = [
      ['nonce count not matching the descriptor', { ...e, nonces: [point] }, /expected 2 nonces/],
      ['maturity beyond u32', { ...e, eventMaturityEpoch: 2 ** 32 }, /event maturity/],
      ['precision beyond i32', { ...e, descriptor: { ...e.descriptor, precision: 2 ** 31 } }, /precision/],
      ['non-NFC event id', { ...e, eventId: 'e\u0301' }, /event id must be NFC/],
      ['lone surrogate in the unit', { ...e, descriptor: { ...e.descriptor, unit: '\ud800' } }, /well-formed/],
      ['nonce not on the curve', { ...e, nonces: [point, new Uint8Array(32).fill(0xff)] }, /event nonce 1/],
    ];
    for (const [name, event, message] of cases) {
      it(name, () => {
        expect(() => encodeEvent(event)).to.throw(InputError, message);
      });
    }
    it('attestation with fewer outcomes than signatures', () => {
      const at = { eventId: 'id', oraclePublicKey: point, signatures: [new Uint8Array(64)], outcomes: [] };
      expect(() => encodeAttestation(at)).to.throw(InputError, /one per signature/);
    });
  });
});
