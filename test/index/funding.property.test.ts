/**
 * The robustness claim for funding rates and the premium (docs/METHODOLOGY.md), checked with
 * fast-check: with n sources of which at most floor((n-1)/2) are faulty in any way (stale,
 * offline, frozen, stuck for long, absurd, plausible but off, colluding on one wrong rate, or a
 * good rate with a wrong mark), honest rates within maxDeviation of each other (negative or
 * straddling zero too) and honest premiums within maxPremiumDeviation: the signed rate lies within
 * the honest range, and so does the premium within the honest premiums, whatever the rate's
 * history; a faulty mark gets the verdict its premium calls for; with fewer honest sources than
 * the quorum nothing is signed; input order changes nothing. fast-check prints the seed and the
 * shrunk counterexample of any failure.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { checkOrderIndependence, expectOneVerdictEach, interleave } from './properties.js';
import { aggregateFunding, type FundingInput } from '../../src/index/funding.js';
import type { FigurePoint, FundingRules, SourceVerdict } from '../../src/index/types.js';
import type { FundingReading } from '../../src/index/readings.js';
import { PRICE_ONE, RATE_ONE } from '../../src/core/fixed.js';

const NOW = 1_700_000_000_000;
const RUNS = 300;
const HOUR = 3_600_000;
/** USDT at 0.9998 USD: honest USDT marks go through a real conversion. */
const USDT_RATE = 99_980_000n;
const BASE = {
  maxAgeMs: 120_000,
  maxExchangeAgeMs: 600_000,
  maxFutureSkewMs: 5_000,
  minRate: -RATE_ONE / 100n,
  maxRate: RATE_ONE / 100n,
  minPremium: -RATE_ONE / 20n,
  maxPremium: RATE_ONE / 20n,
} as const;

interface Honest {
  readonly ppmOfBand: bigint;
  readonly ppmOfMarkBand: bigint;
  readonly quote: 'USD' | 'USDT';
  readonly intervalMs: number;
  readonly receivedAgo: number;
  readonly exchangeAgo: number | null;
  /** Where in [receivedAt - what frozenAfterMs allows, receivedAt] its rate last changed; null: unknown. */
  readonly movedPpm: bigint | null;
}

/** What is wrong with a faulty source's mark price, if it is accepted at all. */
type MarkFault =
  | { readonly kind: 'none' }
  | { readonly kind: 'value'; readonly mark: bigint }
  | { readonly kind: 'offIndex'; readonly ppm: bigint }
  | { readonly kind: 'collude' }
  | { readonly kind: 'unconvertible'; readonly mark: bigint }
  /** A mark in the wrong unit: the honest one times 1000, 100 or 1/1000. */
  | { readonly kind: 'unit'; readonly times: bigint; readonly per: bigint }
  /** A plausible premium near the honest ones: the honest centre plus this share of the limit. */
  | { readonly kind: 'near'; readonly ppmOfLimit: bigint };

type RateFault =
  | { readonly kind: 'staleReceive'; readonly rate: bigint; readonly ago: number }
  | { readonly kind: 'staleExchange'; readonly rate: bigint; readonly ago: number }
  | { readonly kind: 'frozen'; readonly ago: number }
  | { readonly kind: 'future'; readonly rate: bigint; readonly ahead: number }
  | { readonly kind: 'offline'; readonly lastError: string | null }
  | { readonly kind: 'absurd'; readonly rate: bigint }
  | { readonly kind: 'wild'; readonly rate: bigint }
  | { readonly kind: 'nearby'; readonly offset: bigint }
  | { readonly kind: 'collude' }
  /** A rate an honest source could give, with a wrong mark: faulty for the premium only. */
  | { readonly kind: 'goodRate'; readonly ppmOfBand: bigint }
  /** Fresh and plausible, unchanged for a while: frozen, an outlier or accepted, depending on the history. */
  | { readonly kind: 'stuck'; readonly offset: bigint; readonly sinceAgo: number };

interface Fault {
  readonly rate: RateFault;
  readonly mark: MarkFault;
}

