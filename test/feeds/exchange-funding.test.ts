/**
 * fetchFunding against the simulator on loopback: real ccxt requests and parsing of every default
 * funding source with its shipped ccxt options, each venue's real JSON shapes, no network. The
 * expected rates are worked out by hand from the scenario: rate per interval * 8 h / interval.
 */
import { expect } from 'chai';
import { loadConfig } from '../../src/config/load.js';
import { ManualClock } from '../../src/core/clock.js';
import { InputError } from '../../src/core/errors.js';
import { createMarketClient, type MarketClient } from '../../src/feeds/exchange.js';
import type { FundingObservation } from '../../src/index/readings.js';
import { parseScenario, startSimulator, type Simulator } from '../../src/sim/index.js';
import { rejection } from '../sim/helpers.js';

const START = 1_700_000_000_123;
const H = 3_600_000;
const CONFIG = loadConfig('config/default.json');

/** A perpetual: mark from `mark0` to `mark1` and rate from `rate0` to `rate1` over 10 s. */
const perp = (mark0: string, mark1: string, rate0: string, rate1: string, intervalMs: number) => ({
  path: [
    { atMs: 0, price: mark0 },
    { atMs: 10_000, price: mark1 },
  ],
  funding: {
    intervalMs,
    path: [
      { atMs: 0, rate: rate0 },
      { atMs: 10_000, rate: rate1 },
    ],
  },
});

// Each default source at 0 s and 2.5 s (a quarter of the ramp); marks on the venue's tick.
const CASES: {
  exchange: string;
  symbol: string;
  intervalMs: number;
  at0: { rate: bigint; mark: bigint | null };
  at2500: { rate: bigint; mark: bigint | null };
  timestamped: boolean;
}[] = [
  // 4 h (from fundingInfo): 0.0001 -> 0.0002 per 8 h; 0.0002 at 2.5 s -> 0.0004.
  {
    exchange: 'binance',
    symbol: 'BTC/USDT:USDT',
    intervalMs: 4 * H,
    at0: { rate: 2_000_000n, mark: 9_700_050_000_000n },
    at2500: { rate: 4_000_000n, mark: 9_700_150_000_000n },
    timestamped: true,
  },
  // 8 h, negative then zero: shorts pay longs.
  {
    exchange: 'bybit',
    symbol: 'BTC/USDT:USDT',
    intervalMs: 8 * H,
    at0: { rate: -1_000_000n, mark: 9_700_120_000_000n },
    at2500: { rate: 0n, mark: 9_700_220_000_000n },
    timestamped: true,
  },
  // 1 h: 0.00001 -> 0.00008 per 8 h; no mark price, no timestamp.
  {
    exchange: 'okx',
    symbol: 'BTC/USDT:USDT',
    intervalMs: H,
    at0: { rate: 800_000n, mark: null },
    at2500: { rate: 1_600_000n, mark: null },
    timestamped: false,
  },
  // 8 h inverse (settled in BTC); no mark price, no timestamp.
  {
    exchange: 'deribit',
    symbol: 'BTC/USD:BTC',
    intervalMs: 8 * H,
    at0: { rate: 2_000_000n, mark: null },
    at2500: { rate: 3_000_000n, mark: null },
    timestamped: false,
  },
  // 1 h, published absolute (USD per contract) and made relative by ccxt: 0.0000125 -> 0.0001 per 8 h.
  // Its lastTime is the last trade's, not the quote's: no exchange timestamp.
  {
    exchange: 'krakenfutures',
    symbol: 'BTC/USD:USD',
    intervalMs: H,
    at0: { rate: 1_000_000n, mark: 9_700_000_000_000n },
    at2500: { rate: 1_800_000n, mark: 9_701_000_000_000n },
    timestamped: false,
  },
];

const SCENARIO = {
  exchanges: {
    binance: {
      markets: {
        'BTC/USDT:USDT': perp('97000.5', '97004.5', '0.0001', '0.0005', 4 * H),
        'BTC/USDT': { spreadBps: 2, path: [{ atMs: 0, price: '96990' }] },
      },
    },
    bybit: { markets: { 'BTC/USDT:USDT': perp('97001.2', '97005.2', '-0.0001', '0.0003', 8 * H) } },
    okx: { markets: { 'BTC/USDT:USDT': perp('97001', '97002', '0.00001', '0.00005', H) } },
    deribit: { markets: { 'BTC/USD:BTC': perp('97001', '97002', '0.0002', '0.0006', 8 * H) } },
    krakenfutures: { markets: { 'BTC/USD:USD': perp('97000', '97040', '0.0000125', '0.0000525', H) } },
  },
};

