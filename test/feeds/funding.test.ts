/** fundingFromCcxt: the cases people reason about when normalising a venue's funding rate. */
import { expect } from 'chai';
import { InputError } from '../../src/core/errors.js';
import { fundingFromCcxt, type CcxtFundingRate } from '../../src/feeds/funding.js';

const SOURCE = 'binance:BTC/USDT:USDT';
const AT = 1_700_000_000_000;
const H = 3_600_000;

// rate per 8 h at 10^-10: 0.0001 (0.01 %) is 1_000_000.
const NORMALISED: { name: string; input: CcxtFundingRate; rate: bigint; intervalMs: number }[] = [
  {
    name: '8 h interval: unchanged',
    input: { fundingRate: 0.0001, interval: '8h' },
    rate: 1_000_000n,
    intervalMs: 8 * H,
  },
  {
    name: '4 h interval: doubled',
    input: { fundingRate: 0.0001, interval: '4h' },
    rate: 2_000_000n,
    intervalMs: 4 * H,
  },
  {
    name: '1 h interval: eight-fold',
    input: { fundingRate: 0.0000125, interval: '1h' },
    rate: 1_000_000n,
    intervalMs: H,
  },
  {
    name: 'negative rate: shorts pay longs, sign kept',
    input: { fundingRate: -0.00025, interval: '8h' },
    rate: -2_500_000n,
    intervalMs: 8 * H,
  },
  { name: 'negative 4 h rate', input: { fundingRate: -0.0000375, interval: '4h' }, rate: -750_000n, intervalMs: 4 * H },
  { name: 'zero', input: { fundingRate: 0, interval: '8h' }, rate: 0n, intervalMs: 8 * H },
  {
    name: '16 h interval: halved, half to even',
    input: { fundingRate: 0.0000000003, interval: '16h' },
    rate: 2n,
    intervalMs: 16 * H,
  },
  {
    name: 'digits beyond 10^-10 round half to even once, at the edge',
    input: { fundingRate: 0.00000000015, interval: '8h' },
    rate: 2n,
    intervalMs: 8 * H,
  },
  {
    name: "absurd but well-formed: passes (plausibility is the aggregator's job)",
    input: { fundingRate: 0.5, interval: '1h' },
    rate: 40_000_000_000n,
    intervalMs: H,
  },
  {
    name: 'float artefacts do not leak: 0.1 + 0.2',
    input: { fundingRate: 0.1 + 0.2, interval: '8h' },
    rate: 3_000_000_000n,
    intervalMs: 8 * H,
  },
];

describe('fundingFromCcxt', () => {
  for (const c of NORMALISED) {
    it(c.name, () => {
      const obs = fundingFromCcxt(SOURCE, c.input, AT);
      expect(obs.rate).to.equal(c.rate);
      expect(obs.intervalMs).to.equal(c.intervalMs);
    });
  }

  it('keeps the source, mark price at 10^-8, exchange timestamp and receive time', () => {
    const obs = fundingFromCcxt(
      SOURCE,
      { fundingRate: 0.0001, interval: '8h', markPrice: 97000.15, timestamp: AT - 250 },
      AT,
    );
    expect(obs).to.deep.equal({
      source: SOURCE,
      rate: 1_000_000n,
      intervalMs: 8 * H,
      markPrice: 9_700_015_000_000n,
      exchangeTs: AT - 250,
      receivedAt: AT,
    });
  });

  const markless: [string, unknown][] = [
    ['missing', undefined],
    ['NaN', Number.NaN],
    ['zero', 0],
    ['negative', -1],
    ['a string', '97000'],
  ];
  for (const [name, markPrice] of markless) {
    it(`mark price ${name}: null, the rate still counts`, () => {
      const obs = fundingFromCcxt(SOURCE, { fundingRate: 0.0001, interval: '8h', markPrice: markPrice as number }, AT);
      expect(obs.markPrice).to.equal(null);
      expect(obs.rate).to.equal(1_000_000n);
    });
  }

  const timestamps: [string, unknown][] = [
    ['missing', undefined],
    ['fractional', AT + 0.5],
    ['zero', 0],
    ['negative', -5],
    ['infinite', Infinity],
  ];
  for (const [name, timestamp] of timestamps) {
    it(`exchange timestamp ${name}: null`, () => {
      expect(
        fundingFromCcxt(SOURCE, { fundingRate: 0.0001, interval: '8h', timestamp: timestamp as number }, AT).exchangeTs,
      ).to.equal(null);
    });
  }

  const rejected: { name: string; input: CcxtFundingRate; message: string }[] = [
    {
      name: 'missing interval: never guessed',
      input: { fundingRate: 0.0001 },
      message: 'funding interval unknown: not guessed',
    },
    {
      name: 'an interval that is not whole hours',
      input: { fundingRate: 0.0001, interval: '30m' },
      message: 'funding interval "30m" not understood',
    },
    {
      name: 'a zero interval (bybit prints "0h" for under an hour)',
      input: { fundingRate: 0.0001, interval: '0h' },
      message: 'not understood',
    },
    {
      name: 'a raw millisecond interval (okx passes unknown spans through)',
      input: { fundingRate: 0.0001, interval: '1800000' },
      message: 'not understood',
    },
    { name: 'missing rate', input: { interval: '8h' }, message: 'funding rate missing' },
    {
      name: 'NaN rate',
      input: { fundingRate: Number.NaN, interval: '8h' },
      message: 'funding rate not a finite number',
    },
    {
      name: 'a string rate',
      input: { fundingRate: '0.0001' as unknown as number, interval: '8h' },
      message: 'funding rate not a finite number',
    },
  ];
  for (const c of rejected) {
    it(`rejects ${c.name}`, () => {
      expect(() => fundingFromCcxt(SOURCE, c.input, AT))
        .to.throw(InputError, c.message)
        .with.property('message')
        .that.includes(SOURCE);
    });
  }
});
