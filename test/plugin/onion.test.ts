/**
 * Reading the custom records of an incoming HTLC from the onion payload lightningd gives the
 * htlc_accepted hook: a BigSize length, then a BOLT #1 TLV stream. Only custom records (type >=
 * 65536) come back; anything malformed throws, and the hook then lets the HTLC go on untouched.
 */
import { expect } from 'chai';
import { parseCustomRecords } from '../../src/plugin/onion.js';

/** BOLT #1 BigSize, hex. */
function bigSize(n: bigint): string {
  const hex = (v: bigint, bytes: number) => v.toString(16).padStart(bytes * 2, '0');
  if (n < 0xfdn) return hex(n, 1);
  if (n <= 0xffffn) return `fd${hex(n, 2)}`;
  if (n <= 0xffffffffn) return `fe${hex(n, 4)}`;
  return `ff${hex(n, 8)}`;
}
const record = (type: bigint, valueHex: string) => `${bigSize(type)}${bigSize(BigInt(valueHex.length / 2))}${valueHex}`;
const payload = (...records: string[]) => {
  const body = records.join('');
  return `${bigSize(BigInt(body.length / 2))}${body}`;
};
const COMMITMENT = 'ab'.repeat(32);
const NOTE = Buffer.from(`PeerStables/settlement/v1 ${COMMITMENT}`).toString('hex');
// amt_to_forward (2), outgoing_cltv_value (4), keysend preimage (5482373484), then ours.
const KEYSEND = [record(2n, '0f4240'), record(4n, '0c3590'), record(5_482_373_484n, '11'.repeat(32))];

describe('onion payload: the custom records of an incoming keysend', () => {
  const valid: [string, string, Record<string, string>][] = [
    [
      'a settlement keysend: records 65537 and 65539 beside the protocol records',
      payload(KEYSEND[0]!, KEYSEND[1]!, record(65_537n, COMMITMENT), record(65_539n, NOTE), KEYSEND[2]!),
      { '65537': COMMITMENT, '65539': NOTE, '5482373484': '11'.repeat(32) },
    ],
    [
      'a plain keysend carries only the preimage as a custom record',
      payload(...KEYSEND),
      { '5482373484': '11'.repeat(32) },
    ],
    ['an invoice payment has no custom record', payload(KEYSEND[0]!, KEYSEND[1]!), {}],
    ['an empty record is kept as empty hex', payload(record(65_541n, '')), { '65541': '' }],
    ['uppercase hex is read', payload(record(65_537n, COMMITMENT)).toUpperCase(), { '65537': COMMITMENT }],
    [
      'a stream over 252 bytes has a 3-byte length',
      payload(record(70_000n, '00'.repeat(300))),
      { '70000': '00'.repeat(300) },
    ],
  ];
  for (const [name, hex, records] of valid)
    it(`reads ${name}`, () => expect(parseCustomRecords(hex)).to.deep.equal(records));

  const invalid: [string, string, string][] = [
    ['odd hex', 'abc', 'onion.payload must be an even number of hex characters, got 3'],
    ['no hex at all', '', 'onion.payload must be an even number of hex characters, got 0'],
    ['not hex', 'zz', 'onion.payload must be an even number of hex characters, got 2'],
    ['more than an onion holds', `fd0579${'00'.repeat(1401)}`, 'onion.payload must be at most 1300 bytes, got 1404'],
    ['a length that disagrees with the bytes', `05${record(2n, '01')}`, 'its TLV stream has 5 bytes, but 3 follow'],
    [
      'a record longer than what remains',
      payload(`${bigSize(65_537n)}0501`),
      'truncated encoding: record 65537 value needs 5 bytes',
    ],
    [
      'types out of order',
      payload(record(65_539n, '01'), record(65_537n, '02')),
      'onion.payload record types must increase: 65537 after 65539',
    ],
    ['a type twice', payload(record(65_537n, '01'), record(65_537n, '02')), 'must increase: 65537 after 65537'],
    ['a non-minimal type', payload(`fd000101ff`), 'non-minimal BigSize encoding'],
    ['a record whose length is cut', payload('fe0001'), 'truncated encoding'],
  ];
  for (const [name, hex, message] of invalid)
    it(`refuses ${name}`, () => expect(() => parseCustomRecords(hex)).to.throw(message));
});
