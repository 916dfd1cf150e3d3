/**
 * The cases people reason about, one line of data each: which verdict every source gets, why, and
 * the index (or refusal) that results. Prices are written as decimal USD strings for readability.
 */
import { expect } from 'chai';
import { aggregate, type AggregateInput } from '../../src/index/aggregate.js';
import type { IndexRules, VerdictKind } from '../../src/index/types.js';
import type { SourceReading } from '../../src/index/readings.js';
import { InputError } from '../../src/core/errors.js';
import { expectJudged, expectResult } from './judged.js';
import { PRICE_EXPONENT, parseDecimal } from '../../src/core/fixed.js';

const NOW = 1_700_000_000_000;
const usd = (s: string): bigint => parseDecimal(s, PRICE_EXPONENT);

/** The defaults of config/default.json for BTC/USD. */
const RULES: IndexRules = {
  maxAgeMs: 30_000,
  maxExchangeAgeMs: 60_000,
  maxFutureSkewMs: 5_000,
  minPrice: usd('1000'),
  maxPrice: usd('10000000'),
  maxDeviationBps: 100,
  quorum: 3,
  frozenAfterMs: 60_000,
  frozenMoveBps: 20,
};

/** [source, quote, price or null for no observation, received ms ago, exchange ts ms ago or null, lastError] */
type Src = readonly [string, string, string | null, number, number | null, string?];

interface Case {
  readonly name: string;
  readonly sources: readonly Src[];
  readonly rates?: Readonly<Record<string, string>>;
  /** Verdict per source, in input order. */
  readonly verdicts: readonly VerdictKind[];
  /** Index price in USD, or null when the aggregator must refuse. */
  readonly index: string | null;
  readonly dispersionPpm?: number;
  /** Substrings expected in the reason of the source at that position (or of the refusal, key -1). */
  readonly reasons?: Readonly<Record<number, string>>;
  /** Converted price expected for the source at that position. */
  readonly converted?: Readonly<Record<number, string>>;
}

const A = 'accepted',
  S = 'stale',
  I = 'implausible',
  O = 'outlier',
  E = 'error';

