/**
 * Start-up refuses whatever a tick would refuse: for any configuration the schema accepts, the
 * core that runs on it (the index and funding aggregations, the pollers) never throws on its rules.
 * The schema calls the core's own checks, so the two cannot drift apart.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../src/config/load.js';
import type { OracleConfig } from '../../src/config/schema.js';
import { ManualClock } from '../../src/core/clock.js';
import { ConfigError } from '../../src/core/errors.js';
import { Poller } from '../../src/feeds/poller.js';
import { aggregate } from '../../src/index/aggregate.js';
import { aggregateFunding } from '../../src/index/funding.js';

const defaults = JSON.parse(readFileSync(new URL('../../config/default.json', import.meta.url), 'utf8')) as Record<string, unknown>;

const price = fc.constantFrom('0', '0.00000001', '0.5', '1', '1000', '10000000', '99999999');
const rate = fc.constantFrom('-1', '-0.01', '0', '0.0000000001', '0.0005', '0.01');
const ms = fc.integer({ min: -1, max: 200_000 });

const indexRules = fc.record({
  minPrice: price,
  maxPrice: price,
  maxDeviationBps: fc.integer({ min: -1, max: 10_001 }),
  quorum: fc.integer({ min: -1, max: 7 }),
  maxAgeMs: ms,
  maxExchangeAgeMs: ms,
  maxFutureSkewMs: ms,
});

const fundingRules = fc.record({
  minRate: rate,
  maxRate: rate,
  maxDeviation: rate,
  quorum: fc.integer({ min: -1, max: 6 }),
  premiumQuorum: fc.integer({ min: -1, max: 6 }),
  maxAgeMs: ms,
});

const polling = fc.record({
  intervalMs: ms,
  timeoutMs: ms,
  backoffInitialMs: fc.integer({ min: -1, max: 100_000 }),
  backoffMaxMs: fc.integer({ min: -1, max: 100_000 }),
});

function configWith(patch: { index: object; funding: object; polling: object }): unknown {
  const raw = structuredClone(defaults) as {
    index: { rules: object };
    funding: { rules: object };
    polling: object;
  };
  raw.index.rules = { ...raw.index.rules, ...patch.index };
  raw.funding.rules = { ...raw.funding.rules, ...patch.funding };
  raw.polling = { ...raw.polling, ...patch.polling };
  return raw;
}

/** Runs every piece of the core the configuration feeds, the way a running oracle does. */
function runCoreOn(config: OracleConfig): void {
  const now = 1_700_000_000_000;
  aggregate({ pair: config.index.pair, target: 'USD', readings: [], rules: config.index.rules, conversions: new Map(), now });
  const funding = config.funding;
  if (funding) {
    const input = { pair: funding.pair, target: 'USD', readings: [], rules: funding.rules, index: null, conversions: new Map(), now };
    aggregateFunding(input);
  }
  const sources = [{ spec: { exchange: 'kraken', symbol: 'BTC/USD' }, fetch: () => new Promise<never>(() => {}) }];
  new Poller({ ...config.polling, sources, clock: new ManualClock(now) });
}

describe('configuration and core rules', () => {
  it('every configuration the schema accepts runs a tick and builds its pollers without throwing', () => {
    let accepted = 0;
    fc.assert(
      fc.property(indexRules, fundingRules, polling, (index, funding, timings) => {
        let config: OracleConfig;
        try {
          config = parseConfig(configWith({ index, funding, polling: timings }));
        } catch (err) {
          expect(err).to.be.instanceOf(ConfigError);
          return;
        }
        accepted += 1;
        expect(() => runCoreOn(config)).not.to.throw();
      }),
      { numRuns: 2_000 },
    );
    // The property is empty if nothing is accepted: make sure both sides were exercised.
    expect(accepted).to.be.greaterThan(10);
  });
});
