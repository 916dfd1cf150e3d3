import { expect } from 'chai';
import { ConfigError } from '../../src/core/errors.js';
import { rewriteApiUrls } from '../../src/feeds/base-url.js';
import { loadExchangeClass, type ExchangeClass } from '../../src/feeds/ccxt-loader.js';
import { parseScenario, startSimulator } from '../../src/sim/index.js';
import { rejection } from '../sim/helpers.js';

describe('loadExchangeClass', () => {
  const bad: [string, string][] = [
    ['nosuchexchange', 'unknown exchange'],
    ['Kraken', 'invalid exchange id'],
    ['../ccxt', 'invalid exchange id'],
    ['kraken.js', 'invalid exchange id'],
    ['', 'invalid exchange id'],
    ['base', 'unknown exchange'], // a folder beside the classes, not a class
  ];
  for (const [id, message] of bad) {
    it(`rejects ${JSON.stringify(id)}`, async () => {
      const err = await rejection(loadExchangeClass(id));
      expect(err).to.be.instanceOf(ConfigError);
      expect(err.message).to.include(message);
    });
  }

  it('loads the exchange class itself', async () => {
    const Kraken = await loadExchangeClass('kraken');
    const kraken = new Kraken({});
    expect(kraken.id).to.equal('kraken');
    expect(kraken.has['fetchTicker']).to.equal(true);
  });
});

describe('a class loaded alone behaves as the one from the full ccxt import', function () {
  this.timeout(10_000);

  it('same markets and the same ticker from the simulator (bitstamp, binance)', async () => {
    const path = [{ atMs: 0, price: '97001' }];
    const sim = await startSimulator(
      parseScenario({
        exchanges: { bitstamp: { markets: { 'BTC/USD': { path } } }, binance: { markets: { 'BTC/USDT': { path } } } },
      }),
      {},
    );
    const full = (await import('ccxt')) as unknown as Record<string, ExchangeClass>;
    const read = async (Exchange: ExchangeClass, id: string, symbol: string) => {
      const exchange = new Exchange({ options: { fetchMarkets: { types: ['spot'] } } });
      const urls = exchange.urls as { api?: unknown };
      urls.api = rewriteApiUrls(urls.api, sim.baseUrlFor(id));
      const markets = await exchange.loadMarkets();
      const ticker = await exchange.fetchTicker(symbol);
      const shape = Object.values(markets).map((m) => [m?.symbol, m?.id, m?.precision, m?.active]);
      return { shape, ticker: [ticker.last, ticker.bid, ticker.ask] };
    };
    try {
      for (const [id, symbol] of [
        ['bitstamp', 'BTC/USD'],
        ['binance', 'BTC/USDT'],
      ] as const) {
        const alone = await read(await loadExchangeClass(id), id, symbol);
        const fromFull = full[id];
        if (!fromFull) throw new Error(`full ccxt has no ${id}`);
        expect(alone).to.deep.equal(await read(fromFull, id, symbol));
        expect(alone.ticker[0]).to.equal(97001);
      }
    } finally {
      await sim.close();
    }
  });
});
