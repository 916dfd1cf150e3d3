/**
 * Every vector in docs/vectors/attestations.json, from the committed file (never regenerated
 * here): a change to the encoding, the tag or the signing must show up as a failure.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { encodeAttestation } from '../../src/attest/encoding.js';
import { ATTESTATION_TAG, taggedHash } from '../../src/attest/hash.js';
import { fromJson, toJson, verifyJson } from '../../src/attest/json.js';
import { signAttestation } from '../../src/attest/sign.js';
import type { AttestationJson } from '../../src/attest/types.js';
import { bytesToHex, hexToBytes, repoFile } from './fixtures.js';

interface Vector {
  description: string;
  secretKey: string;
  auxRand: string;
  attestation: AttestationJson;
  message: string;
  tag: string;
  digest: string;
  signature: string;
}

const vectors = JSON.parse(repoFile('docs/vectors/attestations.json')) as Vector[];

describe('attest/vectors (docs/vectors/attestations.json)', () => {
  it('holds at least 5 vectors covering each kind, a negative value and the i64/u64 extremes', () => {
    expect(vectors.length).to.be.greaterThanOrEqual(5);
    const all = vectors.map((v) => v.attestation);
    expect(new Set(all.map((a) => a.kind))).to.deep.equal(
      new Set(['index_price', 'funding_rate', 'perp_premium', 'funding_index']),
    );
    expect(all.map((a) => a.value)).to.include.members(['9223372036854775807', '-9223372036854775808', '-10000']);
    expect(all.map((a) => a.sequence)).to.include('18446744073709551615');
  });

  it('keeps the seven vectors published before funding_index byte for byte (the file as it was committed)', () => {
    // SHA-256 of docs/vectors/attestations.json as committed before issue 11 added funding_index:
    // new vectors are only ever appended, so every verifier written against the old file still passes.
    const before = `${JSON.stringify(vectors.slice(0, 7), null, 2)}\n`;
    expect(createHash('sha256').update(before).digest('hex')).to.equal(
      'ea400426e28de3e0d0bc7bf3face6b8e787631176c08f121ece5d5d6ad4ea0b8',
    );
    expect(repoFile('docs/vectors/attestations.json').startsWith(before.slice(0, -3))).to.equal(true);
  });

  for (const v of vectors) {
    describe(v.description, () => {
      it('fromJson then encode gives "message"', () => {
        expect(bytesToHex(encodeAttestation(fromJson(v.attestation)))).to.equal(v.message);
      });
      it('the tagged hash of "message" under "tag" gives "digest"', () => {
        expect(v.tag).to.equal(ATTESTATION_TAG);
        expect(bytesToHex(taggedHash(v.tag, hexToBytes(v.message)))).to.equal(v.digest);
      });
      it('signing with secretKey and auxRand gives "signature", and serialises to "attestation"', () => {
        const { publicKey: _pk, signature: _sig, ...fields } = fromJson(v.attestation);
        const signed = signAttestation(fields, hexToBytes(v.secretKey), hexToBytes(v.auxRand));
        expect(bytesToHex(signed.signature)).to.equal(v.signature);
        expect(toJson(signed)).to.deep.equal(v.attestation);
      });
      it('the JSON verifies against its public key', () => {
        expect(() => verifyJson(v.attestation, v.attestation.publicKey)).not.to.throw();
      });
    });
  }
});
