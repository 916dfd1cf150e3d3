/** Simulator perpetuals: scenario validation, the funding quote, and each venue's funding answer over plain HTTP. */
import { expect } from 'chai';
import { ManualClock } from '../../src/core/clock.js';
import { ConfigError } from '../../src/core/errors.js';
import { fundingAt } from '../../src/sim/quote.js';
import { parseScenario, startSimulator, type Simulator } from '../../src/sim/index.js';

const H = 3_600_000;
const perp = (intervalMs = 8 * H) => ({
  path: [
    { atMs: 0, price: '97000' },
    { atMs: 10_000, price: '98000' },
  ],
  funding: {
    intervalMs,
    path: [
      { atMs: 0, rate: '0.0001' },
      { atMs: 10_000, rate: '-0.0003' },
    ],
  },
});

describe('scenario perpetuals', () => {
  const invalid: [string, unknown, string][] = [
    ['funding on a spot market', { kraken: { markets: { 'BTC/USD': perp() } } }, 'only perpetuals'],
    [
      'a perpetual without funding',
      { okx: { markets: { 'BTC/USDT:USDT': { path: [{ atMs: 0, price: '97000' }] } } } },
      'needs funding',
    ],
    [
      'krakenfutures at 8 h (it funds hourly)',
      { krakenfutures: { markets: { 'BTC/USD:USD': perp() } } },
      'set intervalMs to 3600000',
    ],
    [
      'deribit at 4 h (ccxt assumes 8 h)',
      { deribit: { markets: { 'BTC/USD:BTC': perp(4 * H) } } },
      'set intervalMs to 28800000',
    ],
    [
      'an interval that is not whole hours',
      { bybit: { markets: { 'BTC/USDT:USDT': perp(1_800_000) } } },
      'whole hours',
    ],
    [
      'a rate that is a number',
      { bybit: { markets: { 'BTC/USDT:USDT': { ...perp(), funding: { path: [{ atMs: 0, rate: 0.0001 }] } } } } },
      'rate',
    ],
  ];
  for (const [name, exchanges, message] of invalid) {
    it(`refuses ${name}`, () => {
      expect(() => parseScenario({ exchanges })).to.throw(ConfigError, message);
    });
  }

  it('fundingAt interpolates the rate, floors, and pins everything under "frozen"', () => {
    const market = parseScenario({ exchanges: { bybit: { markets: { 'BTC/USDT:USDT': perp() } } } }).exchanges['bybit']!
      .markets['BTC/USDT:USDT']!;
    const now = 1_800_000_000_000;
    expect(fundingAt(market, 2_500, now, 1, [])).to.deep.equal({
      rate: '0',
      markPrice: '97250.0',
      last: '97250.0',
      timestampMs: now,
      lastTradeMs: now,
      intervalMs: 8 * H,
      nextFundingMs: 1_800_028_800_000,
    });
    const frozen = fundingAt(market, 7_500, now, 1, [{ kind: 'frozen', fromMs: 5_000 }]);
    expect(frozen.rate).to.equal('-0.0001');
    expect(frozen.timestampMs).to.equal(now - 2_500);
  });
});

