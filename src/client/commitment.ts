/**
 * What a settlement payment's record 65537 holds: a 32-byte commitment to exactly the set of
 * attestations the round that made it used (the index quotes of the agreeing set, and the funding
 * quotes when funding accrued), so either peer can audit a payment against the oracles' signed
 * quotes (docs/PROTOCOL.md, "Settlement record"). The digests are sorted, so the commitment names
 * a set: the order the oracles answered in does not change it.
 */
import { toHex } from '../attest/bytes.js';
import { taggedHash } from '../attest/hash.js';
import { attestationDigest } from '../attest/sign.js';
import type { SignedAttestation } from '../attest/types.js';
import { InputError } from '../core/errors.js';

/** Domain tag of the settlement commitment. */
export const SETTLEMENT_TAG = 'PeerStables/settlement/v1';
/** The custom TLV record that carries it: odd, so a node that does not know it still accepts the payment. */
export const SETTLEMENT_TLV_TYPE = '65537';
/** The count is one byte. */
const MAX_ATTESTATIONS = 255;

const compareBytes = (a: Uint8Array, b: Uint8Array): number => Buffer.compare(a, b);

/**
 * taggedHash(SETTLEMENT_TAG, u8 count || the 32-byte digests in ascending byte order). Throws
 * InputError for an empty set, more than 255 digests, a digest that is not 32 bytes, or one digest
 * twice (a set holds each attestation once).
 */
export function settlementCommitment(digests: readonly Uint8Array[]): Uint8Array {
  if (digests.length === 0 || digests.length > MAX_ATTESTATIONS)
    throw new InputError(`a settlement commits to 1..${MAX_ATTESTATIONS} attestations, got ${digests.length}`);
  const sorted = [...digests].sort(compareBytes);
  const message = new Uint8Array(1 + 32 * sorted.length);
  message[0] = sorted.length;
  sorted.forEach((digest, i) => {
    if (digest.length !== 32) throw new InputError(`attestation digest ${i} must be 32 bytes, got ${digest.length}`);
    if (i > 0 && compareBytes(digest, sorted[i - 1] as Uint8Array) === 0)
      throw new InputError(`attestation digest ${toHex(digest)} appears twice`);
    message.set(digest, 1 + 32 * i);
  });
  return taggedHash(SETTLEMENT_TAG, message);
}

/** The commitment to `attestations`, hex, as record 65537 carries it. */
export function commitmentHex(attestations: readonly SignedAttestation[]): string {
  return toHex(settlementCommitment(attestations.map((a) => attestationDigest(a))));
}

/**
 * The settlement note: a second odd record beside 65537 holding the same commitment as text,
 * `PeerStables/settlement/v1 <64 hex>`. Core Lightning keeps no TLVs of the keysends it receives,
 * but describes each keysend's invoice with its longest text record (`keysend: <text>`): the note
 * lets a receiver on Core Lightning read record 65537 back exactly, plugin or not
 * (docs/PROTOCOL.md, "Settlement note").
 */
export const SETTLEMENT_NOTE_TLV_TYPE = '65539';
const NOTE_PREFIX = `${SETTLEMENT_TAG} `;
const NOTE = /^PeerStables\/settlement\/v1 ([0-9a-f]{64})$/;

/** The note's record value (hex of its UTF-8 text) for a commitment (64 lowercase hex). */
export function settlementNoteHex(commitment: string): string {
  if (!/^[0-9a-f]{64}$/.test(commitment))
    throw new InputError(`a settlement commitment is 64 lowercase hex characters, got ${commitment.length}`);
  return Buffer.from(`${NOTE_PREFIX}${commitment}`, 'utf8').toString('hex');
}

/** The commitment a note carries, or null for any other text. */
export function commitmentOfNote(note: string): string | null {
  return NOTE.exec(note)?.[1] ?? null;
}
