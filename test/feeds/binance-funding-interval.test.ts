/**
 * Binance states a perpetual's funding interval only in fundingInfo, which lists just the contracts
 * whose cap, floor or interval was adjusted; BTCUSDT is normally absent. Absence from a list that
 * arrived means Binance's documented 8 h, under either ccxt id that reaches Binance USD-M; a list
 * that did not arrive fails the fetch. Through the real ccxt code against the simulator, whose
 * fundingInfo leaves BTCUSDT out unless the scenario adjusts its interval.
 */
import { expect } from 'chai';
import { ManualClock } from '../../src/core/clock.js';
import { PeerStablesError } from '../../src/core/errors.js';
import { createMarketClient } from '../../src/feeds/exchange.js';
import type { FundingObservation } from '../../src/index/readings.js';
import { intervalFromList } from '../../src/feeds/venue-defaults.js';
import { parseScenario, startSimulator, type Fault } from '../../src/sim/index.js';
import { rejection } from '../sim/helpers.js';

const H = 3_600_000;
const START = 1_700_000_000_123;
const SYMBOL = 'BTC/USDT:USDT';
// What each ccxt id needs to load Binance's linear perpetuals (the shipped binance options).
const OPTIONS: Record<string, Record<string, unknown>> = {
  binance: { fetchMarkets: { types: ['spot', 'linear'] } },
  binanceusdm: {},
};

/** One fetchFunding of BTC/USDT:USDT through `exchange`, the scenario funding 0.0001 per `intervalMs`. */
async function fetchBinanceFunding(
  exchange: string,
  intervalMs: number,
  faults: Fault[] = [],
): Promise<FundingObservation> {
  const clock = new ManualClock(START);
  const market = { path: [{ atMs: 0, price: '97000' }], funding: { intervalMs, path: [{ atMs: 0, rate: '0.0001' }] } };
  const scenario = parseScenario({ exchanges: { [exchange]: { faults, markets: { [SYMBOL]: market } } } });
  const sim = await startSimulator(scenario, { clock });
  const config = { baseUrl: sim.baseUrlFor(exchange), options: OPTIONS[exchange] ?? {} };
  const client = await createMarketClient(exchange, config, { timeoutMs: 1_000, clock });
  try {
    return await client.fetchFunding(SYMBOL);
  } finally {
    await client.close();
    await sim.close();
  }
}

describe('Binance funding interval through ccxt and the simulator', function () {
  this.timeout(20_000);

  for (const exchange of ['binance', 'binanceusdm']) {
    it(`never fails for a perpetual fundingInfo leaves out: it funds every 8 h (${exchange})`, async () => {
      const obs = await fetchBinanceFunding(exchange, 8 * H);
      expect(obs.intervalMs).to.equal(8 * H);
      expect(obs.rate).to.equal(1_000_000n); // 0.0001 per 8 h, at 10^-10
    });
  }

  it('uses the interval fundingInfo lists for an adjusted contract', async () => {
    const obs = await fetchBinanceFunding('binanceusdm', 4 * H);
    expect(obs.intervalMs).to.equal(4 * H);
    expect(obs.rate).to.equal(2_000_000n); // 0.0001 per 4 h is 0.0002 per 8 h
  });

  it('never assumes 8 h when the fundingInfo request itself fails', async () => {
    const down: Fault[] = [{ kind: 'http', fromMs: 0, status: 503, path: '/fapi/v1/fundingInfo' }];
    const err = await rejection(fetchBinanceFunding('binance', 8 * H, down));
    expect(err).to.be.instanceOf(PeerStablesError);
    expect(err.message).to.include('binance:BTC/USDT:USDT: cannot fetch funding rate');
    expect(err.message).to.include('Service Unavailable'); // only fundingInfo is down: the case above fetches the rate
  });
});

describe('intervalFromList', () => {
  const listed = { 'BTC/USDT:USDT': { interval: '4h' }, 'LPT/USDT:USDT': { interval: '4h' } };
  const others = { 'LPT/USDT:USDT': { interval: '4h' } };
  const cases: [string, string, Record<string, { interval?: string }>, string | undefined][] = [
    ['a listed interval wins', 'binance.com', listed, '4h'],
    ['a listed entry without an interval is not guessed', 'binance.com', { 'BTC/USDT:USDT': {} }, undefined],
    ["absent: the venue's documented default", 'binance.com', others, '8h'],
    ['absent on a venue that documents no default: unknown', 'bitget.com', others, undefined],
    ['an empty list on a venue without a default: unknown', 'bitget.com', {}, undefined],
  ];
  for (const [name, venue, list, interval] of cases) {
    it(name, () => expect(intervalFromList(venue, 'BTC/USDT:USDT', list)).to.equal(interval));
  }

  it('refuses to default on an empty list: a broken answer is not absence', () => {
    const empty = () => intervalFromList('binance.com', 'BTC/USDT:USDT', {});
    expect(empty).to.throw(PeerStablesError, 'empty funding interval list');
  });
});
