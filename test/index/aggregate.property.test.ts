/**
 * The robustness claim of DESIGN section 3, checked with fast-check: with n sources of which at most
 * floor((n-1)/2) are faulty in any way (stale, offline, frozen, absurd, wildly wrong, colluding on
 * one wrong value, stuck on one value for long), the index stays within the range of the honest
 * sources, whatever the figure's history; honest sources, whose value moved within frozenAfterMs,
 * are never frozen; with fewer honest sources than the quorum, nothing is signed; and the outcome
 * does not depend on input order. fast-check prints the seed and the shrunk counterexample of any
 * failure, so it can be replayed.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { checkOrderIndependence, expectOneVerdictEach, interleave } from './properties.js';
import { aggregate, type AggregateInput } from '../../src/index/aggregate.js';
import type { FigurePoint, IndexRules } from '../../src/index/types.js';
import type { SourceReading } from '../../src/index/readings.js';
import { PRICE_ONE } from '../../src/core/fixed.js';

const NOW = 1_700_000_000_000;
const RUNS = 300;
const BASE = {
  maxAgeMs: 30_000,
  maxExchangeAgeMs: 60_000,
  maxFutureSkewMs: 5_000,
  minPrice: 1_000n * PRICE_ONE,
  maxPrice: 10_000_000n * PRICE_ONE,
} as const;

/** How an honest source was read: fresh by both clocks (boundaries included), its value moving. */
interface Honest {
  readonly ppmOfBand: bigint;
  readonly receivedAgo: number;
  readonly exchangeAgo: number | null;
  /** Where in [receivedAt - what frozenAfterMs allows, receivedAt] its value last changed; null: unknown. */
  readonly movedPpm: bigint | null;
}

type Fault =
  | { readonly kind: 'staleReceive'; readonly price: bigint; readonly ago: number }
  | { readonly kind: 'staleExchange'; readonly price: bigint; readonly ago: number }
  | { readonly kind: 'frozen'; readonly ppmOfCentre: bigint; readonly ago: number }
  | { readonly kind: 'future'; readonly price: bigint; readonly ahead: number }
  | { readonly kind: 'offline'; readonly lastError: string | null }
  | { readonly kind: 'absurd'; readonly price: bigint }
  | { readonly kind: 'unconvertible'; readonly price: bigint }
  | { readonly kind: 'wild'; readonly price: bigint }
  | { readonly kind: 'nearby'; readonly bps: number }
  | { readonly kind: 'collude' }
  /** Fresh, plausible, and unchanged for a while: frozen, an outlier or accepted, depending on the history. */
  | { readonly kind: 'stuck'; readonly ppmOfCentre: bigint; readonly sinceAgo: number };

interface Scenario {
  readonly centre: bigint;
  readonly maxDeviationBps: number;
  /** Honest sources lie in [centre, centre + centre * bandBps / 10000], bandBps <= maxDeviationBps. */
  readonly bandBps: number;
  readonly colludeBps: number;
  readonly quorum: number;
  readonly frozenAfterMs: number;
  readonly frozenMoveBps: number;
  /** The figure's earlier preliminary medians: [ms ago, ppm of the centre], in any order (sorted by inputOf). */
  readonly history: readonly (readonly [number, bigint])[];
  readonly honest: readonly Honest[];
  readonly faults: readonly Fault[];
  /** Sort keys that shuffle honest and faulty sources together. */
  readonly order: readonly number[];
}

const anyPrice = fc.bigInt({ min: -(10n ** 9n) * PRICE_ONE, max: 10n ** 9n * PRICE_ONE });
const plausible = fc.bigInt({ min: BASE.minPrice, max: BASE.maxPrice });
const absurd = fc.oneof(
  fc.constant(0n),
  fc.bigInt({ min: -(10n ** 20n), max: -1n }),
  fc.bigInt({ min: BASE.maxPrice + 1n, max: 10n ** 30n }),
  fc.bigInt({ min: 1n, max: BASE.minPrice - 1n }),
);

