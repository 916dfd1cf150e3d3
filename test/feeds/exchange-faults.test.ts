/**
 * Every simulator fault, as the ccxt adapter sees it: a rejected promise within the client timeout,
 * or for "stale" and "frozen" an exchange timestamp that lags. Faults are laid out in one-second
 * windows of scenario time and selected by moving the shared clock. The venue is Binance spot,
 * whose ticker timestamp (`closeTime`) is a quote time and so reaches the observation.
 */
import { expect } from 'chai';
import { ManualClock } from '../../src/core/clock.js';
import { createMarketClient, type MarketClient } from '../../src/feeds/exchange.js';
import { parseScenario, startSimulator, type Simulator } from '../../src/sim/index.js';
import { rejection } from '../sim/helpers.js';

const START = 1_800_000_000_000;
const TIMEOUT_MS = 400;
const BTC = 'binance:BTC/USDT';

describe('createMarketClient under simulator faults', function () {
  this.timeout(10_000);
  const clock = new ManualClock(START);
  let sim: Simulator;
  let client: MarketClient;
  const at = (elapsedMs: number) => clock.set(START + elapsedMs);

  before(async () => {
    const scenario = parseScenario({
      exchanges: {
        binance: {
          markets: {
            'BTC/USDT': {
              spreadBps: 2,
              path: [
                { atMs: 0, price: '97000' },
                { atMs: 10_000, price: '98000' },
              ],
              faults: [
                { kind: 'http', fromMs: 1_000, toMs: 2_000, status: 503 },
                { kind: 'timeout', fromMs: 2_000, toMs: 3_000 },
                { kind: 'malformed', fromMs: 3_000, toMs: 4_000, mode: 'brokenJson' },
                { kind: 'malformed', fromMs: 4_000, toMs: 5_000, mode: 'missingFields' },
                { kind: 'malformed', fromMs: 5_000, toMs: 6_000, mode: 'wrongTypes' },
                { kind: 'stale', fromMs: 6_000, toMs: 7_000, lagMs: 60_000 },
                { kind: 'frozen', fromMs: 7_000, toMs: 9_000 },
                { kind: 'latency', fromMs: 9_000, toMs: 10_000, delayMs: 5_000 },
              ],
            },
            'ETH/USDT': { path: [{ atMs: 0, price: '3000.01' }], faults: [{ kind: 'latency', delayMs: 50 }] },
          },
        },
      },
    });
    sim = await startSimulator(scenario, { clock });
    const options = { fetchMarkets: { types: ['spot'] } };
    const config = { baseUrl: sim.baseUrlFor('binance'), options };
    client = await createMarketClient('binance', config, { timeoutMs: TIMEOUT_MS, clock });
  });
  after(async () => {
    await client.close();
    await sim.close();
  });

  it('answers normally outside every window', async () => {
    at(500);
    const obs = await client.fetchObservation('BTC/USDT');
    expect(obs.price).to.equal(9_705_000_000_000n);
    expect(obs.exchangeTs).to.equal(START + 500);
  });

  const rejections: { name: string; elapsed: number; mentions: string }[] = [
    { name: 'HTTP 503 with the venue error body', elapsed: 1_500, mentions: '"msg":"Service Unavailable"' },
    { name: 'a venue that never answers', elapsed: 2_500, mentions: 'RequestTimeout' },
    { name: 'broken JSON', elapsed: 3_500, mentions: BTC },
    { name: 'missing price fields', elapsed: 4_500, mentions: 'last missing' },
    { name: 'strings where numbers belong', elapsed: 5_500, mentions: BTC },
    { name: 'latency beyond the client timeout', elapsed: 9_500, mentions: 'RequestTimeout' },
  ];
  for (const r of rejections) {
    it(`rejects ${r.name}`, async () => {
      at(r.elapsed);
      const err = await rejection(client.fetchObservation('BTC/USDT'));
      expect(err.message).to.include(r.mentions);
      expect(err.message).to.include(BTC);
    });
  }

  it('stale: the price moves but the exchange timestamp lags', async () => {
    at(6_500);
    const obs = await client.fetchObservation('BTC/USDT');
    expect(obs.price).to.equal(9_765_000_000_000n);
    expect(obs.exchangeTs).to.equal(START + 6_500 - 60_000);
    expect(obs.receivedAt).to.equal(START + 6_500);
  });

  it('frozen: price and timestamp stop where the window starts', async () => {
    at(8_500);
    const obs = await client.fetchObservation('BTC/USDT');
    expect(obs.price).to.equal(9_770_000_000_000n);
    expect(obs.exchangeTs).to.equal(START + 7_000);
  });

  it('latency within the timeout only delays the answer', async () => {
    at(0);
    const obs = await client.fetchObservation('ETH/USDT');
    expect(obs.price).to.equal(300_001_000_000n);
  });
});

describe('createMarketClient when a whole venue is down', function () {
  this.timeout(15_000);
  const clock = new ManualClock(START);
  let sim: Simulator;
  const VENUES: [string, string][] = [
    ['coinbaseexchange', 'BTC/USD'],
    ['kraken', 'BTC/USD'],
    ['bitstamp', 'BTC/USD'],
    ['gemini', 'BTC/USD'],
    ['bitfinex', 'BTC/USD'],
    ['binance', 'BTC/USDT'],
  ];

  before(async () => {
    const down = [{ kind: 'http', toMs: 1_000, status: 503 }];
    const exchanges = Object.fromEntries(
      VENUES.map(([id, symbol]) => [
        id,
        { faults: down, markets: { [symbol]: { path: [{ atMs: 0, price: '97000' }] } } },
      ]),
    );
    sim = await startSimulator(parseScenario({ exchanges }), { clock });
  });
  after(() => sim.close());

  it('each venue rejects while down (its own error body), then loads markets again once back', async () => {
    const clients = await Promise.all(
      VENUES.map(([id]) =>
        createMarketClient(id, { baseUrl: sim.baseUrlFor(id), options: {} }, { timeoutMs: TIMEOUT_MS, clock }),
      ),
    );
    try {
      clock.set(START);
      const whileDown = await Promise.allSettled(VENUES.map(([, symbol], i) => clients[i]!.fetchObservation(symbol)));
      whileDown.forEach((r, i) => {
        expect(r.status, VENUES[i]![0]).to.equal('rejected');
        expect(String((r as PromiseRejectedResult).reason.message)).to.match(/cannot load markets|not listed/);
      });
      clock.set(START + 1_000);
      const back = await Promise.all(VENUES.map(([, symbol], i) => clients[i]!.fetchObservation(symbol)));
      for (const obs of back) expect(obs.price).to.equal(9_700_000_000_000n);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });
});
