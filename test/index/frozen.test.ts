/**
 * The frozen filter's cases, one line of data each, for prices (relative move) and funding rates
 * (absolute move): a source whose value has stood still for longer than `frozenAfterMs` while the
 * preliminary median moved beyond the limit since is `frozen`; exactly at either limit it is not;
 * a changed value restarts the clock; without history nothing is frozen; frozen sources do not
 * count toward the quorum. Every source here has no exchange timestamp, like Kraken and OKX.
 */
import { expect } from 'chai';
import { aggregate } from '../../src/index/aggregate.js';
import { aggregateFunding } from '../../src/index/funding.js';
import type { FigurePoint, FundingRules, IndexRules, VerdictKind } from '../../src/index/types.js';
import { FUNDING_PERIOD_MS, type FundingReading, type SourceReading } from '../../src/index/readings.js';
import { PRICE_EXPONENT, RATE_EXPONENT, parseDecimal } from '../../src/core/fixed.js';
import { expectJudged } from './judged.js';

const NOW = 1_700_000_000_000;
const usd = (s: string): bigint => parseDecimal(s, PRICE_EXPONENT);
const pct = (s: string): bigint => parseDecimal(s, RATE_EXPONENT + 2);

const INDEX_RULES: IndexRules = {
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

const FUNDING_RULES: FundingRules = {
  maxAgeMs: 120_000,
  maxExchangeAgeMs: 600_000,
  maxFutureSkewMs: 5_000,
  minRate: pct('-1'),
  maxRate: pct('1'),
  maxDeviation: pct('0.05'),
  quorum: 3,
  premiumQuorum: 2,
  frozenAfterMs: 600_000,
  frozenMove: pct('0.05'),
  minPremium: pct('-5'),
  maxPremium: pct('5'),
  maxPremiumDeviation: pct('0.5'),
};

/** [source, value (USD, or % per 8 h), value unchanged since ms ago or null for unknown, received ms ago] */
type Src = readonly [string, string, number | null, number?];

interface Case {
  readonly name: string;
  /** The figure's earlier preliminary medians: [ms ago, value], oldest first. */
  readonly history: readonly (readonly [number, string])[];
  readonly sources: readonly Src[];
  readonly verdicts: readonly VerdictKind[];
  /** The signed value, or null for a refusal. */
  readonly result: string | null;
  readonly quorum?: number;
  /** Substrings expected in the reason of the source at that position (or of the refusal, key -1). */
  readonly reasons?: Readonly<Record<number, string>>;
}

const A = 'accepted',
  F = 'frozen',
  S = 'stale',
  I = 'implausible';
const HOUR = 3_600_000;
/** Sources that moved a second ago. */
const live = (...values: string[]): Src[] => values.map((v, i) => [`live${i}`, v, 1000] as const);

const PRICE_CASES: readonly Case[] = [
  {
    name: 'still for longer than the limit while the median moved beyond it: frozen',
    history: [[120_000, '97000']],
    sources: [['kraken', '97000', 120_000], ...live('97290', '97300', '97300', '97310')],
    verdicts: [F, A, A, A, A],
    result: '97300',
    reasons: {
      0: 'value unchanged for 120 s (limit 60 s) while the preliminary median moved 0.30% (limit 0.20%), from 97000.00 on the tick 120 s ago to 97300.00',
    },
  },
  {
    name: 'still for exactly the time limit is not frozen, one millisecond more is',
    history: [[120_000, '97000']],
    sources: [['a', '97000', 60_000], ['b', '97000', 60_001], ...live('97300', '97300', '97300', '97300', '97300')],
    verdicts: [A, F, A, A, A, A, A],
    result: '97300',
  },
  {
    name: 'a median move of exactly the limit is not frozen',
    history: [[120_000, '100000']],
    sources: [['a', '100000', 120_000], ...live('100200', '100200', '100200')],
    verdicts: [A, A, A, A],
    result: '100200',
  },
  {
    name: 'a median move one unit over the limit is frozen',
    history: [[120_000, '100000']],
    sources: [['a', '100000', 120_000], ...live('100200.00000001', '100200.00000001', '100200.00000001')],
    verdicts: [F, A, A, A],
    result: '100200.00000001',
    reasons: { 0: 'moved just over 0.20% (limit 0.20%)' },
  },
  {
    name: 'a source whose value changed restarts the clock',
    history: [[120_000, '97000']],
    sources: [['kraken', '97000', 1000], ...live('97290', '97300', '97300', '97310')],
    verdicts: [A, A, A, A, A],
    result: '97300',
  },
  {
    name: 'a source that does not say since when its value stands still is never frozen',
    history: [[120_000, '97000']],
    sources: [['kraken', '97000', null], ...live('97290', '97300', '97300', '97310')],
    verdicts: [A, A, A, A, A],
    result: '97300',
  },
  {
    name: 'without history nothing is frozen',
    history: [],
    sources: [['kraken', '97000', 120_000], ...live('97290', '97300', '97300', '97310')],
    verdicts: [A, A, A, A, A],
    result: '97300',
  },
  {
    name: 'a frozen source does not count toward the quorum',
    history: [[120_000, '97000']],
    sources: [['kraken', '97000', 120_000], ...live('97300', '97310')],
    verdicts: [F, A, A],
    result: null,
    reasons: { [-1]: '2 of 3 sources accepted, quorum is 3 (2 accepted, 1 frozen)' },
  },
  {
    name: 'the figure then is its last point at or before the value last changed',
    history: [
      [300_000, '96000'],
      [120_000, '97300'],
      [60_000, '97000'],
    ],
    sources: [['a', '97300', 100_000], ...live('97290', '97300', '97300', '97310')],
    verdicts: [A, A, A, A, A],
    result: '97300',
  },
  {
    name: 'a value still since before the history is judged from the oldest point',
    history: [
      [100_000, '97000'],
      [50_000, '97100'],
    ],
    sources: [['a', '97000', 500_000], ...live('97290', '97300', '97300', '97310')],
    verdicts: [F, A, A, A, A],
    result: '97300',
    reasons: { 0: 'from 97000.00 on the tick 100 s ago' },
  },
  {
    name: 'staleness and plausibility are judged first',
    history: [[120_000, '97000']],
    sources: [['a', '97000', 120_000, 31_000], ['b', '500', 120_000], ...live('97290', '97300', '97310')],
    verdicts: [S, I, A, A, A],
    result: '97300',
  },
  {
    name: 'frozen is judged before deviation, against the same preliminary median',
    history: [[120_000, '90000']],
    sources: [['a', '90000', 120_000], ...live('97290', '97300', '97300', '97310')],
    verdicts: [F, A, A, A, A],
    result: '97300',
    reasons: { 0: 'moved 8.11% (limit 0.20%), from 90000.00 on the tick 120 s ago to 97300.00' },
  },
];

const RATE_CASES: readonly Case[] = [
  {
    name: 'a venue clamped at 0.01% for hours while the median barely moves is not frozen',
    history: [
      [3 * HOUR, '0.0100'],
      [HOUR, '0.0120'],
    ],
    sources: [['binance', '0.0100', 3 * HOUR], ...live('0.0100', '0.0110', '0.0130', '0.0140')],
    verdicts: [A, A, A, A, A],
    result: '0.0110',
  },
  {
    name: 'a venue that stays put while the median moves beyond the clamp width is frozen, though within the deviation limit',
    history: [[HOUR, '0.0100']],
    sources: [['okx', '0.0400', HOUR], ...live('0.0690', '0.0700', '0.0700', '0.0710')],
    verdicts: [F, A, A, A, A],
    result: '0.0700',
    reasons: {
      0: 'value unchanged for 3600 s (limit 600 s) while the preliminary median moved 0.0600% (limit 0.0500%), from 0.0100% per 8 h on the tick 3600 s ago to 0.0700% per 8 h',
    },
  },
  {
    name: 'a rate median move of exactly the limit is not frozen',
    history: [[HOUR, '-0.0200']],
    sources: [['a', '-0.0200', HOUR], ...live('0.0300', '0.0300', '0.0300')],
    verdicts: [A, A, A, A],
    result: '0.0300',
  },
  {
    name: 'a rate median move one unit over the limit is frozen',
    history: [[HOUR, '-0.0200']],
    sources: [['a', '-0.0200', HOUR], ...live('0.03000001', '0.03000001', '0.03000001')],
    verdicts: [F, A, A, A],
    result: '0.03000001',
    reasons: { 0: 'moved 0.05000001% (limit 0.0500%)' },
  },
  {
    name: 'still for exactly the time limit is not frozen, one millisecond more is',
    history: [[HOUR, '0.0100']],
    sources: [
      ['a', '0.0300', 600_000],
      ['b', '0.0300', 600_001],
      ...live('0.0700', '0.0700', '0.0700', '0.0700', '0.0700'),
    ],
    verdicts: [A, F, A, A, A, A, A],
    result: '0.0700',
  },
];

const ago = (ms: number): number => NOW - ms;
const historyOf = (c: Case, parse: (s: string) => bigint): FigurePoint[] =>
  c.history.map(([a, v]) => ({ at: ago(a), value: parse(v) }));

function priceReading([source, price, since, receivedAgo = 1000]: Src): SourceReading {
  return {
    source,
    quote: 'USD',
    lastError: null,
    observation: { source, price: usd(price), exchangeTs: null, receivedAt: ago(receivedAgo) },
    ...(since === null ? {} : { valueSince: ago(Math.max(since, receivedAgo)) }),
  };
}

function rateReading([source, rate, since, receivedAgo = 1000]: Src): FundingReading {
  return {
    source,
    quote: 'USD',
    lastError: null,
    observation: {
      source,
      rate: pct(rate),
      intervalMs: FUNDING_PERIOD_MS,
      markPrice: null,
      exchangeTs: null,
      receivedAt: ago(receivedAgo),
    },
    ...(since === null ? {} : { valueSince: ago(Math.max(since, receivedAgo)) }),
  };
}

describe('frozen filter: prices (relative move)', () => {
  for (const c of PRICE_CASES) {
    it(c.name, () => {
      const rules = { ...INDEX_RULES, quorum: c.quorum ?? INDEX_RULES.quorum };
      const input = {
        pair: 'BTC/USD',
        target: 'USD',
        readings: c.sources.map(priceReading),
        rules,
        conversions: new Map(),
        now: NOW,
        history: historyOf(c, usd),
      };
      const out = aggregate(input);
      expectJudged(
        out,
        c.sources.map((s) => s[0]),
        c.verdicts,
        NOW,
        c.reasons,
      );
      expect(out.ok ? out.price : null).to.equal(c.result === null ? null : usd(c.result));
    });
  }
});

describe('frozen filter: funding rates (absolute move)', () => {
  for (const c of RATE_CASES) {
    it(c.name, () => {
      const input = {
        pair: 'BTC/USD',
        target: 'USD',
        readings: c.sources.map(rateReading),
        rules: FUNDING_RULES,
        index: null,
        conversions: new Map(),
        now: NOW,
        history: historyOf(c, pct),
      };
      const out = aggregateFunding(input);
      expectJudged(
        out,
        c.sources.map((s) => s[0]),
        c.verdicts,
        NOW,
        c.reasons,
      );
      expect(out.ok ? out.rate : null).to.equal(c.result === null ? null : pct(c.result));
    });
  }
});

describe('frozen filter: the preliminary median the service keeps as history', () => {
  it('is the median of the sources that passed staleness and plausibility, in a refusal too', () => {
    const readings = [
      priceReading(['a', '97000', null]),
      priceReading(['b', '97100', null, 31_000]),
      priceReading(['c', '97200', null]),
    ];
    const out = aggregate({
      pair: 'BTC/USD',
      target: 'USD',
      readings,
      rules: INDEX_RULES,
      conversions: new Map(),
      now: NOW,
      history: [],
    });
    expect(out.ok).to.equal(false);
    expect(out.preliminary).to.equal(usd('97100'));
  });

  it('is null when no source reached it', () => {
    const out = aggregate({
      pair: 'BTC/USD',
      target: 'USD',
      readings: [],
      rules: INDEX_RULES,
      conversions: new Map(),
      now: NOW,
      history: [],
    });
    expect(out.preliminary).to.equal(null);
  });
});