describe('fetchFunding against the simulator', function () {
  this.timeout(20_000);
  const clock = new ManualClock(START);
  let sim: Simulator;
  const clients = new Map<string, MarketClient>();
  const clientOf = (exchange: string): MarketClient => {
    const client = clients.get(exchange);
    if (!client) throw new Error(`no client for ${exchange}`);
    return client;
  };

  before(async () => {
    sim = await startSimulator(parseScenario(SCENARIO), { clock });
    for (const { exchange } of CONFIG.funding?.sources ?? []) {
      const options = CONFIG.exchanges[exchange]?.options ?? {};
      clients.set(
        exchange,
        await createMarketClient(exchange, { baseUrl: sim.baseUrlFor(exchange), options }, { timeoutMs: 1_000, clock }),
      );
    }
  });
  after(async () => {
    for (const client of clients.values()) await client.close();
    await sim.close();
  });

  it('covers every default funding source', () => {
    const configured = (CONFIG.funding?.sources ?? []).map((s) => `${s.exchange}:${s.symbol}`);
    expect(configured).to.have.members(CASES.map((c) => `${c.exchange}:${c.symbol}`));
  });

  for (const [label, elapsed, pick] of [
    ['at start', 0, 'at0'],
    ['2.5 s into the ramp', 2_500, 'at2500'],
  ] as const) {
    describe(label, () => {
      const results = new Map<string, PromiseSettledResult<FundingObservation>>();
      before(async () => {
        clock.set(START + elapsed);
        const settled = await Promise.allSettled(CASES.map((c) => clientOf(c.exchange).fetchFunding(c.symbol)));
        CASES.forEach((c, i) => results.set(c.exchange, settled[i]!));
      });
      for (const c of CASES) {
        it(`${c.exchange} ${c.symbol}`, () => {
          const result = results.get(c.exchange);
          if (result?.status !== 'fulfilled') throw result?.reason ?? new Error('not fetched');
          expect(result.value).to.deep.equal({
            source: `${c.exchange}:${c.symbol}`,
            rate: c[pick].rate,
            intervalMs: c.intervalMs,
            markPrice: c[pick].mark,
            exchangeTs: c.timestamped ? clock.now() : null,
            receivedAt: clock.now(),
          });
        });
      }
    });
  }

  it('the same binance instance still serves the spot ticker', async () => {
    clock.set(START);
    const obs = await clientOf('binance').fetchObservation('BTC/USDT');
    expect(obs.price).to.equal(9_699_000_000_000n);
  });

  it('rejects a spot symbol asked for funding, naming the source', async () => {
    const err = await rejection(clientOf('binance').fetchFunding('BTC/USDT'));
    expect(err.message).to.include('binance:BTC/USDT');
  });

  it('rejects a perpetual the venue does not list', async () => {
    const err = await rejection(clientOf('okx').fetchFunding('ETH/USDT:USDT'));
    expect(err.message).to.include('not listed');
  });
});

