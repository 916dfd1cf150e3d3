import { expect } from 'chai';
import { InputError } from '../../src/core/errors.js';
import { observationFromTicker, type TickerFields } from '../../src/feeds/ticker.js';

const SOURCE = 'kraken:BTC/USD';
const AT = 1_700_000_000_000;

describe('observationFromTicker', () => {
  const valid: { name: string; ticker: TickerFields; price: bigint; exchangeTs: number | null }[] = [
    {
      name: 'median of three',
      ticker: { last: 97000.5, bid: 96999, ask: 97002, timestamp: AT - 5 },
      price: 9700050000000n,
      exchangeTs: AT - 5,
    },
    {
      name: 'one wild field cannot move it',
      ticker: { last: 1e9, bid: 97000, ask: 97001 },
      price: 9700100000000n,
      exchangeTs: null,
    },
    { name: 'two fields: floor-mean', ticker: { bid: 0.00000001, ask: 0.00000002 }, price: 1n, exchangeTs: null },
    { name: 'missing last', ticker: { bid: 97000, ask: 97001 }, price: 9700050000000n, exchangeTs: null },
    { name: 'negative ignored', ticker: { last: -1, bid: 1.00012, ask: 1.00014 }, price: 100013000n, exchangeTs: null },
    {
      name: 'float artefacts do not leak',
      ticker: { last: 0.1 + 0.2, bid: 0.3, ask: 0.3 },
      price: 30000000n,
      exchangeTs: null,
    },
    {
      name: 'digits past 1e-8 round half to even',
      ticker: { last: 1.000000005, bid: 1.000000015, ask: 1.000000025 },
      price: 100000002n,
      exchangeTs: null,
    },
    {
      name: 'fractional timestamp is no timestamp',
      ticker: { last: 2, bid: 2, ask: 2, timestamp: 1.5 },
      price: 200000000n,
      exchangeTs: null,
    },
    {
      name: 'zero timestamp is no timestamp',
      ticker: { last: 2, bid: 2, ask: 2, timestamp: 0 },
      price: 200000000n,
      exchangeTs: null,
    },
    {
      name: 'infinite timestamp is no timestamp',
      ticker: { last: 2, bid: 2, ask: 2, timestamp: Infinity },
      price: 200000000n,
      exchangeTs: null,
    },
  ];
  for (const c of valid) {
    it(c.name, () => {
      expect(observationFromTicker(SOURCE, c.ticker, AT)).to.deep.equal({
        source: SOURCE,
        price: c.price,
        exchangeTs: c.exchangeTs,
        receivedAt: AT,
      });
    });
  }

  const invalid: { name: string; ticker: Record<string, unknown>; mentions: string[] }[] = [
    { name: 'empty ticker', ticker: {}, mentions: ['last missing', 'bid missing', 'ask missing'] },
    {
      name: 'one usable field',
      ticker: { last: 97000, bid: Number.NaN, ask: 0 },
      mentions: ['bid not a finite number', 'ask not positive'],
    },
    {
      name: 'strings from a broken venue',
      ticker: { last: '97000', bid: 'x', ask: 97000 },
      mentions: ['last not a finite number', 'bid not a finite number'],
    },
    {
      name: 'nulls',
      ticker: { last: null, bid: null, ask: Infinity },
      mentions: ['last missing', 'ask not a finite number'],
    },
  ];
  for (const c of invalid) {
    it(`rejects ${c.name}`, () => {
      let error: unknown;
      try {
        observationFromTicker(SOURCE, c.ticker as TickerFields, AT);
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(InputError);
      for (const m of c.mentions) expect((error as Error).message).to.include(m);
      expect((error as Error).message).to.include(SOURCE);
    });
  }
});