const honestArb: fc.Arbitrary<Honest> = fc.record({
  ppmOfBand: fc.bigInt({ min: 0n, max: 1_000_000n }),
  receivedAgo: fc.integer({ min: -BASE.maxFutureSkewMs, max: BASE.maxAgeMs }),
  exchangeAgo: fc.option(fc.integer({ min: -BASE.maxFutureSkewMs, max: BASE.maxExchangeAgeMs }), { nil: null }),
  movedPpm: fc.option(fc.bigInt({ min: 0n, max: 1_000_000n }), { nil: null }),
});

const unacceptableArb: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({
    kind: fc.constant('staleReceive' as const),
    price: anyPrice,
    ago: fc.integer({ min: BASE.maxAgeMs + 1, max: 10 ** 9 }),
  }),
  fc.record({
    kind: fc.constant('staleExchange' as const),
    price: anyPrice,
    ago: fc.integer({ min: BASE.maxExchangeAgeMs + 1, max: 10 ** 9 }),
  }),
  fc.record({
    kind: fc.constant('frozen' as const),
    ppmOfCentre: fc.bigInt({ min: 990_000n, max: 1_010_000n }),
    ago: fc.integer({ min: BASE.maxExchangeAgeMs + 1, max: 10 ** 9 }),
  }),
  fc.record({
    kind: fc.constant('future' as const),
    price: anyPrice,
    ahead: fc.integer({ min: BASE.maxFutureSkewMs + 1, max: 10 ** 9 }),
  }),
  fc.record({ kind: fc.constant('offline' as const), lastError: fc.option(fc.string(), { nil: null }) }),
  fc.record({ kind: fc.constant('absurd' as const), price: absurd }),
  fc.record({ kind: fc.constant('unconvertible' as const), price: anyPrice }),
);

const anyFaultArb: fc.Arbitrary<Fault> = fc.oneof(
  unacceptableArb,
  fc.record({ kind: fc.constant('wild' as const), price: plausible }),
  fc.record({ kind: fc.constant('nearby' as const), bps: fc.integer({ min: -2_000, max: 2_000 }) }),
  fc.constant({ kind: 'collude' as const }),
  fc.constant({ kind: 'collude' as const }),
  fc.record({
    kind: fc.constant('stuck' as const),
    ppmOfCentre: fc.bigInt({ min: 980_000n, max: 1_020_000n }),
    sinceAgo: fc.integer({ min: 0, max: 10 ** 8 }),
  }),
);

/** A figure's history: distinct times up to a day ago, values anywhere from a tenth to three times the centre. */
const historyArb = fc.uniqueArray(
  fc.tuple(fc.integer({ min: 0, max: 86_400_000 }), fc.bigInt({ min: 100_000n, max: 3_000_000n })),
  {
    maxLength: 20,
    selector: ([ago]) => ago,
  },
);

/** Deviations of the colluders' common value from the centre, with the band edges made likely. */
function colludeArb(maxDev: number): fc.Arbitrary<number> {
  return fc.oneof(
    fc.integer({ min: -3 * maxDev, max: 3 * maxDev }),
    fc.constantFrom(-maxDev - 1, -maxDev, maxDev, maxDev + 1, 2 * maxDev, 2 * maxDev + 1),
  );
}

/** A scenario of `size` source slots around a random centre; the parts say who is honest or faulty. */
function scenarioArb(
  maxDeviationBps: number,
  size: number,
  parts: {
    readonly quorum: fc.Arbitrary<number>;
    readonly colludeBps: fc.Arbitrary<number>;
    readonly faults: fc.Arbitrary<Fault[]>;
    readonly honest: fc.Arbitrary<Honest[]>;
  },
): fc.Arbitrary<Scenario> {
  return fc.record({
    centre: fc.bigInt({ min: 2_000n * PRICE_ONE, max: 5_000_000n * PRICE_ONE }),
    maxDeviationBps: fc.constant(maxDeviationBps),
    bandBps: fc.integer({ min: 0, max: maxDeviationBps }),
    // At least maxAgeMs, so that any fresh honest observation can have moved within it.
    frozenAfterMs: fc.integer({ min: BASE.maxAgeMs, max: 3_600_000 }),
    frozenMoveBps: fc.integer({ min: 0, max: 500 }),
    history: historyArb,
    order: fc.array(fc.nat(), { minLength: size, maxLength: size }),
    ...parts,
  });
}