describe('fetchFunding under simulator faults', function () {
  this.timeout(10_000);
  const clock = new ManualClock(START);
  const SOURCE = 'bybit:BTC/USDT:USDT';
  let sim: Simulator;
  let client: MarketClient;
  const at = (elapsedMs: number) => clock.set(START + elapsedMs);

  before(async () => {
    const market = perp('97000', '98000', '0.0001', '0.0002', 8 * H);
    const faults = [
      { kind: 'http', fromMs: 1_000, toMs: 2_000, status: 503 },
      { kind: 'timeout', fromMs: 2_000, toMs: 3_000 },
      { kind: 'malformed', fromMs: 3_000, toMs: 4_000, mode: 'brokenJson' },
      { kind: 'malformed', fromMs: 4_000, toMs: 5_000, mode: 'missingFields' },
      { kind: 'malformed', fromMs: 5_000, toMs: 6_000, mode: 'wrongTypes' },
      { kind: 'stale', fromMs: 6_000, toMs: 7_000, lagMs: 900_000 },
      { kind: 'frozen', fromMs: 7_000, toMs: 9_000 },
      { kind: 'latency', fromMs: 9_000, toMs: 10_000, delayMs: 5_000 },
    ];
    sim = await startSimulator(
      parseScenario({ exchanges: { bybit: { markets: { 'BTC/USDT:USDT': { ...market, faults } } } } }),
      { clock },
    );
    const options = CONFIG.exchanges['bybit']?.options ?? {};
    client = await createMarketClient(
      'bybit',
      { baseUrl: sim.baseUrlFor('bybit'), options },
      { timeoutMs: 400, clock },
    );
  });
  after(async () => {
    await client.close();
    await sim.close();
  });

  it('answers normally outside every window', async () => {
    at(500);
    const obs = await client.fetchFunding('BTC/USDT:USDT');
    expect(obs.rate).to.equal(1_050_000n);
    expect(obs.exchangeTs).to.equal(START + 500);
  });

  const rejections: { name: string; elapsed: number; mentions: string }[] = [
    { name: 'HTTP 503 with the venue error body', elapsed: 1_500, mentions: '"retCode":10016' },
    { name: 'a venue that never answers', elapsed: 2_500, mentions: 'RequestTimeout' },
    { name: 'broken JSON', elapsed: 3_500, mentions: 'cannot fetch funding rate' },
    { name: 'missing rate and mark', elapsed: 4_500, mentions: 'funding rate missing' },
    { name: 'strings where numbers belong', elapsed: 5_500, mentions: SOURCE },
    { name: 'latency beyond the client timeout', elapsed: 9_500, mentions: 'RequestTimeout' },
  ];
  for (const r of rejections) {
    it(`rejects ${r.name}`, async () => {
      at(r.elapsed);
      const err = await rejection(client.fetchFunding('BTC/USDT:USDT'));
      expect(err.message).to.include(r.mentions);
      expect(err.message).to.include(SOURCE);
    });
  }

  it('missing fields reject as bad input, not as a feed outage', async () => {
    at(4_500);
    expect(await rejection(client.fetchFunding('BTC/USDT:USDT'))).to.be.instanceOf(InputError);
  });

  it('stale: the rate moves on, the exchange timestamp lags', async () => {
    at(6_500);
    const obs = await client.fetchFunding('BTC/USDT:USDT');
    expect(obs.rate).to.equal(1_650_000n);
    expect(obs.exchangeTs).to.equal(START + 6_500 - 900_000);
    expect(obs.receivedAt).to.equal(START + 6_500);
  });

  it('frozen: rate, mark and timestamp stop where the window starts', async () => {
    at(8_500);
    const obs = await client.fetchFunding('BTC/USDT:USDT');
    expect(obs.rate).to.equal(1_700_000n);
    expect(obs.markPrice).to.equal(9_770_000_000_000n);
    expect(obs.exchangeTs).to.equal(START + 7_000);
  });
});

describe('fetchFunding when a whole perpetual venue is down', function () {
  this.timeout(15_000);
  const clock = new ManualClock(START);
  let sim: Simulator;
  const SOURCES = CONFIG.funding?.sources ?? [];

  before(async () => {
    const down = [{ kind: 'http', toMs: 1_000, status: 503 }];
    const exchanges = Object.fromEntries(
      SOURCES.map(({ exchange, symbol }) => {
        // Kraken Futures funds hourly: 0.0000125 an hour is 0.0001 per 8 h like the others.
        const [intervalMs, rate] = exchange === 'krakenfutures' ? [H, '0.0000125'] : [8 * H, '0.0001'];
        return [exchange, { faults: down, markets: { [symbol]: perp('97000', '97000', rate, rate, intervalMs) } }];
      }),
    );
    sim = await startSimulator(parseScenario({ exchanges }), { clock });
  });
  after(() => sim.close());

  it('each venue rejects while down, then loads markets again once back', async () => {
    const clients = await Promise.all(
      SOURCES.map(({ exchange }) =>
        createMarketClient(
          exchange,
          { baseUrl: sim.baseUrlFor(exchange), options: CONFIG.exchanges[exchange]?.options ?? {} },
          { timeoutMs: 400, clock },
        ),
      ),
    );
    try {
      clock.set(START);
      const whileDown = await Promise.allSettled(SOURCES.map(({ symbol }, i) => clients[i]!.fetchFunding(symbol)));
      whileDown.forEach((r, i) => {
        expect(r.status, SOURCES[i]!.exchange).to.equal('rejected');
        expect(String((r as PromiseRejectedResult).reason.message)).to.match(/cannot load markets|not listed/);
      });
      clock.set(START + 1_000);
      const back = await Promise.all(SOURCES.map(({ symbol }, i) => clients[i]!.fetchFunding(symbol)));
      for (const obs of back) expect(obs.rate).to.equal(1_000_000n);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });
});