interface Scenario {
  /** Honest rates lie in [centre, centre + band], band <= maxDeviation. */
  readonly centre: bigint;
  readonly band: bigint;
  readonly maxDeviation: bigint;
  readonly colludeOffset: bigint;
  /** Spot index in USD at PRICE_EXPONENT; honest marks lie in index * (1 + [premium, premium + premiumBand]). */
  readonly index: bigint;
  readonly premium: bigint;
  readonly premiumBand: bigint;
  readonly maxPremiumDeviation: bigint;
  readonly colludeMarkPpm: bigint;
  readonly quorum: number;
  readonly premiumQuorum: number;
  readonly frozenAfterMs: number;
  readonly frozenMove: bigint;
  /** The rate's earlier preliminary medians: [ms ago, offset from the centre], in any order. */
  readonly history: readonly (readonly [number, bigint])[];
  readonly honest: Honest[];
  readonly faults: Fault[];
  readonly order: number[];
}

const honestArb: fc.Arbitrary<Honest> = fc.record({
  ppmOfBand: fc.bigInt({ min: 0n, max: 1_000_000n }),
  ppmOfMarkBand: fc.bigInt({ min: 0n, max: 1_000_000n }),
  quote: fc.constantFrom('USD' as const, 'USDT' as const),
  intervalMs: fc.constantFrom(HOUR, 4 * HOUR, 8 * HOUR),
  receivedAgo: fc.integer({ min: -BASE.maxFutureSkewMs, max: BASE.maxAgeMs }),
  exchangeAgo: fc.option(fc.integer({ min: -BASE.maxFutureSkewMs, max: BASE.maxExchangeAgeMs }), { nil: null }),
  movedPpm: fc.option(fc.bigInt({ min: 0n, max: 1_000_000n }), { nil: null }),
});

const anyRate = fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n });
const absurdRate = fc.oneof(
  fc.bigInt({ min: -(10n ** 20n), max: BASE.minRate - 1n }),
  fc.bigInt({ min: BASE.maxRate + 1n, max: 10n ** 20n }),
);

const markFaultArb: fc.Arbitrary<MarkFault> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('value' as const), mark: fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }) }),
  fc.record({ kind: fc.constant('offIndex' as const), ppm: fc.bigInt({ min: 500_000n, max: 2_000_000n }) }),
  fc.constant({ kind: 'collude' as const }),
  fc.constant({ kind: 'collude' as const }),
  fc.record({ kind: fc.constant('unconvertible' as const), mark: fc.bigInt({ min: 1n, max: 10n ** 15n }) }),
  fc.constantFrom(
    { kind: 'unit' as const, times: 1000n, per: 1n },
    { kind: 'unit' as const, times: 100n, per: 1n },
    { kind: 'unit' as const, times: 1n, per: 1000n },
  ),
  fc.record({
    kind: fc.constant('near' as const),
    ppmOfLimit: fc.oneof(
      fc.bigInt({ min: -3_000_000n, max: 3_000_000n }),
      fc.constantFrom(-1_000_000n, 1_000_000n, -1_000_001n, 1_000_001n, 2_000_000n),
    ),
  }),
);

const unacceptableArb: fc.Arbitrary<RateFault> = fc.oneof(
  fc.record({
    kind: fc.constant('staleReceive' as const),
    rate: anyRate,
    ago: fc.integer({ min: BASE.maxAgeMs + 1, max: 10 ** 9 }),
  }),
  fc.record({
    kind: fc.constant('staleExchange' as const),
    rate: anyRate,
    ago: fc.integer({ min: BASE.maxExchangeAgeMs + 1, max: 10 ** 9 }),
  }),
  fc.record({
    kind: fc.constant('frozen' as const),
    ago: fc.integer({ min: BASE.maxExchangeAgeMs + 1, max: 10 ** 9 }),
  }),
  fc.record({
    kind: fc.constant('future' as const),
    rate: anyRate,
    ahead: fc.integer({ min: BASE.maxFutureSkewMs + 1, max: 10 ** 9 }),
  }),
  fc.record({ kind: fc.constant('offline' as const), lastError: fc.option(fc.string(), { nil: null }) }),
  fc.record({ kind: fc.constant('absurd' as const), rate: absurdRate }),
);

