/**
 * The Nostr identity of an oracle: the key that signs its Nostr events (nostr.keyFile, its own by
 * default) and the oracle key's signature binding it (./key-binding.ts). /oracle states both, and
 * the kind 0 profile carries the binding, so a client can tell which Nostr key carries which oracle.
 */
import { loadSecretKey, publicKeyOf } from '../attest/keys.js';
import { toHex } from '../attest/bytes.js';
import { ANNOUNCEMENT_KIND, ATTESTATION_KIND, FIGURE_KIND } from './events.js';
import { signKeyBinding } from './key-binding.js';

export interface NostrIdentity {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly oraclePublicKey: Uint8Array;
  /** The oracle key's BIP340 signature over taggedHash("PeerStables/nostr-key/v1", publicKey). */
  readonly keyBinding: Uint8Array;
}

/** Loads the Nostr key (KeyError when missing or unsafe, as for the oracle key) and binds it. */
export function loadNostrIdentity(keyFile: string, oracleSecretKey: Uint8Array): NostrIdentity {
  const secretKey = loadSecretKey(keyFile);
  const publicKey = publicKeyOf(secretKey);
  return {
    secretKey,
    publicKey,
    oraclePublicKey: publicKeyOf(oracleSecretKey),
    keyBinding: signKeyBinding(oracleSecretKey, publicKey),
  };
}

/** What /oracle says about the oracle's Nostr identity. */
export function nostrInfo(identity: NostrIdentity, relays: readonly string[]): Record<string, unknown> {
  return {
    publicKey: toHex(identity.publicKey),
    keyBinding: toHex(identity.keyBinding),
    relays: [...relays],
    kinds: { figures: FIGURE_KIND, dlcAnnouncement: ANNOUNCEMENT_KIND, dlcAttestation: ATTESTATION_KIND },
  };
}
