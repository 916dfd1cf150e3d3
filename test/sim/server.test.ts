/** The simulator over plain HTTP (no ccxt): routing, error shapes, hanging and closing. */
import { expect } from 'chai';
import { ManualClock } from '../../src/core/clock.js';
import { parseScenario, startSimulator, type Simulator } from '../../src/sim/index.js';

const price = { path: [{ atMs: 0, price: '97000' }] };
const down = [{ kind: 'http', fromMs: 1_000, status: 503 }];

describe('simulator HTTP', () => {
  const clock = new ManualClock(1_800_000_000_000);
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator(
      parseScenario({
        exchanges: {
          coinbaseexchange: {
            faults: down,
            markets: { 'BTC/USD': { ...price, faults: [{ kind: 'malformed', mode: 'brokenJson' }] } },
          },
          kraken: { faults: down, markets: { 'BTC/USD': price } },
          bitstamp: { faults: down, markets: { 'BTC/USD': price } },
          gemini: { faults: down, markets: { 'BTC/USD': price } },
          bitfinex: { faults: down, markets: { 'BTC/USD': price } },
          binance: {
            faults: down,
            markets: { 'BTC/USDT': { ...price, faults: [{ kind: 'timeout', fromMs: 0, toMs: 1_000 }] } },
          },
        },
      }),
      { clock, port: 0 },
    );
  });
  after(() => sim.close());

  it('binds loopback and names each venue prefix', () => {
    expect(sim.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.baseUrlFor('kraken')).to.equal(`${sim.url}/kraken`);
  });

  const notFound: [string, string][] = [
    ['an exchange not in the scenario', '/mtgox/api'],
    ['an unknown path', '/kraken/0/private/Balance'],
    ['the root', '/'],
  ];
  for (const [name, path] of notFound) {
    it(`404 for ${name}`, async () => {
      expect((await fetch(sim.url + path)).status).to.equal(404);
    });
  }

  it('refuses anything but GET', async () => {
    expect((await fetch(`${sim.url}/kraken/0/public/Assets`, { method: 'POST' })).status).to.equal(404);
  });

  it('gemini serves the web page ccxt scrapes for currencies', async () => {
    const html = await (await fetch(`${sim.url}/gemini/`)).text();
    const data = JSON.parse(html.split('id="currencyData">')[1]!.split('</script>')[0]!);
    expect(data.tradingPairs).to.deep.include(['BTCUSD', 2, 8, '0.00001', 10, true]);
  });

  it('broken JSON is not JSON', async () => {
    clock.set(1_800_000_000_000);
    const text = await (await fetch(`${sim.url}/coinbaseexchange/products/BTC-USD/ticker`)).text();
    expect(() => JSON.parse(text)).to.throw(SyntaxError);
  });

  const errorShapes: [string, string, unknown][] = [
    ['coinbaseexchange', '/products', { message: 'Service Unavailable' }],
    ['kraken', '/0/public/Assets', { error: ['EService:Unavailable'] }],
    ['bitstamp', '/api/v2/markets/', { status: 'error', reason: 'Service Unavailable', code: 'API5000' }],
    ['gemini', '/v1/symbols', { result: 'error', reason: 'System', message: 'Service Unavailable' }],
    ['bitfinex', '/v2/ticker/tBTCUSD', ['error', 20060, 'Service Unavailable']],
    ['binance', '/api/v3/exchangeInfo', { code: -1001, msg: 'Service Unavailable' }],
  ];
  for (const [exchange, path, body] of errorShapes) {
    it(`${exchange} answers an HTTP fault in its own error shape`, async () => {
      clock.set(1_800_000_001_000);
      const res = await fetch(sim.baseUrlFor(exchange) + path);
      expect(res.status).to.equal(503);
      expect(await res.json()).to.deep.equal(body);
    });
  }

  it('a hung request is dropped on close', async () => {
    clock.set(1_800_000_000_000);
    const other = await startSimulator(parseScenario({ exchanges: { binance: { faults: [{ kind: 'timeout' }] } } }), {
      clock,
    });
    const hung = fetch(`${other.baseUrlFor('binance')}/api/v3/exchangeInfo`).then(
      () => 'answered',
      () => 'dropped',
    );
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the request reach the server
    await other.close();
    expect(await hung).to.equal('dropped');
  });

  it('rejects a port already in use', async () => {
    const port = Number(new URL(sim.url).port);
    let error: unknown;
    try {
      await startSimulator(parseScenario({ exchanges: {} }), { port });
    } catch (err) {
      error = err;
    }
    expect((error as NodeJS.ErrnoException | undefined)?.code).to.equal('EADDRINUSE');
  });
});

describe('simulator last-trade times in a quiet market', () => {
  const NOW = 1_800_000_000_000;
  const clock = new ManualClock(NOW);
  let sim: Simulator;
  before(async () => {
    const quiet = { lastTradeAgeMs: 104_000, path: [{ atMs: 0, price: '97000' }] };
    const perp = { ...quiet, funding: { intervalMs: 3_600_000, path: [{ atMs: 0, rate: '0.0000125' }] } };
    const scenario = {
      exchanges: {
        coinbaseexchange: { markets: { 'BTC/USD': quiet } },
        krakenfutures: { markets: { 'BTC/USD:USD': perp } },
      },
    };
    sim = await startSimulator(parseScenario(scenario), { clock });
  });
  after(() => sim.close());

  it('krakenfutures: lastTime 104 s behind serverTime, as in the recorded answer', async () => {
    const body = (await (await fetch(`${sim.baseUrlFor('krakenfutures')}/derivatives/api/v3/tickers`)).json()) as {
      serverTime: string;
      tickers: { lastTime: string }[];
    };
    expect(Date.parse(body.serverTime) - Date.parse(body.tickers[0]!.lastTime)).to.equal(104_000);
    expect(Date.parse(body.serverTime)).to.equal(NOW);
  });

  it('coinbaseexchange: the ticker time is the last trade, the book is current', async () => {
    const answer = await fetch(`${sim.baseUrlFor('coinbaseexchange')}/products/BTC-USD/ticker`);
    const body = (await answer.json()) as { time: string; bid: string };
    expect(Date.parse(body.time)).to.equal(NOW - 104_000);
    expect(body.bid).to.equal('96990.30'); // 97000 less half the default 2 bps spread
  });
});
