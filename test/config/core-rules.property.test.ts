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

const defaults = JSON.parse(readFileSync(new URL('../../config/default.json', import.meta.url), 'utf8')) as Record<
  string,
  unknown
>;

/** Mostly values a configuration would hold, sometimes the edge cases the core refuses. */
const mostly = <T>(usual: fc.Arbitrary<T>, edge: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  fc.oneof({ arbitrary: usual, weight: 6 }, { arbitrary: edge, weight: 1 });
const PRICES = ['0', '0.00000001', '0.5', '1', '1000', '10000000', '99999999'];
const RATES = ['-1', '-0.01', '0', '0.0000000001', '0.0005', '0.01', '0.05'];
/** A lower and an upper bound from `values` (ascending), mostly in order, sometimes inverted. */
const bounds = (values: readonly string[]) =>
  fc.tuple(fc.nat(values.length - 1), fc.nat(values.length - 1), fc.nat(6)).map(([a, b, invert]) => {
    const [low, high] = (invert === 0) === a <= b ? [b, a] : [a, b];
    return [values[low] as string, values[high] as string] as const;
  });
const limit = mostly(fc.constantFrom('0.0005', '0.01', '0.05'), fc.constantFrom('-1', '0', '0.0000000001'));
const ms = mostly(fc.integer({ min: 1, max: 200_000 }), fc.constantFrom(-1, 0));

const count = mostly(fc.integer({ min: 1, max: 3 }), fc.constantFrom(-1, 0, 7));
const bps = mostly(fc.integer({ min: 1, max: 10_000 }), fc.constantFrom(-1, 0, 10_001));

const indexRules = fc.record({
  prices: bounds(PRICES),
  maxDeviationBps: bps,
  quorum: count,
  maxAgeMs: ms,
  maxExchangeAgeMs: ms,
  maxFutureSkewMs: ms,
  frozenAfterMs: ms,
  frozenMoveBps: bps,
});

const fundingRules = fc.record({
  rates: bounds(RATES),
  maxDeviation: limit,
  quorum: count,
  premiumQuorum: count,
  maxAgeMs: ms,
  frozenAfterMs: ms,
  frozenMove: limit,
  premiums: bounds(RATES),
  maxPremiumDeviation: limit,
});

const polling = fc.record({
  intervalMs: ms,
  timeoutMs: ms,
  backoff: bounds(['-1', '0', '1', '1000', '60000']).map(([a, b]) => [Number(a), Number(b)] as const),
});

type Generated<A> = A extends fc.Arbitrary<infer T> ? T : never;

function configWith(
  { prices, ...index }: Generated<typeof indexRules>,
  { rates, premiums, ...funding }: Generated<typeof fundingRules>,
  { backoff, ...timings }: Generated<typeof polling>,
): unknown {
  const raw = structuredClone(defaults) as { index: { rules: object }; funding: { rules: object }; polling: object };
  raw.index.rules = { ...raw.index.rules, ...index, minPrice: prices[0], maxPrice: prices[1] };
  raw.funding.rules = {
    ...raw.funding.rules,
    ...funding,
    minRate: rates[0],
    maxRate: rates[1],
    minPremium: premiums[0],
    maxPremium: premiums[1],
  };
  raw.polling = { ...raw.polling, ...timings, backoffInitialMs: backoff[0], backoffMaxMs: backoff[1] };
  return raw;
}

/** Runs every piece of the core the configuration feeds, the way a running oracle does. */
function runCoreOn(config: OracleConfig): void {
  const now = 1_700_000_000_000;
  const history = [{ at: now - 5_000, value: 9_700_000_000_000n }];
  aggregate({
    pair: config.index.pair,
    target: 'USD',
    readings: [],
    rules: config.index.rules,
    conversions: new Map(),
    now,
    history,
  });
  const funding = config.funding;
  if (funding) {
    const input = {
      pair: funding.pair,
      target: 'USD',
      readings: [],
      rules: funding.rules,
      index: null,
      conversions: new Map(),
      now,
      history,
    };
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
          config = parseConfig(configWith(index, funding, timings));
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
