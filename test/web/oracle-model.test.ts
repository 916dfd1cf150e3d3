/**
 * The oracle page's model (web/oracle/model.ts) outside the browser: a page left open keeps what
 * the chart can show (24 h) and forgets the rest, so its memory does not grow with the oracle's age.
 */
import { expect } from 'chai';
import { toJson } from '../../src/attest/json.js';
import { publicKeyOf } from '../../src/attest/keys.js';
import { signAttestation } from '../../src/attest/sign.js';
import { OracleModel } from '../../web/oracle/model.js';
import { FIELDS, TEST_AUX, TEST_SECRET, bytesToHex } from '../attest/fixtures.js';

const HOUR = 3_600_000;
const T0 = 1_780_000_000_000;
const signed = (at: number) =>
  toJson(
    signAttestation(
      { ...FIELDS, kind: 'index_price', observedAt: BigInt(at), sequence: BigInt(at) },
      TEST_SECRET,
      TEST_AUX,
    ),
  );

describe('web/oracle/model', () => {
  it('keeps 25 hours of a page left open for two days, and still drops a repeat', () => {
    const model = new OracleModel(bytesToHex(publicKeyOf(TEST_SECRET)), 120_000);
    for (let at = T0; at <= T0 + 48 * HOUR; at += 120_000) model.add(signed(at), at, false);
    const [xs] = model.indexSeries(0, Number.MAX_SAFE_INTEGER);
    const oldest = Math.min(...xs.filter((x) => Number.isFinite(x)));
    // The first day is forgotten (pruning runs when the map has doubled), the last 24 h never.
    expect(oldest * 1000).to.be.above(T0 + 8 * HOUR);
    expect(oldest * 1000).to.be.at.most(T0 + 24 * HOUR);
    expect(xs.length).to.be.below(48 * 30);
    expect(model.add(signed(T0 + 48 * HOUR), T0 + 48 * HOUR, false)).to.equal(null);
  });
});
