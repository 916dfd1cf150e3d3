/**
 * The `nostr:` form of an oracle source (settlement client's oracle list, `peer-stables verify`):
 * `nostr:<relay URL>#<author>`, e.g. `nostr:wss://relay.example.com#<64 hex>`, where the author is
 * the oracle's Nostr public key (its /oracle answer states it) as hex or npub. The key goes after
 * `#` so it is never sent to the relay and never mixes with a query string of the relay URL.
 * Kept apart from the reading (./source.ts) so validating a configuration loads no relay code.
 * docs/PROTOCOL.md, "Reading quotes from a relay".
 */
import { decode } from 'nostr-tools/nip19';

export interface NostrSource {
  readonly relay: string;
  /** The author's x-only public key, hex. */
  readonly author: string;
}

/** Whether `url` names a Nostr source (the `nostr:` scheme). */
export function isNostrSource(url: string): boolean {
  return url.startsWith('nostr:');
}

/** Parses `nostr:<ws(s) URL>#<hex or npub>`; throws Error naming the part that is wrong. */
export function parseNostrSource(url: string): NostrSource {
  const match = /^nostr:(wss?:\/\/[^#\s]+)#([^#\s]+)$/.exec(url);
  if (match === null)
    throw new Error(`${url}: expected nostr:wss://<relay>#<the oracle's Nostr public key, hex or npub>`);
  const [, relay, key] = match as unknown as [string, string, string];
  if (/^[0-9a-f]{64}$/.test(key)) return { relay, author: key };
  try {
    const decoded = decode(key);
    if (decoded.type === 'npub') return { relay, author: decoded.data };
  } catch {
    // fall through to the error below
  }
  throw new Error(`${url}: the part after # must be a Nostr public key as 64 lowercase hex or npub`);
}
