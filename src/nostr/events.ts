/**
 * What the oracle puts on Nostr, as unsigned NIP-01 event templates: pure functions of what was
 * signed, no clock and no key, so the same message always gives the same event id (a resend after
 * a reconnect is a duplicate the relay ignores, and a kind 89 can name its kind 88 by id).
 *
 * - A signed figure: kind 30078 (NIP-78 application data, addressable), `d` tag
 *   `peer-stables:<kind>:<pair>`, content the attestation JSON exactly as `/price` serves it. A
 *   relay keeps the newest per (author, d), so old quotes do not pile up on public relays.
 * - A DLC announcement: kind 88, content the base64 of the oracle_announcement TLV (type and
 *   length included), as kormir and ddk publish it (draft NIP-88).
 * - A DLC attestation: kind 89, content the base64 of the oracle_attestation TLV in the rust-dlc
 *   layout, tag `["e", <id of the kind 88 event>]`.
 * - The profile: kind 0, binding the Nostr key to the oracle key (./key-binding.ts).
 * Layouts and tags: docs/PROTOCOL.md, "Nostr".
 */
import { toHex } from '../attest/bytes.js';
import type { AttestationJson } from '../attest/types.js';
import { encodeAttestationRustDlc } from '../dlc/tlv.js';
import type { OracleAttestation } from '../dlc/types.js';

export const FIGURE_KIND = 30078;
export const ANNOUNCEMENT_KIND = 88;
export const ATTESTATION_KIND = 89;
export const PROFILE_KIND = 0;

/** A NIP-01 event before its pubkey, id and signature. */
export interface EventTemplate {
  readonly kind: number;
  readonly created_at: number;
  readonly tags: string[][];
  readonly content: string;
}

const seconds = (ms: number): number => Math.floor(ms / 1000);
const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** The `d` tag of a figure: one addressable event per kind and pair. */
export function figureTag(kind: string, pair: string): string {
  return `peer-stables:${kind}:${pair}`;
}

/** A signed figure as published: `body` is the JSON exactly as /price serves it. */
export function figureEvent(figure: { readonly json: AttestationJson; readonly body: Buffer }): EventTemplate {
  const { kind, pair, observedAt } = figure.json;
  return {
    kind: FIGURE_KIND,
    created_at: seconds(Number(observedAt)),
    tags: [
      ['d', figureTag(kind, pair)],
      ['alt', `Peer Stables signed ${kind} ${pair}: verify with the oracle key (docs/PROTOCOL.md)`],
    ],
    content: figure.body.toString('utf8'),
  };
}

/** A DLC announcement, dated when it was announced. */
export function announcementEvent(announcement: Uint8Array, announcedAtMs: number): EventTemplate {
  return { kind: ANNOUNCEMENT_KIND, created_at: seconds(announcedAtMs), tags: [], content: base64(announcement) };
}

/** A DLC attestation, in the rust-dlc layout, naming the Nostr event of its announcement. */
export function attestationEvent(
  attestation: OracleAttestation,
  attestedAtMs: number,
  announcementEventId: string,
): EventTemplate {
  return {
    kind: ATTESTATION_KIND,
    created_at: seconds(attestedAtMs),
    tags: [['e', announcementEventId]],
    content: base64(encodeAttestationRustDlc(attestation)),
  };
}

/** The profile (NIP-01 metadata) naming the oracle key and the oracle key's signature over this Nostr key. */
export function profileEvent(
  binding: { readonly oraclePublicKey: Uint8Array; readonly keyBinding: Uint8Array },
  createdAtMs: number,
): EventTemplate {
  const oracleKey = toHex(binding.oraclePublicKey);
  const content = {
    name: 'Peer Stables oracle',
    about: `Signed BTC/USD index, funding and DLC attestations of the oracle key ${oracleKey}.`,
    peer_stables: { oraclePublicKey: oracleKey, keyBinding: toHex(binding.keyBinding) },
  };
  return { kind: PROFILE_KIND, created_at: seconds(createdAtMs), tags: [], content: JSON.stringify(content) };
}
