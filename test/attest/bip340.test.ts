/**
 * The official BIP340 vectors through the exact noble functions the oracle signs and verifies
 * with: if noble (or our wiring of its hash) ever drifts from the BIP, these fail first.
 */
import { expect } from 'chai';
import { schnorr } from '../../src/attest/schnorr.js';
import { bytesToHex, hexToBytes, repoFile } from './fixtures.js';

interface Bip340Row {
  index: string;
  secretKey: string;
  publicKey: string;
  auxRand: string;
  message: string;
  signature: string;
  valid: boolean;
  comment: string;
}

function parseCsv(text: string): Bip340Row[] {
  const [header, ...lines] = text.trim().split(/\r?\n/);
  expect(header).to.match(/^index,secret key,public key,aux_rand,message,signature,verification result,comment$/);
  return lines.map((line) => {
    const cells = line.split(',');
    const [index = '', secretKey = '', publicKey = '', auxRand = '', message = '', signature = '', result = ''] = cells;
    expect(result, `row ${index} result`).to.be.oneOf(['TRUE', 'FALSE']);
    return {
      index,
      secretKey,
      publicKey,
      auxRand,
      message,
      signature,
      valid: result === 'TRUE',
      comment: cells.slice(7).join(','),
    };
  });
}

describe('attest/BIP340 official vectors', () => {
  const rows = parseCsv(repoFile('test/vectors/bip340-test-vectors.csv'));

  it('has every row of the official file', () => {
    expect(rows.map((r) => Number(r.index))).to.deep.equal(rows.map((_, i) => i));
    expect(rows.length).to.be.greaterThanOrEqual(15);
  });

  for (const row of rows) {
    const label = `vector ${row.index}${row.comment ? ` (${row.comment})` : ''}`;
    if (row.secretKey !== '') {
      it(`${label}: signs to the expected signature and public key`, () => {
        const sk = hexToBytes(row.secretKey);
        expect(bytesToHex(schnorr.getPublicKey(sk))).to.equal(row.publicKey.toLowerCase());
        const sig = schnorr.sign(hexToBytes(row.message), sk, hexToBytes(row.auxRand));
        expect(bytesToHex(sig)).to.equal(row.signature.toLowerCase());
      });
    }
    it(`${label}: verifies to ${row.valid}`, () => {
      let ok: boolean;
      try {
        ok = schnorr.verify(hexToBytes(row.signature), hexToBytes(row.message), hexToBytes(row.publicKey));
      } catch {
        ok = false; // a key that is not a valid x coordinate may be refused by throwing
      }
      expect(ok).to.equal(row.valid);
    });
  }
});
