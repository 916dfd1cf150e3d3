/**
 * DLC oracle signing: deterministic per-digit nonces committed in the announcement, BIP340
 * signatures made with a given nonce, and the two digest variants deployed oracles use.
 *
 * - 'tagged-v0' (dlcspecs, bitcoin-s/Suredbits, Atomic Finance): the announcement signs
 *   taggedHash("DLC/oracle/announcement/v0", oracle_event TLV including its type and length);
 *   each outcome signs taggedHash("DLC/oracle/attestation/v0", utf8(outcome)).
 * - 'plain-sha256' (rust-dlc, kormir, Lava): the announcement signs sha256 of the oracle_event
 *   *value* (the TLV without its type and length); each outcome signs sha256(utf8(outcome)).
 * Both were checked against real announcements and attestations (test/vectors/dlc/).
 *
 * Reusing a nonce for two different messages reveals the secret key, so `attest` only ever signs
 * with the nonce re-derived for exactly (event id, digit index), and checks it is the announced one.
 */
import * as secp from '@noble/secp256k1';
import { sha256 } from '@noble/hashes/sha2.js';
import { taggedHash } from '../attest/hash.js';
import { isValidSecretKey, isValidXOnlyKey, schnorr } from '../attest/schnorr.js';
import { InputError, KeyError, VerifyError } from '../core/errors.js';
import { runToEnd, type Steps } from '../core/steps.js';
import { compose, decompose } from './digits.js';
import { encodeAttestation, encodeEvent, encodeEventValue, nonceCount } from './tlv.js';
import type { DlcSigningVersion, OracleAnnouncement, OracleAttestation, OracleEvent } from './types.js';

/** Tag of the nonce derivation; changing it changes every nonce, so it is versioned. */
export const NONCE_TAG = 'PeerStables/dlc/nonce/v1';
const ANNOUNCEMENT_TAG = 'DLC/oracle/announcement/v0';
const ATTESTATION_TAG = 'DLC/oracle/attestation/v0';

const { n: N } = secp.Point.CURVE();
const G = secp.Point.BASE;
const { bytesToNumberBE, numberToBytesBE } = secp.etc;

function mod(a: bigint): bigint {
  const r = a % N;
  return r < 0n ? r + N : r;
}

/** x-only bytes of `p` and whether its y is even. */
function xOnly(p: secp.Point): { x: Uint8Array; evenY: boolean } {
  const { x, y } = p.toAffine();
  return { x: numberToBytesBE(x), evenY: (y & 1n) === 0n };
}

function checkVersion(version: DlcSigningVersion): void {
  if (version !== 'tagged-v0' && version !== 'plain-sha256') {
    throw new InputError(`unknown DLC signing version ${JSON.stringify(version)}`);
  }
}

function checkSecretKey(secretKey: Uint8Array): void {
  if (!isValidSecretKey(secretKey))
    throw new KeyError('oracle secret key must be 32 bytes encoding a scalar in [1, n-1]');
}

/**
 * The nonce for digit `index` of `eventId`: k = taggedHash(NONCE_TAG, nonceSecret || utf8(eventId)
 * || u16(index)) mod n, negated when k*G has odd y so that R is the BIP340 x-only point of k.
 * Deterministic, so a restarted oracle re-derives the nonces it announced. Takes a 32-byte secret
 * dedicated to nonces; returns { k, R } with R the 32-byte x-only nonce. Throws KeyError/InputError.
 */
