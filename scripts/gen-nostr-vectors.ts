/**
 * Regenerates docs/vectors/nostr.json: the binding of a Nostr key by an oracle key (fixed keys and
 * aux randomness, so the signature is reproducible) and the figure event the oracle builds for the
 * first attestation vector (its id is a pure function of the event; its signature is not fixed).
 * Run: npx tsx scripts/gen-nostr-vectors.ts. The tests read the committed file and never rewrite it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getEventHash } from 'nostr-tools/pure';
import { publicKeyOf } from '../src/attest/keys.js';
import type { AttestationJson } from '../src/attest/types.js';
import { figureEvent } from '../src/nostr/events.js';
import { KEY_BINDING_TAG, keyBindingDigest, signKeyBinding } from '../src/nostr/key-binding.js';
import { publish } from '../src/oracle/publish.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const file = (name: string): string => fileURLToPath(new URL(`../docs/vectors/${name}`, import.meta.url));

// Test keys only.
const ORACLE_SECRET = '0000000000000000000000000000000000000000000000000000000000000001';
const NOSTR_SECRET = '0202020202020202020202020202020202020202020202020202020202020202';
const AUX = '00'.repeat(32);

const nostrPublicKey = publicKeyOf(bytes(NOSTR_SECRET));
const attestation = (
  JSON.parse(readFileSync(file('attestations.json'), 'utf8')) as { attestation: AttestationJson }[]
)[0]!.attestation;
const template = figureEvent(publish(attestation));

const vectors = {
  keyBinding: {
    tag: KEY_BINDING_TAG,
    oracleSecretKey: ORACLE_SECRET,
    oraclePublicKey: hex(publicKeyOf(bytes(ORACLE_SECRET))),
    nostrPublicKey: hex(nostrPublicKey),
    digest: hex(keyBindingDigest(nostrPublicKey)),
    auxRand: AUX,
    signature: hex(signKeyBinding(bytes(ORACLE_SECRET), nostrPublicKey, bytes(AUX))),
  },
  figureEvent: {
    description: 'the index_price of docs/vectors/attestations.json[0] as the oracle publishes it',
    event: { ...template, pubkey: hex(nostrPublicKey) },
    id: getEventHash({ ...template, pubkey: hex(nostrPublicKey) }),
  },
};
writeFileSync(file('nostr.json'), `${JSON.stringify(vectors, null, 2)}\n`);
