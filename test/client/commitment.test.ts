/**
 * Record 65537: the settlement commitment of docs/PROTOCOL.md against the committed vectors
 * (docs/vectors/settlement.json, never regenerated here), computed both by our implementation and by
 * the standalone example printed in the doc, so the doc cannot drift from the code.
 */
import { expect } from 'chai';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { commitmentHex, settlementCommitment } from '../../src/client/commitment.js';
import { InputError } from '../../src/core/errors.js';
import { fromJson } from '../../src/attest/json.js';
import type { AttestationJson } from '../../src/attest/types.js';
import { repoFile } from '../attest/fixtures.js';

interface Vectors {
  tag: string;
  valid: { description: string; attestationDigests: string[]; message: string; commitment: string }[];
  invalid: { description: string; attestationDigests: string[]; error: string }[];
}
type CommitFn = (digestsHex: string[]) => string;

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));

async function loadExample(): Promise<CommitFn> {
  const match = /<!-- settlement-example -->\n```js\n([\s\S]*?)\n```/.exec(repoFile('docs/PROTOCOL.md'));
  expect(match, 'the settlement-example block in docs/PROTOCOL.md').to.not.equal(null);
  const require = createRequire(import.meta.url);
  const source = match![1]!.replace(
    `'@noble/hashes/sha2.js'`,
    JSON.stringify(pathToFileURL(require.resolve('@noble/hashes/sha2.js')).href),
  );
  const mod = (await import(`data:text/javascript,${encodeURIComponent(source)}`)) as {
    settlementCommitment: CommitFn;
  };
  return mod.settlementCommitment;
}

describe('client/commitment: record 65537', () => {
  const vectors = JSON.parse(repoFile('docs/vectors/settlement.json')) as Vectors;
  let example: CommitFn;
  before(async () => {
    example = await loadExample();
  });

  it('uses the tag the vectors name', () => expect(vectors.tag).to.equal('PeerStables/settlement/v1'));

  for (const v of vectors.valid) {
    it(`commits to ${v.description}`, () => {
      const ours = Buffer.from(settlementCommitment(v.attestationDigests.map(bytes))).toString('hex');
      expect(ours).to.equal(v.commitment);
      expect(example(v.attestationDigests)).to.equal(v.commitment);
    });
  }

  for (const v of vectors.invalid) {
    it(`refuses ${v.description}`, () => {
      expect(() => settlementCommitment(v.attestationDigests.map(bytes))).to.throw(InputError, v.error);
      expect(() => example(v.attestationDigests)).to.throw(Error);
    });
  }

  it('refuses more than 255 attestations (the count is one byte)', () => {
    const many = Array.from({ length: 256 }, (_, i) => bytes(i.toString(16).padStart(64, '0')));
    expect(() => settlementCommitment(many)).to.throw(InputError, '1..255 attestations, got 256');
  });

  it('commits to signed attestations by their digests', () => {
    const attestations = (JSON.parse(repoFile('docs/vectors/attestations.json')) as { attestation: AttestationJson }[])
      .slice(0, 1)
      .map((v) => fromJson(v.attestation));
    expect(commitmentHex(attestations)).to.equal(vectors.valid[0]!.commitment);
  });
});