export function deriveNonce(nonceSecret: Uint8Array, eventId: string, index: number): { k: bigint; R: Uint8Array } {
  if (!(nonceSecret instanceof Uint8Array) || nonceSecret.length !== 32) {
    throw new KeyError('nonce secret must be 32 bytes');
  }
  if (typeof eventId !== 'string' || eventId.length === 0) throw new InputError('event id must be a non-empty string');
  if (!Number.isInteger(index) || index < 0 || index > 0xffff) {
    throw new InputError(`nonce index must be an integer in 0..65535, got ${String(index)}`);
  }
  const id = new TextEncoder().encode(eventId);
  // The secret is fixed-width and the index is fixed-width at the end, so (eventId, index) is
  // recoverable from the preimage: two different pairs never share a preimage.
  const preimage = new Uint8Array(32 + id.length + 2);
  preimage.set(nonceSecret, 0);
  preimage.set(id, 32);
  new DataView(preimage.buffer).setUint16(32 + id.length, index);
  let k = mod(bytesToNumberBE(taggedHash(NONCE_TAG, preimage)));
  if (k === 0n) throw new KeyError('derived nonce is zero; use another nonce secret');
  const R = xOnly(G.multiply(k));
  if (!R.evenY) k = N - k;
  return { k, R: R.x };
}

/**
 * BIP340 signature of the 32-byte `digest32` by `secretKey` with nonce scalar `k` (negated if k*G
 * has odd y). Returns 64 bytes R.x || s. Every result is checked with noble's own schnorr.verify
 * before it leaves; throws VerifyError if that ever fails, KeyError/InputError on bad inputs.
 */
export function signWithNonce(digest32: Uint8Array, secretKey: Uint8Array, k: bigint): Uint8Array {
  if (!(digest32 instanceof Uint8Array) || digest32.length !== 32) throw new InputError('digest must be 32 bytes');
  checkSecretKey(secretKey);
  if (typeof k !== 'bigint' || k <= 0n || k >= N) throw new KeyError('nonce scalar must be in [1, n-1]');
  const d0 = bytesToNumberBE(secretKey);
  const P = xOnly(G.multiply(d0));
  const d = P.evenY ? d0 : N - d0;
  const R = xOnly(G.multiply(k));
  const kEven = R.evenY ? k : N - k;
  const challenge = new Uint8Array(96);
  challenge.set(R.x, 0);
  challenge.set(P.x, 32);
  challenge.set(digest32, 64);
  const e = mod(bytesToNumberBE(taggedHash('BIP0340/challenge', challenge)));
  const signature = new Uint8Array(64);
  signature.set(R.x, 0);
  signature.set(numberToBytesBE(mod(kEven + e * d)), 32);
  if (!schnorr.verify(signature, digest32, P.x)) throw new VerifyError('signature failed its own verification');
  return signature;
}

/**
 * The 32 bytes an announcement signs for `event` under `version` (see module doc). Throws
 * InputError for an invalid event or version.
 */
export function announcementDigest(event: OracleEvent, version: DlcSigningVersion): Uint8Array {
  checkVersion(version);
  return version === 'tagged-v0' ? taggedHash(ANNOUNCEMENT_TAG, encodeEvent(event)) : sha256(encodeEventValue(event));
}

/** The 32 bytes signed for one outcome string under `version`. Throws InputError on a bad version. */
export function attestationDigest(outcome: string, version: DlcSigningVersion): Uint8Array {
  checkVersion(version);
  if (typeof outcome !== 'string') throw new InputError('outcome must be a string');
  const bytes = new TextEncoder().encode(outcome);
  return version === 'tagged-v0' ? taggedHash(ATTESTATION_TAG, bytes) : sha256(bytes);
}

/**
 * Signs `event` (whose nonces the caller derived with deriveNonce) with the oracle key. Returns
 * the announcement; throws InputError for an invalid event, KeyError for a bad key.
 */
export function signAnnouncement(
  event: OracleEvent,
  secretKey: Uint8Array,
  version: DlcSigningVersion,
): OracleAnnouncement {
  checkSecretKey(secretKey);
  const digest = announcementDigest(event, version);
  const signature = schnorr.sign(digest, secretKey, new Uint8Array(32));
  return { signature, oraclePublicKey: schnorr.getPublicKey(secretKey), event };
}

