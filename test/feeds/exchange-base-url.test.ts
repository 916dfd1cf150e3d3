import { expect } from 'chai';
import { rewriteApiUrls } from '../../src/feeds/base-url.js';

describe('rewriteApiUrls', () => {
  const table: { name: string; api: unknown; baseUrl: string; expected: unknown }[] = [
    {
      name: 'kraken: host only',
      api: 'https://api.kraken.com',
      baseUrl: 'http://127.0.0.1:9999/kraken',
      expected: 'http://127.0.0.1:9999/kraken',
    },
    {
      name: 'bitstamp: path kept',
      api: { public: 'https://www.bitstamp.net/api' },
      baseUrl: 'http://127.0.0.1:9999/bitstamp',
      expected: { public: 'http://127.0.0.1:9999/bitstamp/api' },
    },
    {
      name: 'coinbase: {hostname} template host',
      api: { public: 'https://api.{hostname}' },
      baseUrl: 'http://127.0.0.1:1/coinbaseexchange',
      expected: { public: 'http://127.0.0.1:1/coinbaseexchange' },
    },
    {
      name: 'trailing slash on the base ignored',
      api: 'https://api.binance.com/api/v3',
      baseUrl: 'http://mirror.example/binance/',
      expected: 'http://mirror.example/binance/api/v3',
    },
    {
      name: 'nested records, every host replaced',
      api: { spot: { public: 'https://api.binance.com/api/v3' }, fapiPublic: 'https://fapi.binance.com/fapi/v1' },
      baseUrl: 'http://127.0.0.1:2/binance',
      expected: {
        spot: { public: 'http://127.0.0.1:2/binance/api/v3' },
        fapiPublic: 'http://127.0.0.1:2/binance/fapi/v1',
      },
    },
    {
      name: 'query kept',
      api: 'wss://ws.example.com/v1?x=1',
      baseUrl: 'ws://127.0.0.1:3',
      expected: 'ws://127.0.0.1:3/v1?x=1',
    },
    {
      name: 'non-URL strings and other values untouched',
      api: { a: 'not a url', b: 3, c: null, d: ['https://x.io/p'] },
      baseUrl: 'http://h',
      expected: { a: 'not a url', b: 3, c: null, d: ['http://h/p'] },
    },
    { name: '"$" in the base is literal', api: 'https://a.io/p', baseUrl: 'http://h/$&', expected: 'http://h/$&/p' },
  ];
  for (const c of table) {
    it(c.name, () => {
      expect(rewriteApiUrls(c.api, c.baseUrl)).to.deep.equal(c.expected);
    });
  }

  it('does not modify its input', () => {
    const api = { public: 'https://api.kraken.com' };
    rewriteApiUrls(api, 'http://h');
    expect(api.public).to.equal('https://api.kraken.com');
  });
});