const anyRateFaultArb: fc.Arbitrary<RateFault> = fc.oneof(
  unacceptableArb,
  fc.record({ kind: fc.constant('wild' as const), rate: fc.bigInt({ min: BASE.minRate, max: BASE.maxRate }) }),
  fc.record({ kind: fc.constant('nearby' as const), offset: fc.bigInt({ min: -(10n ** 7n), max: 10n ** 7n }) }),
  fc.constant({ kind: 'collude' as const }),
  fc.constant({ kind: 'collude' as const }),
  fc.record({ kind: fc.constant('goodRate' as const), ppmOfBand: fc.bigInt({ min: 0n, max: 1_000_000n }) }),
  fc.record({
    kind: fc.constant('stuck' as const),
    offset: fc.bigInt({ min: -(10n ** 7n), max: 10n ** 7n }),
    sinceAgo: fc.integer({ min: 0, max: 10 ** 8 }),
  }),
);

const faultArb = (rate: fc.Arbitrary<RateFault>): fc.Arbitrary<Fault> => fc.record({ rate, mark: markFaultArb });

/** Offsets of the colluders' common rate from the centre, with the band edges made likely. */
function colludeArb(maxDev: bigint): fc.Arbitrary<bigint> {
  return fc.oneof(
    fc.bigInt({ min: -3n * maxDev, max: 3n * maxDev }),
    fc.constantFrom(-maxDev - 1n, -maxDev, maxDev, maxDev + 1n, 2n * maxDev, 2n * maxDev + 1n),
  );
}

/** A scenario of `size` source slots; the parts say who is honest or faulty. */
function scenarioArb(
  maxDeviation: bigint,
  size: number,
  parts: {
    readonly quorum: fc.Arbitrary<number>;
    readonly premiumQuorum: fc.Arbitrary<number>;
    readonly colludeOffset: fc.Arbitrary<bigint>;
    readonly faults: fc.Arbitrary<Fault[]>;
    readonly honest: fc.Arbitrary<Honest[]>;
  },
): fc.Arbitrary<Scenario> {
  // 10^-5 .. 10^-2 around the 0.5 % default; honest premiums spread 2 units less (the rounding of marks).
  const premiumLimit = fc.bigInt({ min: 100_000n, max: 100_000_000n });
  return premiumLimit.chain((maxPremiumDeviation) =>
    fc.record({
      // Up to +-0.5% per 8 h around zero, so honest rates may be negative or straddle zero.
      centre: fc.bigInt({ min: -(RATE_ONE / 200n), max: RATE_ONE / 200n }),
      band: fc.bigInt({ min: 0n, max: maxDeviation }),
      maxDeviation: fc.constant(maxDeviation),
      index: fc.bigInt({ min: 20_000n * PRICE_ONE, max: 200_000n * PRICE_ONE }),
      premium: fc.bigInt({ min: -(RATE_ONE / 50n), max: RATE_ONE / 50n }),
      premiumBand: fc.bigInt({ min: 0n, max: maxPremiumDeviation - 2n }),
      maxPremiumDeviation: fc.constant(maxPremiumDeviation),
      colludeMarkPpm: fc.bigInt({ min: 500_000n, max: 2_000_000n }),
      // At least maxAgeMs, so that any fresh honest observation can have moved within it.
      frozenAfterMs: fc.integer({ min: BASE.maxAgeMs, max: 36_000_000 }),
      frozenMove: fc.bigInt({ min: 0n, max: 10_000_000n }),
      history: fc.uniqueArray(
        fc.tuple(fc.integer({ min: 0, max: 86_400_000 }), fc.bigInt({ min: -(10n ** 8n), max: 10n ** 8n })),
        {
          maxLength: 20,
          selector: ([ago]) => ago,
        },
      ),
      order: fc.array(fc.nat(), { minLength: size, maxLength: size }),
      ...parts,
    }),
  );
}

/** 10^-6 .. 10^-3 per 8 h, around the 5 * 10^-4 default. */
const deviationLimit = fc.bigInt({ min: 10_000n, max: 10_000_000n });