const CASES: readonly Case[] = [
  {
    name: 'all fresh and close',
    sources: [
      ['a:BTC/USD', 'USD', '97000', 1000, 2000],
      ['b:BTC/USD', 'USD', '97010', 1000, 2000],
      ['c:BTC/USD', 'USD', '96990', 1000, 2000],
    ],
    verdicts: [A, A, A],
    index: '97000',
    dispersionPpm: 103,
    reasons: { 1: '0.01% from preliminary median 97000.00, limit 1.00%' },
  },
  {
    name: 'one stale by receive time',
    sources: [
      ['a:BTC/USD', 'USD', '97000', 1000, 2000],
      ['b:BTC/USD', 'USD', '97010', 1000, 2000],
      ['c:BTC/USD', 'USD', '96990', 1000, 2000],
      ['d:BTC/USD', 'USD', '50000', 41_200, 41_300],
    ],
    verdicts: [A, A, A, S],
    index: '97000',
    reasons: { 3: 'received 41.2 s ago, limit 30 s' },
  },
  {
    name: 'receive age exactly at the limit is fresh',
    sources: [
      ['a:BTC/USD', 'USD', '97000', 30_000, null],
      ['b:BTC/USD', 'USD', '97010', 30_001, null],
      ['c:BTC/USD', 'USD', '96990', 0, null],
    ],
    verdicts: [A, S, A],
    index: null,
    reasons: {
      1: 'received 30.0 s ago, limit 30 s',
      [-1]: '2 of 3 sources accepted, quorum is 3 (2 accepted, 1 stale)',
    },
  },
  {
    name: 'one stale by exchange timestamp',
    sources: [
      ['a:BTC/USD', 'USD', '97000', 1000, 2000],
      ['b:BTC/USD', 'USD', '97010', 1000, 61_000],
      ['c:BTC/USD', 'USD', '96990', 1000, 2000],
      ['d:BTC/USD', 'USD', '97005', 1000, 60_000],
    ],
    verdicts: [A, S, A, A],
    index: '97000',
    reasons: { 1: 'exchange timestamp 61 s old, limit 60 s' },
  },
  {
    name: 'Kraken-like null exchange ts: receive time alone decides',
    sources: [
      ['kraken:BTC/USD', 'USD', '97000', 29_000, null],
      ['b:BTC/USD', 'USD', '97010', 1000, 2000],
      ['c:BTC/USD', 'USD', '96990', 1000, 2000],
    ],
    verdicts: [A, A, A],
    index: '97000',
  },
  {
    name: 'exchange clock ahead',
    sources: [
      ['a:BTC/USD', 'USD', '97000', 1000, -6_000],
      ['b:BTC/USD', 'USD', '97010', 1000, -5_000],
      ['c:BTC/USD', 'USD', '96990', 1000, 2000],
      ['d:BTC/USD', 'USD', '97001', 1000, 0],
    ],
    verdicts: [S, A, A, A],
    index: '97001',
    reasons: { 0: 'exchange clock ahead by 6 s, limit 5 s' },
  },
  {
    name: 'implausible prices: below floor, zero, negative, above ceiling',
    sources: [
      ['a:BTC/USD', 'USD', '999.99999999', 0, 0],
      ['b:BTC/USD', 'USD', '0', 0, 0],
      ['c:BTC/USD', 'USD', '-97000', 0, 0],
      ['d:BTC/USD', 'USD', '10000000.00000001', 0, 0],
      ['e:BTC/USD', 'USD', '1000', 0, 0],
      ['f:BTC/USD', 'USD', '10000000', 0, 0],
    ],
    verdicts: [I, I, I, I, O, O],
    index: null,
    reasons: {
      0: 'price 999.99999999 USD outside plausible range 1000.00..10000000.00',
      1: 'price 0.00 USD is not positive',
      2: 'not positive',
      3: 'outside plausible range',
      [-1]: '0 of 6 sources accepted, quorum is 3 (4 implausible, 2 outlier)',
    },
  },
  {
    name: 'outlier at 3.42% of the preliminary median',
    sources: [
      ['a:BTC/USD', 'USD', '96990', 0, 0],
      ['b:BTC/USD', 'USD', '97000', 0, 0],
      ['c:BTC/USD', 'USD', '97010', 0, 0],
      ['d:BTC/USD', 'USD', '100317.4', 0, 0],
      ['e:BTC/USD', 'USD', '97000', 0, 0],
    ],
    verdicts: [A, A, A, O, A],
    index: '97000',
    reasons: { 3: '3.42% from preliminary median 97000.00, limit 1.00%' },
  },
  {
    name: 'deviation exactly at the limit is accepted, one unit more is not',
    sources: [
      ['a:BTC/USD', 'USD', '97000', 0, 0],
      ['b:BTC/USD', 'USD', '97000', 0, 0],
      ['c:BTC/USD', 'USD', '97970', 0, 0],
      ['d:BTC/USD', 'USD', '97970.00000001', 0, 0],
      ['e:BTC/USD', 'USD', '96000', 0, 0],
    ],
    verdicts: [A, A, A, O, O],
    index: '97000',
    reasons: { 2: '1.00% from preliminary median', 3: 'just over 1.00% from preliminary median 97000.00, limit 1.00%' },
  },
  {
    name: 'USDT converted half-to-even (rounds up to even)',
    sources: [
      ['binance:BTC/USDT', 'USDT', '97019.400025', 0, 0],
      ['b:BTC/USD', 'USD', '97000', 0, 0],
      ['c:BTC/USD', 'USD', '97001', 0, 0],
    ],
    rates: { USDT: '0.9998' },
    verdicts: [A, A, A],
    index: '97000',
    converted: { 0: '96999.996145' },
  },
  {
    name: 'USDT converted half-to-even (rounds down to even)',
    sources: [
      ['binance:BTC/USDT', 'USDT', '97019.400075', 0, 0],
      ['b:BTC/USD', 'USD', '97000', 0, 0],
      ['c:BTC/USD', 'USD', '96990', 0, 0],
    ],
    rates: { USDT: '0.9998' },
    verdicts: [A, A, A],
    index: '96999.99619498',
    converted: { 0: '96999.99619498' },
  },
  {
    name: 'USDT is not assumed to be 1 USD',
    sources: [
      ['binance:BTC/USDT', 'USDT', '100000', 0, 0],
      ['b:BTC/USD', 'USD', '95000', 0, 0],
      ['c:BTC/USD', 'USD', '95010', 0, 0],
    ],
    rates: { USDT: '0.95' },
    verdicts: [A, A, A],
    index: '95000',
    converted: { 0: '95000' },
  },
  {
    name: 'USDT source without a rate this tick',
    sources: [
      ['binance:BTC/USDT', 'USDT', '97000', 0, 0],
      ['b:BTC/USD', 'USD', '97000', 0, 0],
      ['c:BTC/USD', 'USD', '97001', 0, 0],
      ['d:BTC/USD', 'USD', '97002', 0, 0],
    ],
    verdicts: [E, A, A, A],
    index: '97001',
    reasons: { 0: 'no USDT/USD rate this tick' },
  },
  {
    name: 'below quorum, with per-verdict counts',
    sources: [
      ['a:BTC/USD', 'USD', '97000', 0, 0],
      ['b:BTC/USD', 'USD', '97001', 0, 0],
      ['c:BTC/USD', 'USD', '97002', 31_000, 0],
      ['d:BTC/USD', 'USD', null, 0, null, 'ECONNRESET'],
      ['e:BTC/USD', 'USD', null, 0, null],
      ['f:BTC/USD', 'USD', '1', 0, 0],
    ],
    verdicts: [A, A, S, E, E, I],
    index: null,
    reasons: {
      3: 'ECONNRESET',
      4: 'no observation yet',
      [-1]: '2 of 6 sources accepted, quorum is 3 (2 accepted, 1 stale, 1 implausible, 2 error)',
    },
  },
  {
    name: 'a fetch error newer than a fresh observation does not reject it',
    sources: [
      ['a:BTC/USD', 'USD', '97000', 5000, 5000, 'timeout'],
      ['b:BTC/USD', 'USD', '97001', 0, 0],
      ['c:BTC/USD', 'USD', '97002', 0, 0],
    ],
    verdicts: [A, A, A],
    index: '97001',
  },
  {
    name: 'a rejected source mentions its newer fetch error',
    sources: [
      ['a:BTC/USD', 'USD', '97000', 45_000, 45_000, 'HTTP 503'],
      ['b:BTC/USD', 'USD', '97001', 0, 0],
      ['c:BTC/USD', 'USD', '97002', 0, 0],
      ['d:BTC/USD', 'USD', '97003', 0, 0],
    ],
    verdicts: [S, A, A, A],
    index: '97002',
    reasons: { 0: 'received 45 s ago, limit 30 s; last fetch failed: HTTP 503' },
  },
  {
    name: 'even count: floor of the mean of the middle two',
    sources: [
      ['a:BTC/USD', 'USD', '97000.00000001', 0, 0],
      ['b:BTC/USD', 'USD', '97000.00000002', 0, 0],
      ['c:BTC/USD', 'USD', '96990', 0, 0],
      ['d:BTC/USD', 'USD', '97010', 0, 0],
    ],
    verdicts: [A, A, A, A],
    index: '97000.00000001',
  },
  {
    name: 'dispersion: max distance from the index in ppm',
    sources: [
      ['a:BTC/USD', 'USD', '97000', 0, 0],
      ['b:BTC/USD', 'USD', '97097', 0, 0],
      ['c:BTC/USD', 'USD', '96903', 0, 0],
    ],
    verdicts: [A, A, A],
    index: '97000',
    dispersionPpm: 1000,
  },
  {
    name: 'no readings at all',
    sources: [],
    verdicts: [],
    index: null,
    reasons: { [-1]: '0 of 0 sources accepted, quorum is 3' },
  },
];

