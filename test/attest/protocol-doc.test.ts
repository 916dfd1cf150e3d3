/**
 * Runs the standalone verification example of docs/PROTOCOL.md, exactly as printed, so the doc
 * cannot drift from the protocol: it must accept every vector and refuse tampered ones.
 */
import { expect } from 'chai';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { AttestationJson } from '../../src/attest/types.js';
import { repoFile } from './fixtures.js';

interface Vector {
  attestation: AttestationJson;
}
type VerifyFn = (a: unknown, pinnedKeyHex: string) => unknown;

/** The example as printed, or (`edit`) changed first, e.g. into the verifier printed before a new kind. */
async function loadExample(edit: (code: string) => string = (c) => c): Promise<VerifyFn> {
  const doc = repoFile('docs/PROTOCOL.md');
  const match = /<!-- verify-example -->\n```js\n([\s\S]*?)\n```/.exec(doc);
  expect(match, 'the verify-example block in docs/PROTOCOL.md').to.not.equal(null);
  const code = edit(match![1]!);
  expect(code.split('\n').length, 'the example stays under 40 lines').to.be.lessThan(40);
  // A data: URL module cannot resolve bare specifiers; point them at this checkout's copies.
  const require = createRequire(import.meta.url);
  const url = (specifier: string): string => JSON.stringify(pathToFileURL(require.resolve(specifier)).href);
  const source = code
    .replace(`'@noble/secp256k1'`, url('@noble/secp256k1'))
    .replace(`'@noble/hashes/sha2.js'`, url('@noble/hashes/sha2.js'));
  const mod = (await import(`data:text/javascript,${encodeURIComponent(source)}`)) as { verifyAttestation: VerifyFn };
  return mod.verifyAttestation;
}

describe('attest/PROTOCOL.md verification example', () => {
  const vectors = JSON.parse(repoFile('docs/vectors/attestations.json')) as Vector[];
  let verify: VerifyFn;
  before(async () => {
    verify = await loadExample();
  });

  it('accepts every vector with its pinned key', () => {
    for (const { attestation } of vectors) {
      expect(verify(attestation, attestation.publicKey)).to.deep.equal(attestation);
    }
  });

  it('a verifier written before funding_index keeps verifying the old kinds, and refuses the new one as unknown', async () => {
    const before = ', funding_index: 4 }';
    const old = await loadExample((code) => {
      expect(code).to.include(before);
      return code.replace(before, ' }');
    });
    const [known, added] = [vectors.slice(0, 7), vectors.slice(7)];
    expect(added.map((v) => v.attestation.kind)).to.deep.equal(['funding_index', 'funding_index', 'funding_index']);
    for (const { attestation } of known) expect(old(attestation, attestation.publicKey)).to.deep.equal(attestation);
    for (const { attestation } of added)
      expect(() => old(attestation, attestation.publicKey)).to.throw(Error, /unknown version or kind/);
  });

  const first = (): AttestationJson => ({ ...vectors[0]!.attestation });
  const refusals: [string, (a: AttestationJson) => unknown, RegExp][] = [
    ['another pinned key', (a) => verify(a, '00'.repeat(32)), /not the pinned key/],
    ['a changed value', (a) => verify({ ...a, value: '6712345000001' }, a.publicKey), /bad signature/],
    [
      'an exponent that wraps to the same byte (248 for -8)',
      (a) => verify({ ...a, exponent: 248 }, a.publicKey),
      /number 248/,
    ],
    [
      'a value that wraps to the same bytes',
      (a) => verify({ ...a, value: (BigInt(a.value) + 2n ** 64n).toString() }, a.publicKey),
      /integer/,
    ],
    ['a value with a leading zero', (a) => verify({ ...a, value: `0${a.value}` }, a.publicKey), /integer/],
    ['an extra field', (a) => verify({ ...a, note: 'x' }, a.publicKey), /unexpected or missing fields/],
    ['version 2', (a) => verify({ ...a, version: 2 }, a.publicKey), /unknown version or kind/],
    [
      'uppercase hex',
      (a) => verify({ ...a, sourcesCommitment: a.sourcesCommitment.toUpperCase() }, a.publicKey),
      /hex/,
    ],
  ];
  for (const [name, attempt, message] of refusals) {
    it(`refuses ${name}`, () => {
      expect(() => attempt(first())).to.throw(Error, message);
    });
  }
});