/** n sources, at most floor((n-1)/2) faulty of any kind. */
const minorityFaulty: fc.Arbitrary<Scenario> = fc
  .record({ n: fc.integer({ min: 3, max: 15 }), maxDeviation: deviationLimit })
  .chain(({ n, maxDeviation }) =>
    scenarioArb(maxDeviation, n, {
      colludeOffset: colludeArb(maxDeviation),
      quorum: fc.integer({ min: 1, max: n }),
      premiumQuorum: fc.integer({ min: 1, max: n }),
      faults: fc.array(faultArb(anyRateFaultArb), { maxLength: Math.floor((n - 1) / 2) }),
      honest: fc.array(honestArb, { minLength: n, maxLength: n }),
    }),
  )
  .map((s) => ({ ...s, honest: s.honest.slice(0, s.honest.length - s.faults.length) }));

/** Fewer honest sources than the quorum; every other source is offline, stale or absurd. */
const belowQuorum: fc.Arbitrary<Scenario> = fc
  .record({ quorum: fc.integer({ min: 1, max: 10 }), maxDeviation: deviationLimit })
  .chain(({ quorum, maxDeviation }) =>
    scenarioArb(maxDeviation, quorum + 12, {
      colludeOffset: fc.constant(0n),
      quorum: fc.constant(quorum),
      premiumQuorum: fc.constant(1),
      faults: fc.array(faultArb(unacceptableArb), { maxLength: 12 }),
      honest: fc.array(honestArb, { maxLength: quorum - 1 }),
    }),
  );

const rulesOf = (s: Scenario): FundingRules => ({
  ...BASE,
  maxDeviation: s.maxDeviation,
  quorum: s.quorum,
  premiumQuorum: s.premiumQuorum,
  frozenAfterMs: s.frozenAfterMs,
  frozenMove: s.frozenMove,
  maxPremiumDeviation: s.maxPremiumDeviation,
});
const ofBand = (s: Scenario, ppm: bigint): bigint => s.centre + (s.band * ppm) / 1_000_000n;
const honestRate = (s: Scenario, h: Honest): bigint => ofBand(s, h.ppmOfBand);
/** An honest mark in USD: index * (1 + premium + a share of the premium band). */
const honestMarkUsd = (s: Scenario, h: Honest): bigint =>
  (s.index * (RATE_ONE + s.premium + (s.premiumBand * h.ppmOfMarkBand) / 1_000_000n)) / RATE_ONE;
/** The honest mark in the source's own quote (USDT marks are divided back by the USDT rate). */
const honestMark = (s: Scenario, h: Honest): bigint =>
  h.quote === 'USD' ? honestMarkUsd(s, h) : (honestMarkUsd(s, h) * PRICE_ONE) / USDT_RATE;

function faultyMark(s: Scenario, m: MarkFault): { quote: string; mark: bigint | null } {
  const honestUsd = (s.index * (RATE_ONE + s.premium)) / RATE_ONE;
  switch (m.kind) {
    case 'none':
      return { quote: 'USD', mark: null };
    case 'value':
      return { quote: 'USD', mark: m.mark };
    case 'offIndex':
      return { quote: 'USD', mark: (s.index * m.ppm) / 1_000_000n };
    case 'collude':
      return { quote: 'USD', mark: (s.index * s.colludeMarkPpm) / 1_000_000n };
    case 'unconvertible':
      return { quote: 'EUR', mark: m.mark };
    case 'unit':
      return { quote: 'USD', mark: (honestUsd * m.times) / m.per };
    case 'near':
      return {
        quote: 'USD',
        mark: (s.index * (RATE_ONE + s.premium + (s.maxPremiumDeviation * m.ppmOfLimit) / 1_000_000n)) / RATE_ONE,
      };
  }
}

function faultyReading(s: Scenario, f: Fault, source: string): FundingReading {
  const { quote, mark } = faultyMark(s, f.mark);
  const at = (rate: bigint, receivedAgo: number, exchangeAgo: number | null): FundingReading => ({
    source,
    quote,
    lastError: null,
    observation: {
      source,
      rate,
      intervalMs: 8 * HOUR,
      markPrice: mark,
      receivedAt: NOW - receivedAgo,
      exchangeTs: exchangeAgo === null ? null : NOW - exchangeAgo,
    },
  });
  const r = f.rate;
  switch (r.kind) {
    case 'staleReceive':
      return at(r.rate, r.ago, null);
    case 'staleExchange':
      return at(r.rate, 0, r.ago);
    case 'frozen':
      return at(s.centre, 0, r.ago);
    case 'future':
      return at(r.rate, 0, -r.ahead);
    case 'offline':
      return { source, quote, observation: null, lastError: r.lastError };
    case 'absurd':
      return at(r.rate, 0, 0);
    case 'wild':
      return at(r.rate, 0, 0);
    case 'nearby':
      return at(s.centre + r.offset, 0, 0);
    case 'collude':
      return at(s.centre + s.colludeOffset, 0, 0);
    case 'goodRate':
      return at(ofBand(s, r.ppmOfBand), 0, 0);
    case 'stuck':
      return { ...at(s.centre + r.offset, 0, null), valueSince: NOW - r.sinceAgo };
  }
}

