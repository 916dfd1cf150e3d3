import { expect } from 'chai';
import { InputError, KeyError, VerifyError } from '../../src/core/errors.js';
import { ATTESTATION_TAG, taggedHash } from '../../src/attest/hash.js';
import { encodeAttestation } from '../../src/attest/encoding.js';
import { attestationDigest, signAttestation, verifyAttestation } from '../../src/attest/sign.js';
import { publicKeyOf } from '../../src/attest/keys.js';
import type { SignedAttestation } from '../../src/attest/types.js';
import { FIELDS, TEST_AUX, TEST_SECRET, bytesToHex, hexToBytes } from './fixtures.js';
import { createHash } from 'node:crypto';

const signed = signAttestation(FIELDS, TEST_SECRET, TEST_AUX);
const flipFirstBit = (b: Uint8Array): Uint8Array => Uint8Array.from(b, (x, i) => (i === 0 ? x ^ 1 : x));

describe('attest/sign', () => {
  it('tagged hash is sha256(sha256(tag) || sha256(tag) || msg), checked with node:crypto', () => {
    const msg = encodeAttestation(signed);
    const tagHash = createHash('sha256').update(ATTESTATION_TAG).digest();
    const expected = createHash('sha256').update(tagHash).update(tagHash).update(msg).digest();
    expect(bytesToHex(attestationDigest(signed))).to.equal(expected.toString('hex'));
    expect(bytesToHex(taggedHash(ATTESTATION_TAG, msg))).to.equal(expected.toString('hex'));
  });

  it('fills in the x-only public key of the secret and verifies', () => {
    expect(bytesToHex(signed.publicKey)).to.equal(bytesToHex(publicKeyOf(TEST_SECRET)));
    expect(signed.signature).to.have.length(64);
    expect(() => verifyAttestation(signed)).not.to.throw();
    expect(() => verifyAttestation(signed, publicKeyOf(TEST_SECRET))).not.to.throw();
  });

  it('is deterministic given auxRand, and random without it', () => {
    expect(signAttestation(FIELDS, TEST_SECRET, TEST_AUX).signature).to.deep.equal(signed.signature);
    const a = signAttestation(FIELDS, TEST_SECRET);
    const b = signAttestation(FIELDS, TEST_SECRET);
    expect(bytesToHex(a.signature)).not.to.equal(bytesToHex(b.signature));
    verifyAttestation(a);
    verifyAttestation(b);
  });

  it('ignores a signature or key smuggled in the fields', () => {
    const other = hexToBytes('00'.repeat(31) + '07');
    const resigned = signAttestation(signed as unknown as typeof FIELDS, other, TEST_AUX);
    expect(bytesToHex(resigned.publicKey)).to.equal(bytesToHex(publicKeyOf(other)));
    verifyAttestation(resigned, publicKeyOf(other));
  });

  // Changing any one field must break the signature: every field is bound by it.
  const tampers: [string, Partial<Record<keyof SignedAttestation, unknown>>][] = [
    ['kind', { kind: 'funding_rate' }],
    ['pair', { pair: 'BTC/USDT' }],
    ['value +1', { value: FIELDS.value + 1n }],
    ['value negated', { value: -FIELDS.value }],
    ['exponent', { exponent: -7 }],
    ['observedAt', { observedAt: FIELDS.observedAt + 1n }],
    ['sequence', { sequence: FIELDS.sequence + 1n }],
    ['sourceCount', { sourceCount: 4 }],
    ['dispersionPpm', { dispersionPpm: 38 }],
    ['sourcesCommitment', { sourcesCommitment: flipFirstBit(FIELDS.sourcesCommitment) }],
    ['signature', { signature: flipFirstBit(signed.signature) }],
  ];
  for (const [name, patch] of tampers) {
    it(`fails with "bad signature" when ${name} changes`, () => {
      const tampered = { ...signed, ...patch } as SignedAttestation;
      expect(() => verifyAttestation(tampered)).to.throw(VerifyError, /^bad signature/);
    });
  }

  it('fails when the public key is replaced by another valid key', () => {
    const tampered = { ...signed, publicKey: publicKeyOf(hexToBytes('00'.repeat(31) + '05')) };
    expect(() => verifyAttestation(tampered)).to.throw(VerifyError, /^bad signature/);
  });

  it('reports "wrong key" before checking the signature when a pinned key differs', () => {
    const pinned = publicKeyOf(hexToBytes('00'.repeat(31) + '05'));
    expect(() => verifyAttestation(signed, pinned)).to.throw(
      VerifyError,
      /^wrong key: signed by [0-9a-f]{64}, expected [0-9a-f]{64}$/,
    );
  });

  const malformed: [string, Partial<Record<keyof SignedAttestation, unknown>>, RegExp][] = [
    ['version 2', { version: 2 }, /^malformed attestation: version must be 1/],
    ['value out of range', { value: 2n ** 63n }, /^malformed attestation: value must fit in a signed 64-bit integer$/],
    ['33-byte key', { publicKey: new Uint8Array(33) }, /^malformed attestation: publicKey must be 32 bytes/],
    // x = 5 has no point on secp256k1 (BIP340 vector 5's key is another such x)
    [
      'off-curve key',
      { publicKey: hexToBytes('00'.repeat(31) + '05') },
      /^malformed attestation: publicKey is not the x coordinate of a secp256k1 point$/,
    ],
    [
      'key at the field size',
      { publicKey: hexToBytes('fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f') },
      /^malformed attestation: publicKey is not the x coordinate/,
    ],
    ['63-byte signature', { signature: new Uint8Array(63) }, /^malformed signature: expected 64 bytes$/],
    ['hex signature', { signature: bytesToHex(signed.signature) }, /^malformed signature/],
  ];
  for (const [name, patch, message] of malformed) {
    it(`reports malformed input: ${name}`, () => {
      expect(() => verifyAttestation({ ...signed, ...patch } as SignedAttestation)).to.throw(VerifyError, message);
    });
  }

  it('refuses a pinned key that is not 32 bytes as a caller error', () => {
    expect(() => verifyAttestation(signed, new Uint8Array(33))).to.throw(
      InputError,
      /^expectedPublicKey must be 32 bytes$/,
    );
  });

  const badSecrets: [string, Uint8Array][] = [
    ['zero', new Uint8Array(32)],
    ['the curve order', hexToBytes('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141')],
    ['31 bytes', new Uint8Array(31).fill(1)],
  ];
  for (const [name, secret] of badSecrets) {
    it(`refuses a secret key that is ${name}, without echoing it`, () => {
      expect(() => signAttestation(FIELDS, secret, TEST_AUX)).to.throw(
        KeyError,
        /^secret key must be 32 bytes encoding a valid secp256k1 scalar$/,
      );
    });
  }

  it('refuses an auxRand that is not 32 bytes', () => {
    expect(() => signAttestation(FIELDS, TEST_SECRET, new Uint8Array(16))).to.throw(
      InputError,
      /^auxRand must be 32 bytes$/,
    );
  });

  it('refuses to sign out-of-range fields', () => {
    expect(() => signAttestation({ ...FIELDS, sequence: -1n }, TEST_SECRET, TEST_AUX)).to.throw(
      InputError,
      /^sequence must fit/,
    );
  });
});