function reading([source, quote, price, receivedAgo, exchangeAgo, lastError]: Src): SourceReading {
  return {
    source,
    quote,
    observation:
      price === null
        ? null
        : {
            source,
            price: usd(price),
            receivedAt: NOW - receivedAgo,
            exchangeTs: exchangeAgo === null ? null : NOW - exchangeAgo,
          },
    lastError: lastError ?? null,
  };
}

function inputOf(c: Case): AggregateInput {
  return {
    pair: 'BTC/USD',
    target: 'USD',
    readings: c.sources.map(reading),
    rules: RULES,
    conversions: new Map(Object.entries(c.rates ?? {}).map(([q, r]) => [q, usd(r)])),
    now: NOW,
    history: [],
  };
}

describe('aggregate: the cases people reason about', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const out = aggregate(inputOf(c));
      expectJudged(
        out,
        c.sources.map((s) => s[0]),
        c.verdicts,
        NOW,
        c.reasons,
      );
      for (const [pos, price] of Object.entries(c.converted ?? {})) {
        expect(out.verdicts[Number(pos)]?.price).to.equal(usd(price));
      }
      expectResult(
        out,
        c.index === null ? null : usd(c.index),
        (signed) => (signed.ok ? signed.price : -1n),
        c.dispersionPpm,
      );
    });
  }

  it('hands accepted observations on in the target quote, sorted by source id, with their times', () => {
    const c = CASES.find((x) => x.name.startsWith('USDT is not assumed')) as Case;
    const out = aggregate(inputOf(c));
    if (!out.ok) throw new Error(out.reason);
    expect(out.accepted).to.deep.equal([
      { source: 'b:BTC/USD', price: usd('95000'), exchangeTs: NOW, receivedAt: NOW },
      { source: 'binance:BTC/USDT', price: usd('95000'), exchangeTs: NOW, receivedAt: NOW },
      { source: 'c:BTC/USD', price: usd('95010'), exchangeTs: NOW, receivedAt: NOW },
    ]);
    const binance = out.verdicts[0];
    expect(binance?.rawPrice).to.equal(usd('100000'));
    expect(binance?.quote).to.equal('USDT');
    expect(binance?.deviationBps).to.equal(0);
  });

  it('records age, floored deviation and the raw observation in each verdict', () => {
    const out = aggregate(inputOf(CASES[1] as Case));
    const [a, , , d] = out.verdicts;
    expect(a).to.deep.equal({
      source: 'a:BTC/USD',
      verdict: 'accepted',
      reason: '0.00% from preliminary median 97000.00, limit 1.00%',
      quote: 'USD',
      rawPrice: usd('97000'),
      price: usd('97000'),
      exchangeTs: NOW - 2000,
      receivedAt: NOW - 1000,
      ageMs: 1000,
      deviationBps: 0,
    });
    expect(d?.ageMs).to.equal(41_200);
    expect(d?.deviationBps).to.equal(null);
  });
});