/** An honest source's rate last changed no longer than frozenAfterMs before the tick. */
function honestSince(s: Scenario, h: Honest): { valueSince?: number } {
  if (h.movedPpm === null) return {};
  const room = BigInt(s.frozenAfterMs - h.receivedAgo);
  return { valueSince: NOW - h.receivedAgo - Number((room * h.movedPpm) / 1_000_000n) };
}

/** The scenario's history as the aggregator takes it: oldest first, rates around the centre. */
function historyOf(s: Scenario): FigurePoint[] {
  return [...s.history]
    .sort((a, b) => b[0] - a[0])
    .map(([ago, offset]) => ({ at: NOW - ago, value: s.centre + offset }));
}

/** The scenario as aggregator input, honest and faulty sources interleaved by `order`. */
function inputOf(s: Scenario): FundingInput {
  const honest = s.honest.map((h, i): FundingReading => {
    const source = `honest${i}`;
    return {
      source,
      quote: h.quote,
      lastError: null,
      ...honestSince(s, h),
      observation: {
        source,
        rate: honestRate(s, h),
        intervalMs: h.intervalMs,
        markPrice: honestMark(s, h),
        receivedAt: NOW - h.receivedAgo,
        exchangeTs: h.exchangeAgo === null ? null : NOW - h.exchangeAgo,
      },
    };
  });
  const faulty = s.faults.map((f, i) => faultyReading(s, f, `faulty${i}`));
  const all = [...honest, ...faulty];
  // Only USDT has a rate: the 'EUR' marks test the missing-rate path.
  return {
    pair: 'BTC/USD',
    target: 'USD',
    readings: interleave(all, s.order),
    rules: rulesOf(s),
    index: s.index,
    conversions: new Map([['USDT', USDT_RATE]]),
    now: NOW,
    history: historyOf(s),
  };
}

/**
 * The verdict a convertible mark on an accepted rate must get: implausible when not positive or
 * its premium is out of bounds; outlier when further than the limit from the whole honest range
 * (the preliminary median lies in it); accepted when within the limit of all of it.
 */
function expectMarkVerdict(s: Scenario, v: SourceVerdict, lo: bigint, hi: bigint): void {
  const premium = v.price as bigint;
  const limit = s.maxPremiumDeviation;
  if ((v.rawPrice ?? 0n) <= 0n || premium < BASE.minPremium || premium > BASE.maxPremium)
    expect(v.verdict, v.reason).to.equal('implausible');
  else if (premium < lo - limit || premium > hi + limit) expect(v.verdict, v.reason).to.equal('outlier');
  else if (premium >= hi - limit && premium <= lo + limit) expect(v.verdict, v.reason).to.equal('accepted');
  else expect(v.verdict, v.reason).to.be.oneOf(['accepted', 'outlier']);
}

const lowest = (xs: readonly bigint[]): bigint => xs.reduce((a, b) => (b < a ? b : a));
const highest = (xs: readonly bigint[]): bigint => xs.reduce((a, b) => (b > a ? b : a));

/**
 * An honest premium p must be mark_usd / index - 1 to within rounding: the USDT conversion (half a
 * price unit) and the division (half a rate unit). Checked without the code under test's formula.
 */
function expectPremiumOfMark(s: Scenario, h: Honest, premium: bigint): void {
  const rate = h.quote === 'USD' ? PRICE_ONE : USDT_RATE;
  // 2 * 10^8 * |(p + 1) * index - mark * rate / 10^8| <= 10^8 * index + rate * RATE_ONE
  const gap = 2n * PRICE_ONE * (premium + RATE_ONE) * s.index - 2n * honestMark(s, h) * rate * RATE_ONE;
  const slack = PRICE_ONE * s.index + rate * RATE_ONE;
  expect(
    gap >= -slack && gap <= slack,
    `premium ${premium} does not match mark ${honestMark(s, h)} ${h.quote}`,
  ).to.equal(true);
}

