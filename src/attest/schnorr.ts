/**
 * The one place that wires @noble/secp256k1 to a synchronous SHA-256: its sync BIP340 API
 * refuses to run until `hashes.sha256` is set. Every attest module imports noble through here.
 */
import * as secp from '@noble/secp256k1';
import { sha256 } from '@noble/hashes/sha2.js';

secp.hashes.sha256 = sha256;

export const schnorr = secp.schnorr;

/** True when `secret` is 32 bytes encoding a scalar in [1, n-1]. */
export function isValidSecretKey(secret: Uint8Array): boolean {
  return secret instanceof Uint8Array && secp.utils.isValidSecretKey(secret);
}

/** True when `key` is 32 bytes that are the x coordinate of a point on the curve (BIP340 lift_x). */
export function isValidXOnlyKey(key: Uint8Array): boolean {
  if (!(key instanceof Uint8Array) || key.length !== 32) return false;
  const compressed = new Uint8Array(33);
  compressed[0] = 0x02;
  compressed.set(key, 1);
  return secp.utils.isValidPublicKey(compressed, true);
}
