/**
 * The funding cases people reason about, one line of data each: which verdict every perpetual gets,
 * why, the signed rate (or refusal) and the premium over the spot index, with each mark's verdict.
 * Rates are written as percentages per 8 h ("0.0100" is 0.01% = 10^-4), prices as decimal strings.
 */
import { expect } from 'chai';
import { aggregateFunding, type FundingInput } from '../../src/index/funding.js';
import type { FundingRules, VerdictKind } from '../../src/index/types.js';
import { FUNDING_PERIOD_MS, type FundingReading } from '../../src/index/readings.js';
import { InputError } from '../../src/core/errors.js';
import { expectJudged, expectResult } from './judged.js';
import { PRICE_EXPONENT, RATE_EXPONENT, parseDecimal } from '../../src/core/fixed.js';

const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;
const usd = (s: string): bigint => parseDecimal(s, PRICE_EXPONENT);
/** A percentage ("0.0100") as a ratio at RATE_EXPONENT. */
const pct = (s: string): bigint => parseDecimal(s, RATE_EXPONENT + 2);

/** The defaults of config/default.json for funding. */
const RULES: FundingRules = {
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

/** [source, quote, % per 8 h or null for no observation, received ms ago, exchange ts ms ago or null, mark or null, lastError] */
type Src = readonly [string, string, string | null, number, number | null, string | null, string?];

interface Case {
  readonly name: string;
  readonly sources: readonly Src[];
  /** Spot index in USD; null for none this tick. Defaults to 97000. */
  readonly index?: string | null;
  readonly rates?: Readonly<Record<string, string>>;
  readonly verdicts: readonly VerdictKind[];
  /** Signed rate in % per 8 h, or null when the aggregator must refuse. */
  readonly rate: string | null;
  readonly dispersionPpm?: number;
  /** Premium in %, or the substring of its refusal reason as { no: ... }. */
  readonly premium?: string | { readonly no: string };
  readonly premiumDispersionPpm?: number;
  /** The verdict on each source's mark, in input order. */
  readonly premiumVerdicts?: readonly VerdictKind[];
  /** Substrings expected in the reason of the verdict on the mark of the source at that position. */
  readonly premiumReasons?: Readonly<Record<number, string>>;
  /** Substrings expected in the reason of the source at that position (or of the refusal, key -1). */
  readonly reasons?: Readonly<Record<number, string>>;
}

const A = 'accepted',
  S = 'stale',
  I = 'implausible',
  O = 'outlier',
  E = 'error';
const fresh = (source: string, rate: string, mark: string | null = null): Src => [
  source,
  'USD',
  rate,
  1000,
  2000,
  mark,
];

const CASES: readonly Case[] = [
  {
    name: 'all agree',
    sources: [fresh('a', '0.0100'), fresh('b', '0.0110'), fresh('c', '0.0090')],
    verdicts: [A, A, A],
    rate: '0.0100',
    dispersionPpm: 10,
    reasons: { 1: '0.0110% per 8 h, 0.0010% from preliminary median 0.0100%, limit 0.0500%' },
  },
  {
    name: 'negative rates: shorts pay longs, median of an even count is floored',
    sources: [fresh('a', '-0.0200'), fresh('b', '-0.0150'), fresh('c', '-0.0250'), fresh('d', '-0.0180')],
    verdicts: [A, A, A, A],
    rate: '-0.0190',
    dispersionPpm: 60,
    reasons: { 2: '-0.0250% per 8 h, 0.0060% from preliminary median -0.0190%' },
  },
  {
    name: 'rates straddling zero',
    sources: [fresh('a', '-0.0020'), fresh('b', '0.0010'), fresh('c', '0.0030')],
    verdicts: [A, A, A],
    rate: '0.0010',
    dispersionPpm: 30,
  },
  {
    name: 'one venue at +0.75% among ~0.01%: outlier by the absolute limit',
    sources: [
      fresh('a', '0.0100'),
      fresh('b', '0.0120'),
      fresh('c', '0.0080'),
      fresh('d', '0.7500'),
      fresh('e', '0.0100'),
    ],
    verdicts: [A, A, A, O, A],
    rate: '0.0100',
    dispersionPpm: 20,
    reasons: { 3: '0.7500% per 8 h, 0.7400% from preliminary median 0.0100%, limit 0.0500%' },
  },
  {
    name: 'deviation exactly at the limit is accepted, one unit more is not',
    sources: [
      fresh('a', '0.0100'),
      fresh('b', '0.0100'),
      fresh('c', '0.0600'),
      fresh('d', '0.06000001'),
      fresh('e', '-0.0400'),
    ],
    verdicts: [A, A, A, O, A],
    rate: '0.0100',
    dispersionPpm: 500,
    reasons: {
      2: '0.0500% from preliminary median 0.0100%',
      3: '0.06000001% per 8 h, 0.05000001% from preliminary median 0.0100%',
    },
  },
  {
    name: 'below quorum, with per-verdict counts',
    sources: [
      fresh('a', '0.0100'),
      fresh('b', '0.0100'),
      ['c', 'USD', '0.0100', 121_000, 0, null],
      ['d', 'USD', null, 0, null, null, 'HTTP 429'],
    ],
    verdicts: [A, A, S, E],
    rate: null,
    premium: { no: 'no funding rate this tick' },
    reasons: {
      2: 'received 121 s ago, limit 120 s',
      3: 'HTTP 429',
      [-1]: '2 of 4 sources accepted, quorum is 3 (2 accepted, 1 stale, 1 error)',
    },
  },
  {
    name: 'stale by receive time, by exchange time, and exchange clock ahead',
    sources: [
      fresh('a', '0.0100'),
      fresh('b', '0.0100'),
      fresh('c', '0.0100'),
      ['d', 'USD', '0.0100', 120_001, null, null],
      ['e', 'USD', '0.0100', 0, 600_001, null],
      ['f', 'USD', '0.0100', 0, -5_001, null],
      ['g', 'USD', '0.0100', 120_000, 600_000, null, 'timeout'],
    ],
    verdicts: [A, A, A, S, S, S, A],
    rate: '0.0100',
    reasons: {
      3: 'received 120.0 s ago, limit 120 s',
      4: 'exchange timestamp 600.0 s old, limit 600 s',
      5: 'exchange clock ahead by 5.0 s, limit 5 s',
    },
  },
  {
    name: 'implausible rates outside [-1%, +1%]; the bounds themselves are plausible',
    sources: [
      fresh('a', '1.0001'),
      fresh('b', '-1.5000'),
      fresh('c', '1.0000'),
      fresh('d', '-1.0000'),
      fresh('e', '0.0100'),
      fresh('f', '0.0100'),
      fresh('g', '0.0100'),
    ],
    verdicts: [I, I, O, O, A, A, A],
    rate: '0.0100',
    reasons: {
      0: '1.0001% per 8 h outside plausible range -1.0000%..1.0000%',
      1: '-1.5000% per 8 h outside plausible range',
    },
  },
  {
    name: 'a rejected source mentions its newer fetch error',
    sources: [
      ['a', 'USD', '0.0100', 200_000, null, null, 'ECONNRESET'],
      fresh('b', '0.0100'),
      fresh('c', '0.0100'),
      fresh('d', '0.0100'),
    ],
    verdicts: [S, A, A, A],
    rate: '0.0100',
    reasons: { 0: 'received 200 s ago, limit 120 s; last fetch failed: ECONNRESET' },
  },
  {
    name: 'no readings at all',
    sources: [],
    verdicts: [],
    rate: null,
    premium: { no: 'no funding rate this tick' },
    reasons: { [-1]: '0 of 0 sources accepted, quorum is 3' },
  },
  {
    name: 'premium from USD and USDT marks (USDT at its observed rate)',
    sources: [fresh('a', '0.0100', '97097'), ['b', 'USDT', '0.0100', 0, 0, '97000'], fresh('c', '0.0100', '97048.5')],
    rates: { USDT: '0.9998' },
    verdicts: [A, A, A],
    rate: '0.0100',
    premium: '0.0500',
    premiumDispersionPpm: 700,
    premiumVerdicts: [A, A, A],
    premiumReasons: { 0: 'premium 0.1000%, 0.0500% from preliminary median 0.0500%, limit 0.5000%' },
  },
  {
    name: 'premium without a spot index this tick: the rate is still signed',
    sources: [fresh('a', '0.0100', '97097'), fresh('b', '0.0100', '97000'), fresh('c', '0.0100', '97000')],
    index: null,
    verdicts: [A, A, A],
    rate: '0.0100',
    premium: { no: 'no spot index this tick' },
    premiumVerdicts: [],
  },
  {
    name: 'premium below its quorum: no mark, or a USDT mark without a rate',
    sources: [fresh('a', '0.0100', '97097'), fresh('b', '0.0100'), ['c', 'USDT', '0.0100', 0, 0, '97000']],
    verdicts: [A, A, A],
    rate: '0.0100',
    premium: { no: 'mark prices: 1 of 3 sources accepted, quorum is 2 (1 accepted, 2 error)' },
    premiumVerdicts: [A, E, E],
    premiumReasons: { 1: 'no mark price', 2: 'no USDT/USD rate this tick' },
  },
  {
    name: 'premium ignores the marks of rejected sources, with their rate verdict',
    sources: [
      fresh('a', '0.0100', '97097'),
      fresh('b', '0.0100', '96903'),
      fresh('c', '0.0100', null),
      fresh('d', '0.9000', '194000'),
      ['e', 'USD', '0.0100', 999_000, 0, '0.01'],
    ],
    verdicts: [A, A, A, O, S],
    rate: '0.0100',
    premium: '0.0000',
    premiumDispersionPpm: 1000,
    premiumVerdicts: [A, A, E, O, S],
    premiumReasons: {
      3: 'funding rate outlier, so its mark is not used either: 0.9000% per 8 h',
      4: 'received 999 s ago, limit 120 s',
    },
  },
  {
    name: 'premium rounds half to even at 10^-10 (ties at 0.5 and 1.5 units)',
    sources: [
      fresh('a', '0.0100', '80000.000004'),
      fresh('b', '0.0100', '80000.000012'),
      fresh('c', '0.0100', '80000.000012'),
    ],
    index: '80000',
    verdicts: [A, A, A],
    rate: '0.0100',
    premium: '0.00000002',
    premiumDispersionPpm: 0,
  },
  // Issue 8: with premiumQuorum 2, two marks were enough, and a broken one made the median -26 %.
  {
    name: 'premium is never signed from a mark that gives -53 %, even when only two marks remain',
    sources: [fresh('a', '0.0100', '97097'), fresh('b', '0.0100', '45590'), fresh('c', '0.0100')],
    verdicts: [A, A, A],
    rate: '0.0100',
    premium: { no: 'mark prices: 1 of 3 sources accepted, quorum is 2 (1 accepted, 1 implausible, 1 error)' },
    premiumVerdicts: [A, I, E],
    premiumReasons: {
      1: 'premium -53.0000% (mark 45590.00 USD over index 97000.00) outside plausible range -5.0000%..5.0000%',
    },
  },
  {
    name: 'premium is never signed from a mark in the wrong unit (1000x), even when only two marks remain',
    sources: [fresh('a', '0.0100', '97097'), fresh('b', '0.0100', '97000000'), fresh('c', '0.0100')],
    verdicts: [A, A, A],
    rate: '0.0100',
    premium: { no: 'mark prices: 1 of 3 sources accepted, quorum is 2 (1 accepted, 1 implausible, 1 error)' },
    premiumVerdicts: [A, I, E],
  },
  {
    name: 'premium: a mark 1000x off among three is implausible and the other two are signed',
    sources: [fresh('a', '0.0100', '97097'), fresh('b', '0.0100', '97000000'), fresh('c', '0.0100', '96903')],
    verdicts: [A, A, A],
    rate: '0.0100',
    premium: '0.0000',
    premiumVerdicts: [A, I, A],
    premiumReasons: { 1: 'premium 99900.0000% (mark 97000000.00 USD over index 97000.00) outside plausible range' },
  },
  {
    name: 'premium: a plausible mark 1 % away is an outlier by the absolute limit, exactly at the limit is accepted',
    sources: [
      fresh('a', '0.0100', '97000'),
      fresh('b', '0.0100', '97000'),
      fresh('c', '0.0100', '97000'),
      fresh('d', '0.0100', '97000'),
      fresh('e', '0.0100', '97970'),
      fresh('f', '0.0100', '97485'),
      fresh('g', '0.0100', '97485.0001'),
    ],
    verdicts: [A, A, A, A, A, A, A],
    rate: '0.0100',
    premium: '0.0000',
    premiumDispersionPpm: 5000,
    premiumVerdicts: [A, A, A, A, O, A, O],
    premiumReasons: {
      4: 'premium 1.0000%, 1.0000% from preliminary median 0.0000%, limit 0.5000%',
      5: 'premium 0.5000%, 0.5000% from preliminary median 0.0000%, limit 0.5000%',
      6: 'premium 0.5000001%, 0.5000001% from preliminary median',
    },
  },
  {
    name: 'premium: zero and negative marks are implausible',
    sources: [
      fresh('a', '0.0100', '97000'),
      fresh('b', '0.0100', '97001'),
      fresh('c', '0.0100', '0'),
      fresh('d', '0.0100', '-97000'),
    ],
    verdicts: [A, A, A, A],
    rate: '0.0100',
    premium: '0.00051546',
    premiumVerdicts: [A, A, I, I],
    premiumReasons: { 2: 'mark price 0.00 USD is not positive', 3: 'mark price -97000.00 USD is not positive' },
  },
];

function reading([source, quote, rate, receivedAgo, exchangeAgo, mark, lastError]: Src): FundingReading {
  return {
    source,
    quote,
    observation:
      rate === null
        ? null
        : {
            source,
            rate: pct(rate),
            intervalMs: FUNDING_PERIOD_MS,
            markPrice: mark === null ? null : usd(mark),
            receivedAt: NOW - receivedAgo,
            exchangeTs: exchangeAgo === null ? null : NOW - exchangeAgo,
          },
    lastError: lastError ?? null,
  };
}

function inputOf(c: Case): FundingInput {
  return {
    pair: 'BTC/USD',
    target: 'USD',
    readings: c.sources.map(reading),
    rules: RULES,
    index: c.index === null ? null : usd(c.index ?? '97000'),
    conversions: new Map(Object.entries(c.rates ?? {}).map(([q, r]) => [q, usd(r)])),
    now: NOW,
    history: [],
  };
}

describe('aggregateFunding: the cases people reason about', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const out = aggregateFunding(inputOf(c));
      expectJudged(
        out,
        c.sources.map((s) => s[0]),
        c.verdicts,
        NOW,
        c.reasons,
      );
      expect(out.verdicts.every((v) => v.deviationBps === null)).to.equal(true);
      if (c.premium !== undefined) {
        if (typeof c.premium === 'string') {
          if (!out.premium.ok) throw new Error(`expected a premium, got: ${out.premium.reason}`);
          expect(out.premium.value).to.equal(pct(c.premium));
          if (c.premiumDispersionPpm !== undefined) expect(out.premium.dispersionPpm).to.equal(c.premiumDispersionPpm);
        } else {
          expect(out.premium.ok, out.premium.ok ? `signed a premium of ${out.premium.value}` : '').to.equal(false);
          if (!out.premium.ok) expect(out.premium.reason).to.include(c.premium.no);
        }
      }
      if (c.premiumVerdicts !== undefined) {
        expect(out.premium.verdicts.map((v) => v.verdict)).to.deep.equal(c.premiumVerdicts);
        expect(out.premium.verdicts.every((v) => v.deviationBps === null)).to.equal(true);
      }
      for (const [pos, text] of Object.entries(c.premiumReasons ?? {}))
        expect(out.premium.verdicts[Number(pos)]?.reason).to.include(text);
      expectResult(
        out,
        c.rate === null ? null : pct(c.rate),
        (signed) => (signed.ok ? signed.rate : -1n),
        c.dispersionPpm,
      );
    });
  }

  it('lists each contribution to the premium with its times, sorted by source id, USDT converted first', () => {
    const c = CASES.find((x) => x.name.startsWith('premium from USD and USDT')) as Case;
    const out = aggregateFunding({ ...inputOf(c), readings: [...inputOf(c).readings].reverse() });
    if (!out.ok || !out.premium.ok) throw new Error('expected a premium');
    // 97000 USDT * 0.9998 = 96980.6 USD, 0.02% under the index.
    expect(out.premium.contributions).to.deep.equal([
      { source: 'a', premium: pct('0.1000'), exchangeTs: NOW - 2000, receivedAt: NOW - 1000 },
      { source: 'b', premium: pct('-0.0200'), exchangeTs: NOW, receivedAt: NOW },
      { source: 'c', premium: pct('0.0500'), exchangeTs: NOW - 2000, receivedAt: NOW - 1000 },
    ]);
    // On /sources a mark's verdict shows the mark as quoted and its premium.
    expect(out.premium.verdicts.map((v) => [v.source, v.quote, v.rawPrice, v.price])).to.deep.equal([
      ['c', 'USD', usd('97048.5'), pct('0.0500')],
      ['b', 'USDT', usd('97000'), pct('-0.0200')],
      ['a', 'USD', usd('97097'), pct('0.1000')],
    ]);
  });

  it("records the venue's own-interval rate as rawPrice and the 8 h rate as price", () => {
    const at = (source: string, rate8h: string, intervalMs: number): FundingReading => ({
      source,
      quote: 'USDT',
      lastError: null,
      observation: { source, rate: pct(rate8h), intervalMs, markPrice: null, receivedAt: NOW, exchangeTs: NOW },
    });
    const out = aggregateFunding({
      ...inputOf(CASES[0] as Case),
      readings: [
        at('hourly', '0.0100', HOUR),
        at('four-hourly', '-0.0300', 4 * HOUR),
        at('eight-hourly', '0.0050', 8 * HOUR),
        at('odd', '0.00000012', 3 * HOUR),
      ],
    });
    expect(out.verdicts.map((v) => [v.rawPrice, v.price])).to.deep.equal([
      [pct('0.00125'), pct('0.0100')],
      [pct('-0.0150'), pct('-0.0300')],
      [pct('0.0050'), pct('0.0050')],
      // 12 units of 10^-10 per 8 h is 4.5 units per 3 h: the tie goes to the even 4.
      [4n, 12n],
    ]);
    expect(out.verdicts[0]).to.include({
      quote: 'USDT',
      ageMs: 0,
      exchangeTs: NOW,
      receivedAt: NOW,
      deviationBps: null,
    });
  });

  it('a refused rate carries no premium even when marks and an index are there', () => {
    const out = aggregateFunding({ ...inputOf(CASES[0] as Case), rules: { ...RULES, quorum: 4 } });
    expect(out.ok).to.equal(false);
    expect(out.premium).to.deep.equal({ ok: false, reason: 'no funding rate this tick', verdicts: [] });
  });
});

