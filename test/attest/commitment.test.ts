import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { InputError } from '../../src/core/errors.js';
import { commitSources } from '../../src/attest/commitment.js';
import type { Observation } from '../../src/index/readings.js';
import { bytesToHex, repoFile } from './fixtures.js';

interface SourcesVector {
  description: string;
  exponent: number;
  observations: { source: string; price: string; exchangeTs: number | null; receivedAt: number }[];
  commitment: string;
}

const vectors = JSON.parse(repoFile('docs/vectors/sources.json')) as SourcesVector[];
const toObservations = (v: SourcesVector): Observation[] =>
  v.observations.map((o) => ({ ...o, price: BigInt(o.price) }));
const obs = (source: string, price = 100n, exchangeTs: number | null = 1, receivedAt = 2): Observation => ({
  source,
  price,
  exchangeTs,
  receivedAt,
});

describe('attest/commitment', () => {
  for (const v of vectors) {
    it(`matches docs/vectors/sources.json: ${v.description}`, () => {
      expect(bytesToHex(commitSources(toObservations(v), v.exponent))).to.equal(v.commitment);
    });
  }

  it('hashes exactly the documented bytes (recomputed by hand with node:crypto)', () => {
    const id = Buffer.from('k:BTC/USD');
    const msg = Buffer.concat([
      Buffer.from([0xf8]), // exponent -8
      Buffer.from([0x00, 0x01]), // count
      Buffer.from([id.length]),
      id,
      Buffer.from('0000000000000005', 'hex'), // price 5
      Buffer.alloc(8), // exchangeTs null -> 0
      Buffer.from('0000000000000009', 'hex'), // receivedAt 9
    ]);
    const tag = createHash('sha256').update('PeerStables/sources/v1').digest();
    const expected = createHash('sha256').update(tag).update(tag).update(msg).digest('hex');
    expect(bytesToHex(commitSources([obs('k:BTC/USD', 5n, null, 9)], -8))).to.equal(expected);
  });

  it('does not depend on input order', () => {
    const list = [obs('b'), obs('a'), obs('c')];
    expect(commitSources(list, -8)).to.deep.equal(commitSources([...list].reverse(), -8));
  });

  const changes: [string, Observation[], number][] = [
    ['a price', [obs('a', 101n), obs('b')], -8],
    ['an exchange time', [obs('a', 100n, 5), obs('b')], -8],
    ['null exchange time', [obs('a', 100n, null), obs('b')], -8],
    ['a receive time', [obs('a', 100n, 1, 3), obs('b')], -8],
    ['a source id', [obs('a2'), obs('b')], -8],
    ['the set of sources', [obs('a')], -8],
    ['the exponent', [obs('a'), obs('b')], -6],
  ];
  const reference = bytesToHex(commitSources([obs('a'), obs('b')], -8));
  for (const [name, list, exponent] of changes) {
    it(`changes when ${name} changes`, () => {
      expect(bytesToHex(commitSources(list, exponent))).not.to.equal(reference);
    });
  }

  const refusals: [string, Observation[], number, RegExp][] = [
    ['duplicate source ids', [obs('a'), obs('a', 5n)], -8, /^duplicate source id "a"$/],
    ['an empty source id', [obs('')], -8, /^observations\[0\]\.source must be a non-empty string$/],
    ['a source id over 255 bytes', [obs('x'.repeat(256))], -8, /source id must be at most 255 bytes$/],
    ['a price above i64', [obs('a', 2n ** 63n)], -8, /^observation "a" price must fit in a signed 64-bit integer$/],
    [
      'a negative receive time',
      [obs('a', 1n, 1, -1)],
      -8,
      /^observation "a" receivedAt must be a non-negative integer/,
    ],
    [
      'a fractional exchange time',
      [obs('a', 1n, 1.5)],
      -8,
      /^observation "a" exchangeTs must be a non-negative integer/,
    ],
    ['an exponent out of i8', [obs('a')], 200, /^exponent must fit in a signed 8-bit integer/],
  ];
  for (const [name, list, exponent, message] of refusals) {
    it(`refuses ${name}`, () => {
      expect(() => commitSources(list, exponent)).to.throw(InputError, message);
    });
  }
});
