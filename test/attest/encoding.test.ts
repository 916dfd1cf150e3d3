import { expect } from 'chai';
import { InputError } from '../../src/core/errors.js';
import { decodeAttestation, encodeAttestation } from '../../src/attest/encoding.js';
import type { Attestation } from '../../src/attest/types.js';
import { FIELDS, bytesToHex, hexToBytes } from './fixtures.js';

const BASE: Attestation = { ...FIELDS, publicKey: hexToBytes('cd'.repeat(32)) };
const with_ = (patch: Record<string, unknown>): Attestation => ({ ...BASE, ...patch }) as Attestation;

describe('attest/encoding', () => {
  it('lays out every field byte by byte as docs/PROTOCOL.md says', () => {
    const expected = [
      '01', // version
      '01', // kind index_price
      '07',
      Buffer.from('BTC/USD', 'ascii').toString('hex'),
      '0000061ad6f07840', // value 6712345000000, i64 BE
      'f8', // exponent -8, i8
      '000001941f297c00', // observedAt 1735689600000, u64 BE
      '000001941f297c00', // sequence
      '0003', // sourceCount u16
      '00000025', // dispersionPpm 37, u32
      'ab'.repeat(32), // sourcesCommitment
      'cd'.repeat(32), // publicKey
    ].join('');
    const bytes = encodeAttestation(BASE);
    expect(bytesToHex(bytes)).to.equal(expected);
    expect(bytes.length).to.equal(98 + 'BTC/USD'.length);
  });

  const roundTrips: [string, Record<string, unknown>][] = [
    ['typical', {}],
    ['funding_rate kind', { kind: 'funding_rate' }],
    ['i64 max value', { value: 2n ** 63n - 1n }],
    ['i64 min value', { value: -(2n ** 63n) }],
    ['negative value', { value: -10000n }],
    ['zero value', { value: 0n }],
    ['exponent -128', { exponent: -128 }],
    ['exponent 127', { exponent: 127 }],
    ['u64 max sequence and time', { sequence: 2n ** 64n - 1n, observedAt: 2n ** 64n - 1n }],
    ['zero sequence and time', { sequence: 0n, observedAt: 0n }],
    ['u16/u32 max counts', { sourceCount: 65535, dispersionPpm: 4294967295 }],
    ['1-byte pair', { pair: 'X' }],
    ['32-byte pair of edge characters', { pair: '!~'.repeat(16) }],
  ];
  for (const [name, patch] of roundTrips) {
    it(`round-trips: ${name}`, () => {
      const a = with_(patch);
      const decoded = decodeAttestation(encodeAttestation(a));
      expect(decoded).to.deep.equal(a);
    });
  }

  it("encodes negative values as two's complement", () => {
    const bytes = encodeAttestation(with_({ value: -1n }));
    expect(bytesToHex(bytes.slice(10, 18))).to.equal('ffffffffffffffff');
  });

  const refusals: [string, Record<string, unknown>, RegExp][] = [
    ['value above i64', { value: 2n ** 63n }, /^value must fit in a signed 64-bit integer$/],
    ['value below i64', { value: -(2n ** 63n) - 1n }, /^value must fit in a signed 64-bit integer$/],
    ['value as a number', { value: 5 }, /^value must be a bigint, got number$/],
    ['exponent 128', { exponent: 128 }, /^exponent must fit in a signed 8-bit integer/],
    ['exponent -129', { exponent: -129 }, /^exponent must fit in a signed 8-bit integer/],
    ['exponent fractional', { exponent: 1.5 }, /^exponent must fit in a signed 8-bit integer/],
    ['observedAt negative', { observedAt: -1n }, /^observedAt must fit in an unsigned 64-bit integer$/],
    ['sequence above u64', { sequence: 2n ** 64n }, /^sequence must fit in an unsigned 64-bit integer$/],
    ['sourceCount 65536', { sourceCount: 65536 }, /^sourceCount must fit in an unsigned 16-bit integer/],
    ['sourceCount negative', { sourceCount: -1 }, /^sourceCount must fit in an unsigned 16-bit integer/],
    ['dispersionPpm 2^32', { dispersionPpm: 2 ** 32 }, /^dispersionPpm must fit in an unsigned 32-bit integer/],
    ['version 2', { version: 2 }, /^version must be 1, got 2$/],
    [
      'unknown kind',
      { kind: 'spot' },
      /^kind must be one of index_price, funding_rate, perp_premium, funding_index, got "spot"$/,
    ],
    ['prototype kind', { kind: 'toString' }, /^kind must be one of/],
    ['empty pair', { pair: '' }, /^pair must be 1\.\.32 printable ASCII/],
    ['33-byte pair', { pair: 'A'.repeat(33) }, /^pair must be 1\.\.32 printable ASCII/],
    ['pair with a space', { pair: 'BTC USD' }, /^pair must be 1\.\.32 printable ASCII/],
    ['pair with non-ASCII', { pair: 'BTC/€' }, /^pair must be 1\.\.32 printable ASCII/],
    ['pair with a control character', { pair: 'BTC\n' }, /^pair must be 1\.\.32 printable ASCII/],
    [
      'short commitment',
      { sourcesCommitment: new Uint8Array(31) },
      /^sourcesCommitment must be 32 bytes, got 31 bytes$/,
    ],
    [
      'commitment as hex string',
      { sourcesCommitment: 'ab'.repeat(32) },
      /^sourcesCommitment must be 32 bytes, got string$/,
    ],
    ['long public key', { publicKey: new Uint8Array(33) }, /^publicKey must be 32 bytes, got 33 bytes$/],
  ];
  for (const [name, patch, message] of refusals) {
    it(`refuses ${name}`, () => {
      expect(() => encodeAttestation(with_(patch))).to.throw(InputError, message);
    });
  }

  const badBytes: [string, (b: Uint8Array) => Uint8Array, RegExp][] = [
    ['truncated', (b) => b.slice(0, -1), /^truncated encoding: publicKey/],
    ['trailing byte', (b) => Uint8Array.from([...b, 0]), /^1 trailing bytes/],
    ['unknown version', (b) => Uint8Array.from([2, ...b.slice(1)]), /^version must be 1/],
    ['unknown kind code', (b) => Uint8Array.from([1, 9, ...b.slice(2)]), /^unknown kind code 9$/],
    ['empty', () => new Uint8Array(0), /^truncated encoding: version/],
  ];
  for (const [name, mutate, message] of badBytes) {
    it(`decode refuses ${name}`, () => {
      expect(() => decodeAttestation(mutate(encodeAttestation(BASE)))).to.throw(InputError, message);
    });
  }
});