describe('simulator funding endpoints', () => {
  const clock = new ManualClock(1_800_000_000_000);
  let sim: Simulator;
  before(async () => {
    const down = [{ kind: 'http', fromMs: 1_000, status: 503 }];
    sim = await startSimulator(
      parseScenario({
        exchanges: {
          binance: { faults: down, markets: { 'BTC/USDT:USDT': perp(4 * H) } },
          bybit: { faults: down, markets: { 'BTC/USDT:USDT': perp() } },
          okx: { faults: down, markets: { 'BTC/USDT:USDT': perp(H) } },
          deribit: { faults: down, markets: { 'BTC/USD:BTC': perp() } },
          krakenfutures: { faults: down, markets: { 'BTC/USD:USD': perp(H) } },
        },
      }),
      { clock },
    );
  });
  after(() => sim.close());

  const get = async (exchange: string, path: string): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(sim.baseUrlFor(exchange) + path);
    return { status: res.status, body: await res.json() };
  };

  it('binance fundingInfo lists an adjusted interval in hours', async () => {
    clock.set(1_800_000_000_000);
    const { body } = await get('binance', '/fapi/v1/fundingInfo');
    expect(body).to.deep.include.members([
      {
        symbol: 'BTCUSDT',
        adjustedFundingRateCap: '0.00300000',
        adjustedFundingRateFloor: '-0.00300000',
        fundingIntervalHours: 4,
        disclaimer: false,
      },
    ]);
  });

  it('binance fundingInfo, like the real one, leaves out a contract at the default 8 h', async () => {
    const scenario = parseScenario({ exchanges: { binance: { markets: { 'BTC/USDT:USDT': perp() } } } });
    const eightHours = await startSimulator(scenario, { clock });
    try {
      const answer = await fetch(eightHours.baseUrlFor('binance') + '/fapi/v1/fundingInfo');
      const body = (await answer.json()) as { symbol: string }[];
      expect(body.map((e) => e.symbol)).to.deep.equal(['BLZUSDT', 'GTCUSDT', 'LPTUSDT']);
    } finally {
      await eightHours.close();
    }
  });

  it('a fault with a path hits that path only', async () => {
    const faults = [{ kind: 'http', status: 503, path: '/fapi/v1/fundingInfo' }];
    const scenario = parseScenario({ exchanges: { binance: { faults, markets: { 'BTC/USDT:USDT': perp() } } } });
    const onePath = await startSimulator(scenario, { clock });
    const binance = onePath.baseUrlFor('binance');
    try {
      expect((await fetch(`${binance}/fapi/v1/fundingInfo`)).status).to.equal(503);
      expect((await fetch(`${binance}/fapi/v1/premiumIndex?symbol=BTCUSDT`)).status).to.equal(200);
    } finally {
      await onePath.close();
    }
  });

  it('okx funding times are one interval apart (ccxt derives the interval from them)', async () => {
    clock.set(1_800_000_000_000);
    const { body } = await get('okx', '/api/v5/public/funding-rate?instId=BTC-USDT-SWAP');
    const entry = (body as { data: { fundingTime: string; nextFundingTime: string; fundingRate: string }[] }).data[0]!;
    expect(Number(entry.nextFundingTime) - Number(entry.fundingTime)).to.equal(H);
    expect(entry.fundingRate).to.equal('0.0001');
  });

  it('krakenfutures publishes the absolute rate: relative rate times mark price', async () => {
    clock.set(1_800_000_000_000);
    const { body } = await get('krakenfutures', '/derivatives/api/v3/tickers');
    const ticker = (body as { tickers: { fundingRate: number; markPrice: number }[] }).tickers[0]!;
    expect(ticker.markPrice).to.equal(97000);
    expect(ticker.fundingRate).to.equal(9.7);
  });

  const unknown: [string, string][] = [
    ['binance', '/fapi/v1/premiumIndex?symbol=ETHUSDT'],
    ['bybit', '/v5/market/tickers?category=linear&symbol=ETHUSDT'],
    ['okx', '/api/v5/public/funding-rate?instId=ETH-USDT-SWAP'],
    ['deribit', '/api/v2/public/get_funding_rate_value?instrument_name=ETH-PERPETUAL'],
  ];
  for (const [exchange, path] of unknown) {
    it(`${exchange} answers 404 for a perpetual it does not list`, async () => {
      clock.set(1_800_000_000_000);
      expect((await get(exchange, path)).status).to.equal(404);
    });
  }

  const errorShapes: [string, string, unknown][] = [
    [
      'bybit',
      '/v5/market/instruments-info?category=linear',
      { retCode: 10016, retMsg: 'Service Unavailable', result: {}, retExtInfo: {}, time: 0 },
    ],
    ['okx', '/api/v5/public/instruments?instType=SWAP', { code: '50001', msg: 'Service Unavailable', data: [] }],
    [
      'deribit',
      '/api/v2/public/get_instruments',
      { jsonrpc: '2.0', error: { message: 'Service Unavailable', code: 11098 }, testnet: false },
    ],
    [
      'krakenfutures',
      '/derivatives/api/v3/instruments',
      { result: 'error', error: 'Service Unavailable', serverTime: '1970-01-01T00:00:00.000Z' },
    ],
  ];
  for (const [exchange, path, body] of errorShapes) {
    it(`${exchange} answers an HTTP fault in its own error shape`, async () => {
      clock.set(1_800_000_001_000);
      expect(await get(exchange, path)).to.deep.equal({ status: 503, body });
    });
  }
});