describe('aggregateFunding: rejects malformed input', () => {
  const good = inputOf(CASES[0] as Case);
  const first = good.readings[0] as FundingReading;
  const obs = first.observation!;
  const bad: ReadonlyArray<readonly [string, Partial<FundingInput>, string]> = [
    ['quorum 0', { rules: { ...RULES, quorum: 0 } }, 'quorum'],
    ['premium quorum 0', { rules: { ...RULES, premiumQuorum: 0 } }, 'premiumQuorum'],
    [
      'premium floor above ceiling',
      { rules: { ...RULES, minPremium: 1n, maxPremium: 0n } },
      'minPremium <= maxPremium',
    ],
    ['negative premium deviation limit', { rules: { ...RULES, maxPremiumDeviation: -1n } }, 'maxPremiumDeviation'],
    ['premium bound as a number', { rules: { ...RULES, maxPremium: 1 as unknown as bigint } }, 'bigints'],
    ['negative frozen move', { rules: { ...RULES, frozenMove: -1n } }, 'frozenMove'],
    ['fractional frozen time', { rules: { ...RULES, frozenAfterMs: 0.5 } }, 'frozenAfterMs'],
    [
      'history out of order',
      {
        history: [
          { at: NOW - 1, value: 0n },
          { at: NOW - 2, value: 0n },
        ],
      },
      'history[1].at',
    ],
    ['history after now', { history: [{ at: NOW + 1, value: 0n }] }, 'history[0].at'],
    ['history value as a number', { history: [{ at: NOW, value: 0 as unknown as bigint }] }, 'history[0]'],
    ['value since after the observation', { readings: [{ ...first, valueSince: obs.receivedAt + 1 }] }, 'valueSince'],
    ['negative max age', { rules: { ...RULES, maxExchangeAgeMs: -1 } }, 'maxExchangeAgeMs'],
    ['negative deviation limit', { rules: { ...RULES, maxDeviation: -1n } }, 'maxDeviation'],
    ['floor above ceiling', { rules: { ...RULES, minRate: 1n, maxRate: 0n } }, 'minRate <= maxRate'],
    ['rate bound as a number', { rules: { ...RULES, maxRate: 1 as unknown as bigint } }, 'bigints'],
    ['zero index', { index: 0n }, 'index must be a positive bigint'],
    ['negative index', { index: -1n }, 'index'],
    ['non-integer now', { now: 1.5 }, 'now'],
    ['empty pair', { pair: '' }, 'pair'],
    ['negative conversion rate', { conversions: new Map([['USDT', -1n]]) }, 'USDT'],
    ['duplicate source', { readings: [first, first] }, 'duplicate source a'],
    ['observation from another source', { readings: [{ ...first, source: 'x' }] }, 'observation is from a'],
    [
      'rate as a number',
      { readings: [{ ...first, observation: { ...obs, rate: 0.0001 as unknown as bigint } }] },
      'rate must be a bigint',
    ],
    ['zero interval', { readings: [{ ...first, observation: { ...obs, intervalMs: 0 } }] }, 'intervalMs'],
    ['fractional interval', { readings: [{ ...first, observation: { ...obs, intervalMs: 1.5 } }] }, 'intervalMs'],
    [
      'mark as a number',
      { readings: [{ ...first, observation: { ...obs, markPrice: 97000 as unknown as bigint } }] },
      'markPrice',
    ],
    ['fractional exchange time', { readings: [{ ...first, observation: { ...obs, exchangeTs: 0.5 } }] }, 'exchangeTs'],
  ];
  for (const [name, patch, text] of bad) {
    it(name, () => {
      expect(() => aggregateFunding({ ...good, ...patch })).to.throw(InputError, text);
    });
  }
});
