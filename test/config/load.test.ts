import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';

const defaults = JSON.parse(readFileSync(new URL('../../config/default.json', import.meta.url), 'utf8')) as Record<
  string,
  unknown
>;

function withIndex(patch: Record<string, unknown>): unknown {
  const copy = structuredClone(defaults) as { index: Record<string, unknown> };
  copy.index = { ...copy.index, ...patch };
  return copy;
}

function withRules(patch: Record<string, unknown>): unknown {
  const copy = structuredClone(defaults) as { index: { rules: Record<string, unknown> } };
  copy.index.rules = { ...copy.index.rules, ...patch };
  return copy;
}

function withSection(name: string, patch: Record<string, unknown>): unknown {
  const copy = structuredClone(defaults);
  copy[name] = { ...(copy[name] as Record<string, unknown>), ...patch };
  return copy;
}

describe('config', () => {
  for (const name of ['default.json', 'docker.json', 'simulator.json']) {
    it(`config/${name} is valid`, () => {
      const config = loadConfig(new URL(`../../config/${name}`, import.meta.url).pathname);
      expect(config.index.pair).to.equal('BTC/USD');
      expect(config.index.rules.minPrice).to.equal(100_000_000_000n);
    });
  }

  it('is frozen, so no stage can change it behind the others', () => {
    const config = parseConfig(defaults);
    expect(Object.isFrozen(config.index.rules)).to.equal(true);
  });

  const bad: [string, unknown, string][] = [
    ['a float price', withRules({ minPrice: 1000 }), 'index.rules.minPrice'],
    ['a negative price', withRules({ minPrice: '-1' }), 'index.rules.minPrice'],
    ['inverted bounds', withRules({ minPrice: '100', maxPrice: '10' }), 'minPrice <= maxPrice'],
    [
      'a zero price floor, which every tick would refuse',
      withRules({ minPrice: '0' }),
      'index.rules: rules need 0 < minPrice',
    ],
    ['a price floor that rounds to zero', withRules({ minPrice: '0.000000001' }), 'index.rules'],
    [
      'a back-off cap below its start, which start-up would refuse after opening the store',
      withSection('polling', { backoffInitialMs: 5_000, backoffMaxMs: 1_000 }),
      'polling: poller backoffMaxMs must not be below backoffInitialMs',
    ],
    ['quorum above the sources', withRules({ quorum: 7 }), 'quorum exceeds the number of sources'],
    ['a zero deviation', withRules({ maxDeviationBps: 0 }), 'maxDeviationBps'],
    ['an unknown rule', withRules({ maxDeviation: 5 }), 'index.rules'],
    ['a bad exchange id', withIndex({ sources: [{ exchange: 'Kraken!', symbol: 'BTC/USD' }] }), 'exchange'],
    ['a bad symbol', withIndex({ sources: [{ exchange: 'kraken', symbol: 'btcusd' }] }), 'symbol'],
    [
      'a duplicate source',
      withIndex({
        sources: [
          { exchange: 'kraken', symbol: 'BTC/USD' },
          { exchange: 'kraken', symbol: 'BTC/USD' },
          { exchange: 'gemini', symbol: 'BTC/USD' },
        ],
      }),
      'duplicate source',
    ],
    ['no sources', withIndex({ sources: [] }), 'index.sources'],
    ['an unknown top-level key', { ...defaults, extra: true }, 'extra'],
  ];
  for (const [what, raw, mention] of bad) {
    it(`rejects ${what}, naming the field`, () => {
      expect(() => parseConfig(raw))
        .to.throw(ConfigError)
        .with.property('message')
        .that.contains(mention);
    });
  }

  it('writes each default once: an omitted section gets the same values as an empty one', () => {
    const bare = structuredClone(defaults);
    const empty = structuredClone(defaults);
    for (const section of ['oracle', 'polling', 'store', 'server', 'log']) {
      delete bare[section];
      empty[section] = {};
    }
    const fromBare = parseConfig(bare);
    const fromEmpty = parseConfig(empty);
    for (const section of ['oracle', 'polling', 'store', 'server', 'log'] as const)
      expect(fromBare[section]).to.deep.equal(fromEmpty[section]);
    expect(fromBare.server.rateLimit).to.deep.equal(
      parseConfig(withSection('server', { rateLimit: {} })).server.rateLimit,
    );
  });

  it('says which file cannot be read or parsed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-config-'));
    expect(() => loadConfig(join(dir, 'missing.json'))).to.throw(ConfigError, 'cannot read configuration file');
    writeFileSync(join(dir, 'broken.json'), '{ "index": ');
    expect(() => loadConfig(join(dir, 'broken.json'))).to.throw(ConfigError, 'is not valid JSON');
  });
});
