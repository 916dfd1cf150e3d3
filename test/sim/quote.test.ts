import { expect } from 'chai';
import { activeFaults, priceAt, quoteAt } from '../../src/sim/quote.js';
import { parseScenario, type Fault } from '../../src/sim/scenario.js';

const market = (path: [number, string][], spreadBps = 0, faults: unknown[] = []) =>
  parseScenario({
    exchanges: {
      kraken: { markets: { 'BTC/USD': { spreadBps, faults, path: path.map(([atMs, price]) => ({ atMs, price })) } } },
    },
  }).exchanges['kraken']!.markets['BTC/USD']!;

describe('priceAt', () => {
  const ramp = market([
    [1_000, '100'],
    [3_000, '200'],
    [4_000, '150'],
  ]);
  const table: [number, bigint][] = [
    [0, 100_00000000n], // before the first point: the first price
    [1_000, 100_00000000n],
    [1_500, 125_00000000n],
    [2_999, 199_95000000n],
    [3_000, 200_00000000n],
    [3_001, 199_95000000n],
    [4_000, 150_00000000n],
    [1_000_000, 150_00000000n], // hold after the last
  ];
  for (const [elapsed, price] of table) {
    it(`at ${elapsed} ms: ${price}`, () => expect(priceAt(ramp, elapsed)).to.equal(price));
  }

  it('floors between points', () => {
    expect(
      priceAt(
        market([
          [0, '0.00000001'],
          [3, '0.00000002'],
        ]),
        1,
      ),
    ).to.equal(1n);
  });
});

describe('quoteAt', () => {
  const NOW = 1_800_000_000_000;
  it('rounds to the tick and widens by the spread, half-spread rounded up', () => {
    const q = quoteAt(market([[0, '97000.123']], 2), 0, NOW, 1, []);
    // 97000.1 in 0.1 ticks is 970001; 2 bps half-spread = 970001 * 2 / 20000 = 97.0001 -> 98 ticks
    const timestampMs = NOW;
    expect(q).to.deep.equal({ last: '97000.1', bid: '96990.3', ask: '97009.9', timestampMs, lastTradeMs: timestampMs });
  });
  it('rounds half to even at the tick', () => {
    expect(quoteAt(market([[0, '1.005']]), 0, NOW, 2, []).last).to.equal('1.00');
    expect(quoteAt(market([[0, '1.015']]), 0, NOW, 2, []).last).to.equal('1.02');
  });
  it('whole units when the venue quotes no decimals', () => {
    expect(quoteAt(market([[0, '97000.5']], 0), 0, NOW, 0, []).last).to.equal('97000');
  });
  it('stale lags the timestamp only', () => {
    const m = market([
      [0, '100'],
      [1_000, '200'],
    ]);
    const q = quoteAt(m, 500, NOW, 2, [{ kind: 'stale', fromMs: 0, lagMs: 60_000 }]);
    const lagged = NOW - 60_000;
    expect(q).to.deep.equal({ last: '150.00', bid: '150.00', ask: '150.00', timestampMs: lagged, lastTradeMs: lagged });
  });
  it('frozen pins price and timestamp at the window start', () => {
    const m = market([
      [0, '100'],
      [1_000, '200'],
    ]);
    const q = quoteAt(m, 900, NOW, 2, [{ kind: 'frozen', fromMs: 200 }]);
    const pinned = NOW - 700;
    expect(q).to.deep.equal({ last: '120.00', bid: '120.00', ask: '120.00', timestampMs: pinned, lastTradeMs: pinned });
  });
  it('a quiet market shows its last trade, price and time, lastTradeAgeMs old beside a current book', () => {
    const path = [
      { atMs: 0, price: '100' },
      { atMs: 1_000, price: '200' },
    ];
    const quiet = { spreadBps: 0, lastTradeAgeMs: 400, path };
    const m = parseScenario({ exchanges: { kraken: { markets: { 'BTC/USD': quiet } } } }).exchanges['kraken']!.markets[
      'BTC/USD'
    ]!;
    expect(quoteAt(m, 900, NOW, 2, [])).to.deep.equal({
      last: '150.00', // the price 400 ms ago
      bid: '190.00',
      ask: '190.00',
      timestampMs: NOW,
      lastTradeMs: NOW - 400,
    });
  });
});

describe('activeFaults', () => {
  const faults: Fault[] = [
    { kind: 'timeout', fromMs: 1_000, toMs: 2_000 },
    { kind: 'frozen', fromMs: 1_500 },
  ];
  const table: [number, string[]][] = [
    [999, []],
    [1_000, ['timeout']],
    [1_500, ['timeout', 'frozen']],
    [2_000, ['frozen']], // toMs is exclusive
    [9_999_999, ['frozen']], // no toMs: until the end
  ];
  for (const [elapsed, kinds] of table) {
    it(`at ${elapsed} ms: ${kinds.join(', ') || 'none'}`, () => {
      expect(activeFaults(faults, elapsed).map((f) => f.kind)).to.deep.equal(kinds);
    });
  }
});