const deviationLimit = fc.integer({ min: 10, max: 500 });

/** n sources, at most floor((n-1)/2) faulty of any kind. */
const minorityFaulty: fc.Arbitrary<Scenario> = fc
  .record({ n: fc.integer({ min: 3, max: 15 }), maxDeviationBps: deviationLimit })
  .chain(({ n, maxDeviationBps }) =>
    scenarioArb(maxDeviationBps, n, {
      colludeBps: colludeArb(maxDeviationBps),
      quorum: fc.integer({ min: 1, max: n }),
      faults: fc.array(anyFaultArb, { maxLength: Math.floor((n - 1) / 2) }),
      honest: fc.array(honestArb, { minLength: n, maxLength: n }),
    }),
  )
  .map((s) => ({ ...s, honest: s.honest.slice(0, s.honest.length - s.faults.length) }));

/** Fewer honest sources than the quorum; every other source is offline, stale or absurd. */
const belowQuorum: fc.Arbitrary<Scenario> = fc
  .record({ quorum: fc.integer({ min: 1, max: 10 }), maxDeviationBps: deviationLimit })
  .chain(({ quorum, maxDeviationBps }) =>
    scenarioArb(maxDeviationBps, quorum + 12, {
      colludeBps: fc.constant(0),
      quorum: fc.constant(quorum),
      faults: fc.array(unacceptableArb, { maxLength: 12 }),
      honest: fc.array(honestArb, { maxLength: quorum - 1 }),
    }),
  );

const rulesOf = (s: Scenario): IndexRules => ({
  ...BASE,
  maxDeviationBps: s.maxDeviationBps,
  quorum: s.quorum,
  frozenAfterMs: s.frozenAfterMs,
  frozenMoveBps: s.frozenMoveBps,
});
const honestPrice = (s: Scenario, h: Honest): bigint =>
  s.centre + (((s.centre * BigInt(s.bandBps)) / 10_000n) * h.ppmOfBand) / 1_000_000n;
const offset = (s: Scenario, bps: number): bigint => s.centre + (s.centre * BigInt(bps)) / 10_000n;

function faultyReading(s: Scenario, f: Fault, source: string): SourceReading {
  const fresh = (price: bigint, quote = 'USD'): SourceReading => ({
    source,
    quote,
    lastError: null,
    observation: { source, price, exchangeTs: NOW, receivedAt: NOW },
  });
  const at = (price: bigint, receivedAgo: number, exchangeAgo: number | null): SourceReading => ({
    source,
    quote: 'USD',
    lastError: null,
    observation: {
      source,
      price,
      receivedAt: NOW - receivedAgo,
      exchangeTs: exchangeAgo === null ? null : NOW - exchangeAgo,
    },
  });
  switch (f.kind) {
    case 'staleReceive':
      return at(f.price, f.ago, null);
    case 'staleExchange':
      return at(f.price, 0, f.ago);
    case 'frozen':
      return at((s.centre * f.ppmOfCentre) / 1_000_000n, 0, f.ago);
    case 'future':
      return at(f.price, 0, -f.ahead);
    case 'offline':
      return { source, quote: 'USD', observation: null, lastError: f.lastError };
    case 'absurd':
      return fresh(f.price);
    case 'unconvertible':
      return fresh(f.price, 'EUR');
    case 'wild':
      return fresh(f.price);
    case 'nearby':
      return fresh(offset(s, f.bps));
    case 'collude':
      return fresh(offset(s, s.colludeBps));
    case 'stuck':
      return { ...fresh((s.centre * f.ppmOfCentre) / 1_000_000n), valueSince: NOW - f.sinceAgo };
  }
}

/** An honest source's value last changed no longer than frozenAfterMs before the tick. */
function honestSince(s: Scenario, h: Honest): { valueSince?: number } {
  if (h.movedPpm === null) return {};
  const room = BigInt(s.frozenAfterMs - h.receivedAgo);
  return { valueSince: NOW - h.receivedAgo - Number((room * h.movedPpm) / 1_000_000n) };
}

