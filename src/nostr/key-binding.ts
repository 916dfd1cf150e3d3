/**
 * The binding between the oracle key and the key that signs its Nostr events: the oracle key's
 * BIP340 signature over a tagged hash of the Nostr public key. The oracle serves it in /oracle and
 * in its Nostr profile (kind 0, signed by the Nostr key, naming the oracle key), so each key
 * vouches for the other and a client holding the oracle key can check which Nostr key is its
 * carrier. The tag keeps this signature apart from every other use of the oracle key
 * (attestations, DLC messages): docs/PROTOCOL.md, "Nostr".
 */
import { randomBytes } from 'node:crypto';
import { taggedHash } from '../attest/hash.js';
import { isValidXOnlyKey, schnorr } from '../attest/schnorr.js';

export const KEY_BINDING_TAG = 'PeerStables/nostr-key/v1';

/** The 32 bytes the oracle key signs for `nostrPublicKey` (32-byte x-only). */
export function keyBindingDigest(nostrPublicKey: Uint8Array): Uint8Array {
  return taggedHash(KEY_BINDING_TAG, nostrPublicKey);
}

/** The oracle key's signature binding `nostrPublicKey`; `auxRand` is fixed only by test vectors. */
export function signKeyBinding(
  oracleSecretKey: Uint8Array,
  nostrPublicKey: Uint8Array,
  auxRand: Uint8Array = new Uint8Array(randomBytes(32)),
): Uint8Array {
  return schnorr.sign(keyBindingDigest(nostrPublicKey), oracleSecretKey, auxRand);
}

/** True when `signature` is the oracle key's binding of `nostrPublicKey`. */
export function isKeyBinding(oraclePublicKey: Uint8Array, nostrPublicKey: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (!isValidXOnlyKey(oraclePublicKey) || !isValidXOnlyKey(nostrPublicKey) || signature.length !== 64) return false;
    return schnorr.verify(signature, keyBindingDigest(nostrPublicKey), oraclePublicKey);
  } catch {
    return false;
  }
}