describe('aggregateFunding: robustness properties', () => {
  it('with at most floor((n-1)/2) faulty sources, the rate stays within the honest range and is signed when honest sources reach quorum', () => {
    fc.assert(
      fc.property(minorityFaulty, (s) => {
        const input = inputOf(s);
        const out = aggregateFunding(input);
        expectOneVerdictEach(input, out);
        for (const v of out.verdicts.filter((x) => x.source.startsWith('honest')))
          expect(v.verdict, v.reason).to.equal('accepted');
        if (s.honest.length >= s.quorum) expect(out.ok, out.ok ? '' : out.reason).to.equal(true);
        if (!out.ok) return;
        const rates = s.honest.map((h) => honestRate(s, h));
        const [lo, hi] = [lowest(rates), highest(rates)];
        expect(out.rate >= lo && out.rate <= hi, `rate ${out.rate} outside honest range ${lo}..${hi}`).to.equal(true);
        expect(out.accepted.length).to.be.at.least(s.quorum);
      }),
      { numRuns: RUNS },
    );
  });

  it('with at most floor((n-1)/2) faulty sources (wrong marks included), the premium stays within the honest premiums', () => {
    fc.assert(
      fc.property(minorityFaulty, (s) => {
        const out = aggregateFunding(inputOf(s));
        if (!out.ok) return;
        if (s.honest.length >= s.premiumQuorum)
          expect(out.premium.ok, out.premium.ok ? '' : out.premium.reason).to.equal(true);
        if (!out.premium.ok) return;
        const honest = out.premium.contributions.filter((c) => c.source.startsWith('honest'));
        expect(honest.length).to.equal(s.honest.length);
        for (const c of honest)
          expectPremiumOfMark(s, s.honest[Number(c.source.slice('honest'.length))] as Honest, c.premium);
        const premiums = honest.map((c) => c.premium);
        const [lo, hi] = [lowest(premiums), highest(premiums)];
        expect(
          out.premium.value >= lo && out.premium.value <= hi,
          `premium ${out.premium.value} outside honest range ${lo}..${hi}`,
        ).to.equal(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('gives every faulty mark the verdict its premium calls for: implausible out of bounds, outlier beyond the limit', () => {
    fc.assert(
      fc.property(minorityFaulty, (s) => {
        const out = aggregateFunding(inputOf(s));
        if (!out.ok) return;
        // The honest premiums as computed (each checked against its mark by the property above).
        const honest = out.premium.verdicts.filter((v) => v.source.startsWith('honest')).map((v) => v.price as bigint);
        if (honest.length === 0) return;
        const [lo, hi] = [lowest(honest), highest(honest)];
        const rates = new Map(out.verdicts.map((v) => [v.source, v]));
        for (const v of out.premium.verdicts) {
          if (v.source.startsWith('honest')) {
            expect(v.verdict, v.reason).to.equal('accepted');
            continue;
          }
          const rate = rates.get(v.source) as SourceVerdict;
          if (rate.verdict !== 'accepted') expect(v.verdict, v.reason).to.equal(rate.verdict);
          else if (v.price === null) expect(v.verdict, v.reason).to.equal('error');
          else expectMarkVerdict(s, v, lo, hi);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('with fewer honest sources than the quorum and the rest offline, stale or absurd, nothing is signed', () => {
    fc.assert(
      fc.property(belowQuorum, (s) => {
        const input = inputOf(s);
        const out = aggregateFunding(input);
        expectOneVerdictEach(input, out);
        expect(out.ok).to.equal(false);
        expect(out.premium.ok).to.equal(false);
        expect(
          out.verdicts
            .filter((v) => v.verdict === 'accepted')
            .map((v) => v.source)
            .sort(),
        ).to.deep.equal(s.honest.map((_, i) => `honest${i}`).sort());
      }),
      { numRuns: RUNS },
    );
  });

  it('does not depend on the order of the readings', () => {
    checkOrderIndependence(minorityFaulty, (s) => aggregateFunding(inputOf(s)), RUNS);
  });
});
