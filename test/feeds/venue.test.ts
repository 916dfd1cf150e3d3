/**
 * Which venue a ccxt id reaches: the registrable-domain rule as a table, and the grouping it gives
 * over every exchange class ccxt ships, which must be exactly the real venue families.
 */
import { expect } from 'chai';
import ccxt from 'ccxt';
import { registrableDomain, venueOf } from '../../src/feeds/venue.js';

describe('registrableDomain', () => {
  const cases: [string, string][] = [
    ['www.binance.com', 'binance.com'],
    ['futures.kraken.com', 'kraken.com'],
    ['kraken.com', 'kraken.com'],
    ['www.btcbox.co.jp', 'btcbox.co.jp'],
    ['api-cloud.bittrade.co.jp', 'bittrade.co.jp'],
    ['app.foxbit.com.br', 'foxbit.com.br'],
    ['www.coinspot.com.au', 'coinspot.com.au'],
    ['zaif.jp', 'zaif.jp'],
    ['www.bybit.id', 'bybit.id'],
    ['big.one', 'big.one'],
    ['WWW.Kraken.COM.', 'kraken.com'],
  ];
  for (const [host, domain] of cases) {
    it(`${host} -> ${domain}`, () => expect(registrableDomain(host)).to.equal(domain));
  }
});

describe('venueOf', () => {
  const cases: [string, { urls?: unknown; hostname?: unknown }, string][] = [
    ['the website, not the API host', { urls: { www: 'https://www.bybit.com' }, hostname: 'bybit.eu' }, 'bybit.com'],
    ['a website with a path', { urls: { www: 'https://www.asterdex.com/en' } }, 'asterdex.com'],
    ['the hostname when there is no website', { urls: {}, hostname: 'api.huobi.pro' }, 'huobi.pro'],
    ['the id when ccxt names neither', { urls: { www: 'not a url' } }, 'someid'],
    ['the id when urls is missing', {}, 'someid'],
  ];
  for (const [name, metadata, venue] of cases) {
    it(`takes ${name}`, () => expect(venueOf('someid', metadata)).to.equal(venue));
  }
});

describe('venues of every ccxt exchange class', () => {
  it('group exactly the real venue families, and no two venues that only share a public suffix', () => {
    const classes = ccxt as unknown as Record<string, new () => { urls?: unknown; hostname?: unknown }>;
    const families = new Map<string, string[]>();
    for (const id of ccxt.exchanges) {
      const ExchangeClass = classes[id];
      if (typeof ExchangeClass !== 'function') throw new Error(`ccxt lists ${id} but exports no class`);
      const venue = venueOf(id, new ExchangeClass());
      families.set(venue, [...(families.get(venue) ?? []), id]);
    }
    const shared = Object.fromEntries(
      [...families].filter(([, ids]) => ids.length > 1).map(([venue, ids]) => [venue, ids.sort()]),
    );
    expect(shared).to.deep.equal({
      'binance.com': ['binance', 'binancecoinm', 'binanceusdm'],
      'bybit.com': ['bybit', 'bybiteu'],
      'coinbase.com': ['coinbase', 'coinbaseexchange', 'coinbaseinternational'],
      'gate.com': ['gate', 'gateeu'],
      'kraken.com': ['kraken', 'krakenfutures'],
      'kucoin.com': ['kucoin', 'kucoinfutures'],
      'okx.com': ['myokx', 'okx', 'okxus'],
    });
  });
});
