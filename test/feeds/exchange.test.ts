/**
 * The ccxt adapter against the simulator on loopback: real ccxt requests and parsing, each venue's
 * real JSON shapes, no network. One simulator and one client per exchange are shared, because
 * ccxt's rate limiter (Kraken: one request a second) dominates the run time.
 */
import { expect } from 'chai';
import { ManualClock } from '../../src/core/clock.js';
import { ConfigError } from '../../src/core/errors.js';
import { createMarketClient, type MarketClient } from '../../src/feeds/exchange.js';
import type { Observation } from '../../src/index/readings.js';
import { rejection } from '../sim/helpers.js';
import { parseScenario, startSimulator, type Simulator } from '../../src/sim/index.js';

const START = 1_700_000_000_123; // not a whole second: bitstamp sends whole seconds
const TIMEOUT_MS = 1_000;

/** A path from `from` at 0 s to `to` at 10 s. */
const ramp = (from: string, to: string, spreadBps = 2) => ({
  spreadBps,
  path: [
    { atMs: 0, price: from },
    { atMs: 10_000, price: to },
  ],
});

// Every default source, with the price at 0 s and at 2.5 s (a quarter of the ramp, on the venue's tick),
// and the quote time that reaches exchangeTs: none from a venue whose timestamp means something else
// (Coinbase's is its last trade's, Gemini's its volume figure's: src/feeds/timestamps.ts).
const CASES: { exchange: string; symbol: string; at0: bigint; at2500: bigint; ts: 'ms' | 's' | null }[] = [
  { exchange: 'coinbaseexchange', symbol: 'BTC/USD', at0: 9_700_012_000_000n, at2500: 9_701_012_000_000n, ts: null },
  { exchange: 'coinbaseexchange', symbol: 'USDT/USD', at0: 100_012_000n, at2500: 100_011_000n, ts: null },
  { exchange: 'kraken', symbol: 'BTC/USD', at0: 9_700_010_000_000n, at2500: 9_699_010_000_000n, ts: null },
  { exchange: 'kraken', symbol: 'USDT/USD', at0: 99_991_000n, at2500: 99_992_000n, ts: null },
  { exchange: 'bitstamp', symbol: 'BTC/USD', at0: 9_700_100_000_000n, at2500: 9_700_200_000_000n, ts: 's' },
  { exchange: 'bitstamp', symbol: 'USDT/USD', at0: 100_003_000n, at2500: 100_004_000n, ts: 's' },
  { exchange: 'gemini', symbol: 'BTC/USD', at0: 9_700_250_000_000n, at2500: 9_700_000_000_000n, ts: null },
  { exchange: 'bitfinex', symbol: 'BTC/USD', at0: 9_700_300_000_000n, at2500: 9_700_400_000_000n, ts: null },
  { exchange: 'bitfinex', symbol: 'USDT/USD', at0: 100_010_000n, at2500: 100_020_000n, ts: null },
  { exchange: 'binance', symbol: 'BTC/USDT', at0: 9_700_444_000_000n, at2500: 9_700_344_000_000n, ts: 'ms' },
];

const SCENARIO = {
  exchanges: {
    coinbaseexchange: { markets: { 'BTC/USD': ramp('97000.12', '97040.12'), 'USDT/USD': ramp('1.00012', '1.00008') } },
    kraken: { markets: { 'BTC/USD': ramp('97000.1', '96960.1'), 'USDT/USD': ramp('0.99991', '0.99995') } },
    bitstamp: { markets: { 'BTC/USD': ramp('97001', '97005'), 'USDT/USD': ramp('1.00003', '1.00007') } },
    gemini: { markets: { 'BTC/USD': ramp('97002.5', '96992.5') } },
    bitfinex: { markets: { 'BTC/USD': ramp('97003', '97007'), 'USDT/USD': ramp('1.0001', '1.0005') } },
    binance: { markets: { 'BTC/USDT': ramp('97004.44', '97000.44') } },
  },
};

const OPTIONS: Record<string, Record<string, unknown>> = { binance: { fetchMarkets: { types: ['spot'] } } };

describe('createMarketClient against the simulator', function () {
  this.timeout(20_000);
  const clock = new ManualClock(START);
  let sim: Simulator;
  const clients = new Map<string, MarketClient>();

  before(async () => {
    sim = await startSimulator(parseScenario(SCENARIO), { clock });
    for (const exchange of new Set(CASES.map((c) => c.exchange))) {
      const config = { baseUrl: sim.baseUrlFor(exchange), options: OPTIONS[exchange] ?? {} };
      clients.set(exchange, await createMarketClient(exchange, config, { timeoutMs: TIMEOUT_MS, clock }));
    }
  });
  after(async () => {
    for (const client of clients.values()) await client.close();
    await sim.close();
  });

  const clientOf = (exchange: string): MarketClient => {
    const client = clients.get(exchange);
    if (!client) throw new Error(`no client for ${exchange}`);
    return client;
  };
  const expectedTs = (kind: 'ms' | 's' | null, now: number): number | null =>
    kind === null ? null : kind === 'ms' ? now : Math.floor(now / 1000) * 1000;

  for (const [label, elapsed, pick] of [
    ['at start', 0, 'at0'],
    ['2.5 s into the ramp', 2_500, 'at2500'],
  ] as const) {
    describe(label, () => {
      // Fetched together: exchanges are independent, and each one's rate limiter is the slow part.
      const results = new Map<string, PromiseSettledResult<Observation>>();
      before(async () => {
        clock.set(START + elapsed);
        const settled = await Promise.allSettled(CASES.map((c) => clientOf(c.exchange).fetchObservation(c.symbol)));
        CASES.forEach((c, i) => results.set(`${c.exchange}:${c.symbol}`, settled[i]!));
      });
      for (const c of CASES) {
        it(`${c.exchange} ${c.symbol}`, () => {
          const result = results.get(`${c.exchange}:${c.symbol}`);
          if (result?.status !== 'fulfilled') throw result?.reason ?? new Error('not fetched');
          expect(result.value).to.deep.equal({
            source: `${c.exchange}:${c.symbol}`,
            price: c[pick],
            exchangeTs: expectedTs(c.ts, clock.now()),
            receivedAt: clock.now(),
          });
        });
      }
    });
  }

  it('knows which exchange it reads', () => {
    expect(clients.get('kraken')?.exchange).to.equal('kraken');
  });

  it('rejects a symbol the venue does not list, naming the source', async () => {
    const err = await rejection(clientOf('bitstamp').fetchObservation('DOGE/USD'));
    expect(err.message).to.include('bitstamp:DOGE/USD');
  });

  it('rejects a listed market the scenario does not price (venue answers not found)', async () => {
    const err = await rejection(clientOf('coinbaseexchange').fetchObservation('ETH/USD'));
    expect(err.message).to.include('coinbaseexchange:ETH/USD');
  });
});

describe('createMarketClient', () => {
  it('rejects an unknown exchange with ConfigError', async () => {
    const err = await rejection(
      createMarketClient('nosuchexchange', { options: {} }, { timeoutMs: 100, clock: new ManualClock(0) }),
    );
    expect(err).to.be.instanceOf(ConfigError);
  });

  it('rejects after close', async () => {
    const client = await createMarketClient(
      'kraken',
      { baseUrl: 'http://127.0.0.1:9/kraken', options: {} },
      { timeoutMs: 100, clock: new ManualClock(0) },
    );
    await client.close();
    const err = await rejection(client.fetchObservation('BTC/USD'));
    expect(err.message).to.include('closed');
  });
});