/** The scenario's history as the aggregator takes it: oldest first, values in prices. */
function historyOf(s: Scenario): FigurePoint[] {
  return [...s.history]
    .sort((a, b) => b[0] - a[0])
    .map(([ago, ppm]) => ({ at: NOW - ago, value: (s.centre * ppm) / 1_000_000n }));
}

/** The scenario as aggregator input, honest and faulty sources interleaved by `order`. */
function inputOf(s: Scenario): AggregateInput {
  const honest = s.honest.map((h, i): SourceReading => {
    const source = `honest${i}:BTC/USD`;
    return {
      source,
      quote: 'USD',
      lastError: null,
      ...honestSince(s, h),
      observation: {
        source,
        price: honestPrice(s, h),
        receivedAt: NOW - h.receivedAgo,
        exchangeTs: h.exchangeAgo === null ? null : NOW - h.exchangeAgo,
      },
    };
  });
  const faulty = s.faults.map((f, i) => faultyReading(s, f, `faulty${i}:BTC/USD`));
  const all = [...honest, ...faulty];
  // Only USDT has a rate: the 'EUR' sources test the missing-rate path.
  return {
    pair: 'BTC/USD',
    target: 'USD',
    readings: interleave(all, s.order),
    rules: rulesOf(s),
    conversions: new Map([['USDT', PRICE_ONE]]),
    now: NOW,
    history: historyOf(s),
  };
}

describe('aggregate: robustness properties', () => {
  it('with at most floor((n-1)/2) faulty sources, the index stays within the honest range and is signed when honest sources reach quorum', () => {
    fc.assert(
      fc.property(minorityFaulty, (s) => {
        const input = inputOf(s);
        const out = aggregate(input);
        expectOneVerdictEach(input, out);
        const honestPrices = s.honest.map((h) => honestPrice(s, h));
        for (const v of out.verdicts.filter((x) => x.source.startsWith('honest')))
          expect(v.verdict, v.reason).to.equal('accepted');
        if (s.honest.length >= s.quorum) expect(out.ok, out.ok ? '' : out.reason).to.equal(true);
        if (!out.ok) return;
        const lo = honestPrices.reduce((a, b) => (b < a ? b : a));
        const hi = honestPrices.reduce((a, b) => (b > a ? b : a));
        expect(out.price >= lo && out.price <= hi, `index ${out.price} outside honest range ${lo}..${hi}`).to.equal(
          true,
        );
        expect(out.accepted.length).to.be.at.least(s.quorum);
        expect(out.accepted.length).to.equal(out.verdicts.filter((v) => v.verdict === 'accepted').length);
      }),
      { numRuns: RUNS },
    );
  });

  it('with fewer honest sources than the quorum and the rest offline, stale or absurd, nothing is signed', () => {
    fc.assert(
      fc.property(belowQuorum, (s) => {
        const input = inputOf(s);
        const out = aggregate(input);
        expectOneVerdictEach(input, out);
        expect(out.ok).to.equal(false);
        expect(
          out.verdicts
            .filter((v) => v.verdict === 'accepted')
            .map((v) => v.source)
            .sort(),
        ).to.deep.equal(s.honest.map((_, i) => `honest${i}:BTC/USD`).sort());
      }),
      { numRuns: RUNS },
    );
  });

  it('never calls a source frozen whose value moved within frozenAfterMs, whatever the history and the other sources', () => {
    const anySources = fc.integer({ min: 1, max: 12 }).chain((n) =>
      scenarioArb(100, n, {
        colludeBps: fc.constant(0),
        quorum: fc.constant(1),
        faults: fc.array(anyFaultArb, { maxLength: n }),
        honest: fc.array(honestArb, { maxLength: n }),
      }),
    );
    fc.assert(
      fc.property(anySources, (s) => {
        const input = inputOf(s);
        const out = aggregate(input);
        for (const [i, v] of out.verdicts.entries()) {
          const since = input.readings[i]?.valueSince;
          const moving = since === undefined || NOW - since <= s.frozenAfterMs;
          if (moving) expect(v.verdict, `${v.source}: ${v.reason}`).to.not.equal('frozen');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('does not depend on the order of the readings', () => {
    checkOrderIndependence(minorityFaulty, (s) => aggregate(inputOf(s)), RUNS);
  });
});
