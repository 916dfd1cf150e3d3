/**
 * The oracle key's binding of its Nostr key: reproduces the committed vector, verifies only for
 * that oracle key and that Nostr key, and its digest can never be mistaken for what the oracle key
 * signs elsewhere (an attestation, a DLC message, a Nostr event id).
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { ATTESTATION_TAG, taggedHash } from '../../src/attest/hash.js';
import { publicKeyOf } from '../../src/attest/keys.js';
import { isKeyBinding, keyBindingDigest, signKeyBinding } from '../../src/nostr/key-binding.js';

const v = (
  JSON.parse(readFileSync(new URL('../../docs/vectors/nostr.json', import.meta.url), 'utf8')) as {
    keyBinding: Record<string, string>;
  }
).keyBinding as Record<
  'tag' | 'oracleSecretKey' | 'oraclePublicKey' | 'nostrPublicKey' | 'digest' | 'auxRand' | 'signature',
  string
>;
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('nostr/key-binding', () => {
  it('reproduces the committed vector: digest, then signature with the fixed aux randomness', () => {
    expect(hex(publicKeyOf(bytes(v.oracleSecretKey)))).to.equal(v.oraclePublicKey);
    expect(hex(keyBindingDigest(bytes(v.nostrPublicKey)))).to.equal(v.digest);
    expect(hex(taggedHash(v.tag, bytes(v.nostrPublicKey)))).to.equal(v.digest);
    expect(hex(signKeyBinding(bytes(v.oracleSecretKey), bytes(v.nostrPublicKey), bytes(v.auxRand)))).to.equal(
      v.signature,
    );
  });

  const cases: [string, string, string, string, boolean][] = [
    ['the vector', v.oraclePublicKey, v.nostrPublicKey, v.signature, true],
    ['another oracle key', hex(publicKeyOf(bytes('00'.repeat(31) + '02'))), v.nostrPublicKey, v.signature, false],
    ['another Nostr key', v.oraclePublicKey, v.oraclePublicKey, v.signature, false],
    ['a flipped signature bit', v.oraclePublicKey, v.nostrPublicKey, `${v.signature.slice(0, -1)}f`, false],
    ['a short signature', v.oraclePublicKey, v.nostrPublicKey, v.signature.slice(0, 126), false],
    ['a Nostr key off the curve', v.oraclePublicKey, 'ff'.repeat(32), v.signature, false],
  ];
  for (const [name, oracle, nostr, signature, valid] of cases) {
    it(`${valid ? 'accepts' : 'refuses'} ${name}`, () => {
      expect(isKeyBinding(bytes(oracle), bytes(nostr), bytes(signature))).to.equal(valid);
    });
  }

  it('its digest opens with a tag prefix no Nostr event id preimage or DLC message can start with', () => {
    // Tagged digests hash SHA256(tag) twice in front; a Nostr event id hashes `[0,"` first.
    const prefix = sha256(new TextEncoder().encode(v.tag));
    expect(Buffer.from(prefix.subarray(0, 4)).toString('latin1')).to.not.equal('[0,"');
    expect(hex(prefix)).to.not.equal(hex(sha256(new TextEncoder().encode(ATTESTATION_TAG))));
  });
});
