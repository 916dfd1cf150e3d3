/**
 * BIP340-style tagged hashes: sha256(sha256(tag) || sha256(tag) || msg). The tag separates our
 * signatures from every other use of the same key, so a signature over an attestation can never
 * be replayed as a signature over anything else (a Bitcoin transaction, a Nostr event, ...).
 */
import { sha256 } from '@noble/hashes/sha2.js';

/** Domain tag of the attestation digest (what is signed). */
export const ATTESTATION_TAG = 'PeerStables/attestation/v1';
/** Domain tag of the sources commitment. */
export const SOURCES_TAG = 'PeerStables/sources/v1';

const prefixes = new Map<string, Uint8Array>();

/** The tagged hash of `message` under `tag` (UTF-8), 32 bytes. */
export function taggedHash(tag: string, message: Uint8Array): Uint8Array {
  let prefix = prefixes.get(tag);
  if (!prefix) {
    const tagHash = sha256(new TextEncoder().encode(tag));
    prefix = new Uint8Array(64);
    prefix.set(tagHash, 0);
    prefix.set(tagHash, 32);
    prefixes.set(tag, prefix);
  }
  return sha256.create().update(prefix).update(message).digest();
}