/** True when `a` is a well-formed announcement whose signature verifies under `version`. */
export function verifyAnnouncement(a: OracleAnnouncement, version: DlcSigningVersion): boolean {
  try {
    if (!(a.signature instanceof Uint8Array) || a.signature.length !== 64) return false;
    if (!isValidXOnlyKey(a.oraclePublicKey)) return false;
    return schnorr.verify(a.signature, announcementDigest(a.event, version), a.oraclePublicKey);
  } catch {
    return false;
  }
}

/**
 * Attests `value` (already in the descriptor's unit scaled by 10^precision; clamped per
 * NumericOutcome.md by decompose) for `event`: one signature per outcome, each with the nonce
 * re-derived from (nonceSecret, eventId, index). Throws VerifyError when a re-derived nonce is not
 * the announced one (never sign with an unannounced nonce), KeyError/InputError on bad inputs.
 */
export function attest(
  event: OracleEvent,
  value: bigint,
  secretKey: Uint8Array,
  nonceSecret: Uint8Array,
  version: DlcSigningVersion,
): OracleAttestation {
  return runToEnd(attestSteps(event, value, secretKey, nonceSecret, version));
}

/** attest, yielding after each signature (see src/core/steps.ts); same result, same errors. */
export function* attestSteps(
  event: OracleEvent,
  value: bigint,
  secretKey: Uint8Array,
  nonceSecret: Uint8Array,
  version: DlcSigningVersion,
): Steps<OracleAttestation> {
  checkVersion(version);
  checkSecretKey(secretKey);
  encodeEvent(event); // validates the event, including its nonce count
  const outcomes = decompose(value, event.descriptor);
  const signatures: Uint8Array[] = [];
  for (const [i, outcome] of outcomes.entries()) {
    const { k, R } = deriveNonce(nonceSecret, event.eventId, i);
    if (!equalBytes(R, event.nonces[i])) {
      throw new VerifyError(`nonce ${i} of event ${JSON.stringify(event.eventId)} is not the announced nonce`);
    }
    signatures.push(signWithNonce(attestationDigest(outcome, version), secretKey, k));
    yield;
  }
  const attestation = {
    eventId: event.eventId,
    oraclePublicKey: schnorr.getPublicKey(secretKey),
    signatures,
    outcomes,
  };
  encodeAttestation(attestation); // fail here, not at the caller, if it could not be serialised
  return attestation;
}

/**
 * True when `attestation` answers `announcement`: same event id and key, one outcome per announced
 * nonce, each signature's R equal to its announced nonce and valid over the outcome's digest.
 * Does not check the announcement's own signature (see verifyAnnouncement).
 */
export function verifyAttestation(
  announcement: OracleAnnouncement,
  attestation: OracleAttestation,
  version: DlcSigningVersion,
): boolean {
  return runToEnd(verifyAttestationSteps(announcement, attestation, version));
}

/** verifyAttestation, yielding after each signature it checks; same answer. */
export function* verifyAttestationSteps(
  announcement: OracleAnnouncement,
  attestation: OracleAttestation,
  version: DlcSigningVersion,
): Steps<boolean> {
  try {
    const { event, oraclePublicKey } = announcement;
    const n = nonceCount(event.descriptor);
    if (event.nonces.length !== n || attestation.signatures.length !== n || attestation.outcomes.length !== n)
      return false;
    if (attestation.eventId !== event.eventId) return false;
    if (!equalBytes(attestation.oraclePublicKey, oraclePublicKey)) return false;
    compose(attestation.outcomes, event.descriptor); // throws (caught: false) on malformed outcomes
    for (const [i, sig] of attestation.signatures.entries()) {
      if (!(sig instanceof Uint8Array) || sig.length !== 64) return false;
      if (!equalBytes(sig.subarray(0, 32), event.nonces[i])) return false;
      if (!schnorr.verify(sig, attestationDigest(attestation.outcomes[i] as string, version), oraclePublicKey))
        return false;
      yield;
    }
    return true;
  } catch {
    return false;
  }
}

function equalBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
