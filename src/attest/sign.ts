/**
 * Signing and verifying attestations: BIP340 Schnorr over the tagged hash (tag
 * "PeerStables/attestation/v1") of the canonical encoding. Verification rebuilds the bytes from
 * the fields, so what is checked is exactly what a client acts on.
 */
import { InputError, KeyError, VerifyError } from '../core/errors.js';
import { toHex } from './bytes.js';
import { encodeAttestation } from './encoding.js';
import { ATTESTATION_TAG, taggedHash } from './hash.js';
import { isValidSecretKey, isValidXOnlyKey, schnorr } from './schnorr.js';
import type { Attestation, SignedAttestation } from './types.js';

/** The 32-byte digest that is signed: taggedHash(ATTESTATION_TAG, encodeAttestation(a)). Throws InputError. */
export function attestationDigest(a: Attestation): Uint8Array {
  return taggedHash(ATTESTATION_TAG, encodeAttestation(a));
}

/**
 * Signs `fields` with `secretKey` (32 bytes), filling in the matching x-only public key.
 * `auxRand` (32 bytes) is BIP340's auxiliary randomness, fresh from Web Crypto by default (so
 * this module also runs in a browser); pass it only for reproducible test vectors. Throws
 * KeyError for an invalid secret key (never echoing it) and InputError for an out-of-range field or a bad auxRand.
 */
export function signAttestation(
  fields: Omit<Attestation, 'publicKey'>,
  secretKey: Uint8Array,
  auxRand: Uint8Array = crypto.getRandomValues(new Uint8Array(32)),
): SignedAttestation {
  if (!isValidSecretKey(secretKey)) {
    throw new KeyError('secret key must be 32 bytes encoding a valid secp256k1 scalar');
  }
  if (!(auxRand instanceof Uint8Array) || auxRand.length !== 32) {
    throw new InputError('auxRand must be 32 bytes');
  }
  // Copy field by field: a caller passing a wider object (an old SignedAttestation) must not
  // smuggle its signature or key into the result.
  const attestation: Attestation = {
    version: fields.version,
    kind: fields.kind,
    pair: fields.pair,
    value: fields.value,
    exponent: fields.exponent,
    observedAt: fields.observedAt,
    sequence: fields.sequence,
    sourceCount: fields.sourceCount,
    dispersionPpm: fields.dispersionPpm,
    sourcesCommitment:
      fields.sourcesCommitment instanceof Uint8Array ? fields.sourcesCommitment.slice() : fields.sourcesCommitment,
    publicKey: schnorr.getPublicKey(secretKey),
  };
  const signature = schnorr.sign(attestationDigest(attestation), secretKey, auxRand);
  return { ...attestation, signature };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Verifies `s`, and when `expectedPublicKey` (32 bytes) is given, that it is signed by that key.
 * Returns nothing; throws VerifyError whose message starts with the reason: "malformed
 * attestation", "malformed signature", "wrong key" or "bad signature". Throws InputError for an
 * `expectedPublicKey` that is not 32 bytes (a caller bug, not a bad attestation).
 */
export function verifyAttestation(s: SignedAttestation, expectedPublicKey?: Uint8Array): void {
  if (
    expectedPublicKey !== undefined &&
    (!(expectedPublicKey instanceof Uint8Array) || expectedPublicKey.length !== 32)
  ) {
    throw new InputError('expectedPublicKey must be 32 bytes');
  }
  let digest: Uint8Array;
  try {
    digest = attestationDigest(s);
  } catch (err) {
    throw new VerifyError(`malformed attestation: ${(err as Error).message}`, { cause: err });
  }
  if (!(s.signature instanceof Uint8Array) || s.signature.length !== 64) {
    throw new VerifyError('malformed signature: expected 64 bytes');
  }
  if (!isValidXOnlyKey(s.publicKey)) {
    throw new VerifyError('malformed attestation: publicKey is not the x coordinate of a secp256k1 point');
  }
  if (expectedPublicKey && !sameBytes(s.publicKey, expectedPublicKey)) {
    throw new VerifyError(`wrong key: signed by ${toHex(s.publicKey)}, expected ${toHex(expectedPublicKey)}`);
  }
  if (!schnorr.verify(s.signature, digest, s.publicKey)) {
    throw new VerifyError('bad signature: BIP340 verification failed for this public key and these fields');
  }
}
