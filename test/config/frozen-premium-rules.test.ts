/**
 * The rules issue 8 added to the configuration: the frozen filter's (index, conversions, funding)
 * and the premium's bounds and deviation limit. Each has a default written once in the schema,
 * bad values are refused at start-up naming the field, and whatever start-up accepts the
 * aggregators accept too.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';
import { aggregate } from '../../src/index/aggregate.js';
import { aggregateFunding } from '../../src/index/funding.js';

type Raw = { index: { rules: Record<string, unknown> }; funding: { rules: Record<string, unknown> } };
const defaults = JSON.parse(readFileSync(new URL('../../config/default.json', import.meta.url), 'utf8')) as Raw;

function patched(
  index: Record<string, unknown>,
  funding: Record<string, unknown> = {},
  drop: readonly string[] = [],
): Raw {
  const copy = structuredClone(defaults);
  copy.index.rules = { ...copy.index.rules, ...index };
  copy.funding.rules = { ...copy.funding.rules, ...funding };
  for (const key of drop) {
    delete copy.index.rules[key];
    delete copy.funding.rules[key];
  }
  return copy;
}

describe('config: frozen and premium rules', () => {
  it('defaults each rule left out', () => {
    const omitted = ['frozenAfterMs', 'frozenMoveBps', 'frozenMove', 'minPremium', 'maxPremium', 'maxPremiumDeviation'];
    const config = parseConfig(patched({}, {}, omitted));
    expect(config.index.rules).to.include({ frozenAfterMs: 60_000, frozenMoveBps: 20 });
    expect(config.funding?.rules).to.include({
      frozenAfterMs: 600_000,
      frozenMove: 5_000_000n,
      minPremium: -500_000_000n,
      maxPremium: 500_000_000n,
      maxPremiumDeviation: 50_000_000n,
    });
  });

  const bad: [string, Raw, string][] = [
    ['a zero frozen time', patched({ frozenAfterMs: 0 }), 'index.rules.frozenAfterMs'],
    ['a zero frozen move', patched({ frozenMoveBps: 0 }), 'index.rules.frozenMoveBps'],
    ['a frozen move as a number', patched({}, { frozenMove: 0.0005 }), 'funding.rules.frozenMove'],
    ['a negative frozen move', patched({}, { frozenMove: '-0.0005' }), 'frozenMove must not be negative'],
    ['inverted premium bounds', patched({}, { minPremium: '0.05', maxPremium: '-0.05' }), 'minPremium <= maxPremium'],
    ['a zero premium deviation', patched({}, { maxPremiumDeviation: '0' }), 'maxPremiumDeviation must be positive'],
  ];
  for (const [what, raw, mention] of bad) {
    it(`rejects ${what}, naming the field`, () => {
      expect(() => parseConfig(raw))
        .to.throw(ConfigError)
        .with.property('message')
        .that.contains(mention);
    });
  }

  it('hands the aggregators rules they accept', () => {
    const config = parseConfig(defaults);
    const common = { pair: 'BTC/USD', target: 'USD', readings: [], conversions: new Map(), now: 1, history: [] };
    expect(() => aggregate({ ...common, rules: config.index.rules })).to.not.throw();
    for (const market of Object.values(config.conversions))
      expect(() => aggregate({ ...common, rules: market.rules })).to.not.throw();
    expect(() => aggregateFunding({ ...common, rules: config.funding!.rules, index: null })).to.not.throw();
  });
});