describe('aggregate: rejects malformed input', () => {
  const good = inputOf(CASES[0] as Case);
  const first = good.readings[0] as SourceReading;
  const bad: ReadonlyArray<readonly [string, Partial<AggregateInput>, string]> = [
    ['quorum 0', { rules: { ...RULES, quorum: 0 } }, 'quorum'],
    ['fractional quorum', { rules: { ...RULES, quorum: 1.5 } }, 'quorum'],
    ['negative max age', { rules: { ...RULES, maxAgeMs: -1 } }, 'maxAgeMs'],
    ['deviation above 100%', { rules: { ...RULES, maxDeviationBps: 10_001 } }, 'maxDeviationBps'],
    ['zero price floor', { rules: { ...RULES, minPrice: 0n } }, 'minPrice'],
    ['floor above ceiling', { rules: { ...RULES, minPrice: usd('2'), maxPrice: usd('1') } }, 'minPrice'],
    ['non-integer now', { now: 1.5 }, 'now'],
    ['empty target', { target: '' }, 'target'],
    ['zero conversion rate', { conversions: new Map([['USDT', 0n]]) }, 'USDT'],
    ['duplicate source', { readings: [first, first] }, 'duplicate source a:BTC/USD'],
    [
      'observation from another source',
      { readings: [{ ...first, source: 'x:BTC/USD' }] },
      'observation is from a:BTC/USD',
    ],
    [
      'fractional receive time',
      { readings: [{ ...first, observation: { ...first.observation!, receivedAt: 0.5 } }] },
      'receivedAt',
    ],
    ['fractional value since', { readings: [{ ...first, valueSince: 0.5 }] }, 'valueSince'],
    ['negative frozen move', { rules: { ...RULES, frozenMoveBps: -1 } }, 'frozenMoveBps'],
    ['negative frozen time', { rules: { ...RULES, frozenAfterMs: -1 } }, 'frozenAfterMs'],
    ['zero price in the history', { history: [{ at: NOW - 1, value: 0n }] }, 'positive'],
    [
      'history twice at one time',
      {
        history: [
          { at: NOW - 1, value: 1n },
          { at: NOW - 1, value: 1n },
        ],
      },
      'history[1].at',
    ],
  ];
  for (const [name, patch, text] of bad) {
    it(name, () => {
      expect(() => aggregate({ ...good, ...patch })).to.throw(InputError, text);
    });
  }
});
