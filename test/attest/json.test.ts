import { expect } from 'chai';
import { InputError, VerifyError } from '../../src/core/errors.js';
import { fromJson, toJson, verifyJson } from '../../src/attest/json.js';
import { signAttestation } from '../../src/attest/sign.js';
import { FIELDS, TEST_AUX, TEST_SECRET } from './fixtures.js';

const signed = signAttestation(FIELDS, TEST_SECRET, TEST_AUX);
const good = toJson(signed);
const with_ = (patch: Record<string, unknown>): unknown => ({ ...good, ...patch });
const without = (key: string): unknown => Object.fromEntries(Object.entries(good).filter(([k]) => k !== key));

describe('attest/json', () => {
  it('round-trips a signed attestation through JSON text', () => {
    const parsed = fromJson(JSON.parse(JSON.stringify(good)));
    expect(parsed).to.deep.equal(signed);
    expect(toJson(parsed)).to.deep.equal(good);
  });

  it('serves 64-bit integers as strings and bytes as lowercase hex', () => {
    expect(good).to.include({ value: '6712345000000', observedAt: '1735689600000', sequence: '1735689600000' });
    expect(good.publicKey).to.match(/^[0-9a-f]{64}$/);
    expect(good.signature).to.match(/^[0-9a-f]{128}$/);
  });

  it('verifyJson accepts the served JSON, pinned or not, with a pinned key in either case', () => {
    expect(verifyJson(good)).to.deep.equal(signed);
    expect(verifyJson(good, good.publicKey)).to.deep.equal(signed);
    expect(verifyJson(good, good.publicKey.toUpperCase())).to.deep.equal(signed);
  });

  it('verifyJson refuses another key with VerifyError', () => {
    expect(() => verifyJson(good, '79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798')).to.throw(
      VerifyError,
      /^wrong key/,
    );
  });

  it('verifyJson refuses a malformed pinned key with InputError', () => {
    expect(() => verifyJson(good, 'abcd')).to.throw(InputError, /^publicKeyHex must be 64 lowercase hex/);
  });

  const u64Max = '18446744073709551615';
  // [what is wrong, the raw input, the error it must produce]
  const malformed: [string, unknown, RegExp][] = [
    ['null', null, /^attestation must be a JSON object$/],
    ['array', [good], /^attestation must be a JSON object$/],
    ['JSON text instead of object', JSON.stringify(good), /^attestation must be a JSON object$/],
    ['extra key', with_({ message: '00' }), /^unexpected field\(s\): message$/],
    [
      '__proto__ key',
      JSON.parse(JSON.stringify(good).replace('{', '{"__proto__":{},')),
      /^unexpected field\(s\): __proto__$/,
    ],
    ['missing signature', without('signature'), /^missing field\(s\): signature$/],
    ['missing value', without('value'), /^missing field\(s\): value$/],
    ['version 2', with_({ version: 2 }), /^version must be 1, got 2$/],
    ['version as string', with_({ version: '1' }), /^version must be an integer JSON number/],
    ['unknown kind', with_({ kind: 'spot_price' }), /^kind must be one of index_price, funding_rate, perp_premium/],
    ['kind as number', with_({ kind: 1 }), /^kind must be a string, got number$/],
    ['pair with a space', with_({ pair: 'BTC USD' }), /^pair must be 1\.\.32 printable ASCII/],
    ['pair too long', with_({ pair: 'B'.repeat(33) }), /^pair must be 1\.\.32 printable ASCII/],
    ['value as number', with_({ value: 6712345000000 }), /^value must be a string of decimal digits, got number$/],
    [
      'value with leading zero',
      with_({ value: '06712345000000' }),
      /^value must be a decimal integer string without leading zeros or '\+'/,
    ],
    ['value with plus sign', with_({ value: '+1' }), /^value must be a decimal integer string without leading zeros/],
    ['value minus zero', with_({ value: '-0' }), /^value must be a decimal integer string/],
    ['value with decimals', with_({ value: '67123.45' }), /^value must be a decimal integer string/],
    ['value in exponent notation', with_({ value: '1e5' }), /^value must be a decimal integer string/],
    ['value with whitespace', with_({ value: ' 1' }), /^value must be a decimal integer string/],
    ['value empty', with_({ value: '' }), /^value must be a decimal integer string/],
    ['value above i64', with_({ value: '9223372036854775808' }), /^value must fit in a signed 64-bit integer$/],
    ['value below i64', with_({ value: '-9223372036854775809' }), /^value must fit in a signed 64-bit integer$/],
    ['value of 10^30', with_({ value: '1' + '0'.repeat(30) }), /^value must be a decimal integer string/],
    ['exponent as string', with_({ exponent: '-8' }), /^exponent must be an integer JSON number/],
    ['exponent fractional', with_({ exponent: -8.5 }), /^exponent must be an integer JSON number/],
    ['exponent 128', with_({ exponent: 128 }), /^exponent must fit in a signed 8-bit integer/],
    ['observedAt negative', with_({ observedAt: '-1' }), /^observedAt must be an unsigned decimal integer string/],
    ['observedAt as number', with_({ observedAt: 1735689600000 }), /^observedAt must be a string of decimal digits/],
    [
      'sequence above u64',
      with_({ sequence: '18446744073709551616' }),
      /^sequence must fit in an unsigned 64-bit integer$/,
    ],
    [
      'sequence with leading zero',
      with_({ sequence: '0' + u64Max.slice(1) }),
      /^sequence must be an unsigned decimal integer string/,
    ],
    ['sourceCount above u16', with_({ sourceCount: 65536 }), /^sourceCount must fit in an unsigned 16-bit integer/],
    ['sourceCount as string', with_({ sourceCount: '3' }), /^sourceCount must be an integer JSON number/],
    ['dispersionPpm negative', with_({ dispersionPpm: -1 }), /^dispersionPpm must fit in an unsigned 32-bit integer/],
    [
      'dispersionPpm NaN-ish null',
      with_({ dispersionPpm: null }),
      /^dispersionPpm must be an integer JSON number, got null$/,
    ],
    [
      'uppercase hex commitment',
      with_({ sourcesCommitment: 'AB'.repeat(32) }),
      /^sourcesCommitment must be 64 lowercase hex characters \(32 bytes\)$/,
    ],
    ['short commitment', with_({ sourcesCommitment: 'ab'.repeat(31) }), /^sourcesCommitment must be 64 lowercase hex/],
    [
      '0x-prefixed public key',
      with_({ publicKey: '0x' + good.publicKey.slice(2) }),
      /^publicKey must be 64 lowercase hex/,
    ],
    ['33-byte public key', with_({ publicKey: '02' + good.publicKey }), /^publicKey must be 64 lowercase hex/],
    [
      'short signature',
      with_({ signature: good.signature.slice(2) }),
      /^signature must be 128 lowercase hex characters \(64 bytes\)$/,
    ],
    ['non-hex signature', with_({ signature: 'zz' + good.signature.slice(2) }), /^signature must be 128 lowercase hex/],
  ];
  for (const [name, raw, message] of malformed) {
    it(`fromJson refuses ${name}`, () => {
      expect(() => fromJson(raw)).to.throw(InputError, message);
      expect(() => verifyJson(raw)).to.throw(InputError, message);
    });
  }
});
