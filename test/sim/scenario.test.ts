import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';
import { loadScenario, parseScenario } from '../../src/sim/scenario.js';

const ok = { path: [{ atMs: 0, price: '97000' }] };

describe('parseScenario', () => {
  it('fills defaults and turns prices into fixed-point', () => {
    const s = parseScenario({ exchanges: { kraken: { markets: { 'BTC/USD': ok } } } });
    expect(s.exchanges['kraken']).to.deep.equal({
      faults: [],
      markets: {
        'BTC/USD': { path: [{ atMs: 0, price: 9_700_000_000_000n }], spreadBps: 2, lastTradeAgeMs: 0, faults: [] },
      },
    });
  });

  const invalid: [string, unknown, string][] = [
    ['unknown exchange', { exchanges: { mtgox: {} } }, 'exchanges.mtgox: unsupported exchange'],
    [
      'market the venue does not list',
      { exchanges: { binance: { markets: { 'BTC/USD': ok } } } },
      'exchanges.binance.markets.BTC/USD: not simulated on binance',
    ],
    [
      'float price',
      { exchanges: { kraken: { markets: { 'BTC/USD': { path: [{ atMs: 0, price: 97000 }] } } } } },
      'price',
    ],
    [
      'negative price',
      { exchanges: { kraken: { markets: { 'BTC/USD': { path: [{ atMs: 0, price: '-1' }] } } } } },
      'positive decimal string',
    ],
    ['empty path', { exchanges: { kraken: { markets: { 'BTC/USD': { path: [] } } } } }, 'path'],
    [
      'points out of order',
      {
        exchanges: {
          kraken: {
            markets: {
              'BTC/USD': {
                path: [
                  { atMs: 5, price: '1' },
                  { atMs: 5, price: '2' },
                ],
              },
            },
          },
        },
      },
      'strictly increasing',
    ],
    ['unknown fault kind', { exchanges: { kraken: { faults: [{ kind: 'gremlins' }] } } }, 'exchanges.kraken.faults.0'],
    ['HTTP status that is no error', { exchanges: { kraken: { faults: [{ kind: 'http', status: 200 }] } } }, 'status'],
    ['unknown malformed mode', { exchanges: { kraken: { faults: [{ kind: 'malformed', mode: 'spicy' }] } } }, 'mode'],
    ['typo in a field', { exchanges: { kraken: { markets: { 'BTC/USD': { ...ok, spreadbps: 3 } } } } }, 'spreadbps'],
    ['no exchanges', {}, 'exchanges'],
  ];
  for (const [name, raw, mention] of invalid) {
    it(`rejects ${name}`, () => {
      expect(() => parseScenario(raw)).to.throw(ConfigError, mention);
    });
  }

  it('loadScenario names an unreadable file', () => {
    expect(() => loadScenario('config/scenarios/nope.json')).to.throw(ConfigError, 'nope.json');
  });
});

describe('shipped scenarios and configuration', () => {
  for (const file of ['config/scenarios/calm.json', 'config/scenarios/faults.json']) {
    it(`${file} is valid and prices every default source`, () => {
      const s = loadScenario(file);
      const config = loadConfig('config/default.json');
      const sources = [
        ...config.index.sources,
        ...Object.values(config.conversions).flatMap((m) => m.sources),
        ...(config.funding?.sources ?? []),
      ];
      for (const { exchange, symbol } of sources) {
        expect(s.exchanges[exchange]?.markets[symbol], `${exchange} ${symbol}`).to.not.equal(undefined);
      }
    });
  }

  it('config/simulator.json is config/default.json pointed at the simulator', () => {
    const sim = JSON.parse(readFileSync('config/simulator.json', 'utf8'));
    const def = JSON.parse(readFileSync('config/default.json', 'utf8'));
    for (const [id, ex] of Object.entries(sim.exchanges as Record<string, { baseUrl: string; options?: unknown }>)) {
      expect(ex.baseUrl).to.equal(`http://127.0.0.1:8090/${id}`);
      expect(ex.options).to.deep.equal(def.exchanges[id]?.options);
    }
    const defaultSources: { exchange: string }[] = [...def.index.sources, ...def.funding.sources];
    expect(Object.keys(sim.exchanges).sort()).to.deep.equal([...new Set(defaultSources.map((s) => s.exchange))].sort());
    expect(sim.oracle).to.deep.equal({ ...def.oracle, keyFile: 'data/sim/oracle.key', dataDir: 'data/sim' });
    expect(sim.server).to.deep.equal({ ...def.server, host: '127.0.0.1', port: 8080 });
    expect(sim.dlc).to.deep.equal({
      ...def.dlc,
      nonceSecretFile: 'data/sim/dlc-nonce.key',
      journalFile: 'journal/sim/dlc-outcomes.jsonl',
    });
    expect(sim.nostr).to.deep.equal({ ...def.nostr, keyFile: 'data/sim/nostr.key' });
    const rest = (c: Record<string, unknown>) => ({
      ...c,
      oracle: null,
      server: null,
      exchanges: null,
      dlc: null,
      nostr: null,
    });
    expect(rest(sim)).to.deep.equal(rest(def));
    loadConfig('config/simulator.json');
  });
});
