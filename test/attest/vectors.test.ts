/**
 * Every vector in docs/vectors/attestations.json, from the committed file (never regenerated
 * here): a change to the encoding, the tag or the signing must show up as a failure.
 */
import { expect } from 'chai';
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
    expect(new Set(all.map((a) => a.kind))).to.deep.equal(new Set(['index_price', 'funding_rate', 'perp_premium']));
    expect(all.map((a) => a.value)).to.include.members(['9223372036854775807', '-9223372036854775808', '-10000']);
    expect(all.map((a) => a.sequence)).to.include('18446744073709551615');
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
