import { expect } from 'chai';
import { ByteReader, ByteWriter, toHex } from '../../src/attest/bytes.js';
import { readBigSize, writeBigSize } from '../../src/dlc/bigsize.js';
import { InputError } from '../../src/core/errors.js';

// BOLT #1 appendix A: BigSize decoding and encoding test vectors.
const valid: Array<[bigint, string]> = [
  [0n, '00'],
  [252n, 'fc'],
  [253n, 'fd00fd'],
  [65535n, 'fdffff'],
  [65536n, 'fe00010000'],
  [4294967295n, 'feffffffff'],
  [4294967296n, 'ff0000000100000000'],
  [18446744073709551615n, 'ffffffffffffffffff'],
];
const invalid: Array<[string, string, RegExp]> = [
  ['two byte not canonical', 'fd00fc', /non-minimal/],
  ['four byte not canonical', 'fe0000ffff', /non-minimal/],
  ['eight byte not canonical', 'ff00000000ffffffff', /non-minimal/],
  ['two byte short read', 'fd00', /truncated/],
  ['four byte short read', 'feffff', /truncated/],
  ['eight byte short read', 'ffffffffff', /truncated/],
  ['no bytes', '', /truncated/],
];

describe('dlc/bigsize', () => {
  for (const [value, hex] of valid) {
    it(`${value} <-> ${hex}`, () => {
      const w = new ByteWriter();
      writeBigSize(w, 'n', value);
      expect(toHex(w.finish())).to.equal(hex);
      const r = new ByteReader(new Uint8Array(Buffer.from(hex, 'hex')));
      expect(readBigSize(r, 'n')).to.equal(value);
      r.end();
    });
  }
  for (const [name, hex, message] of invalid) {
    it(`refuses ${name}`, () => {
      const r = new ByteReader(new Uint8Array(Buffer.from(hex, 'hex')));
      expect(() => readBigSize(r, 'n')).to.throw(InputError, message);
    });
  }
  it('refuses negative and oversized values', () => {
    expect(() => writeBigSize(new ByteWriter(), 'n', -1)).to.throw(InputError);
    expect(() => writeBigSize(new ByteWriter(), 'n', 2n ** 64n)).to.throw(InputError);
  });
});
