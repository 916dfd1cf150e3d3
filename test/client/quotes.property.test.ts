/**
 * What k of n tolerates (README, "Risks you take", the oracles), checked with fast-check on really
 * signed quotes: n oracles of which some are honest (fresh, valid, their values within the bound
 * of the lowest of them, some signed at a finer exponent) and the others faulty in any way (down,
 * bad signature, another oracle's key, replayed, stale, from the future, another kind, a wrong
 * price, a price at another exponent, one placed just past the honest range by a share of the
 * honest spread, or colluding on one shared price). Claims:
 * - the selection is exactly the specification, found by brute force over every subset: the
 *   largest set of valid quotes that holds every valid value between its lowest and highest and
 *   agrees within the bound, ties to the smallest spread, then the median nearest the median of
 *   all valid quotes, then the lowest; acted on only when it has at least k quotes; its exact
 *   median rounded half to even once; `checks` marking exactly that set;
 * - no veto: with k or more honest oracles, whatever the others do, the round never refuses;
 * - 2 of 3: one faulty oracle moves the value at most half the honest spread past the honest range;
 * - no move beyond the honest range while the faulty valid quotes are fewer than half the honest;
 * - while they are fewer than the honest, the value lies within the chosen set's spread (itself
 *   within the bound) of the honest range, and within the honest spread when the chosen set is no
 *   larger than the quotes inside the honest range;
 * - the outcome does not depend on the order of the oracles.
 * fast-check prints the seed and the shrunk counterexample of any failure, so it can be replayed.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { toJson } from '../../src/attest/json.js';
import { publicKeyOf } from '../../src/attest/keys.js';
import { signAttestation } from '../../src/attest/sign.js';
import type { AttestationKind } from '../../src/attest/types.js';
import { selectQuotes } from '../../src/client/quotes.js';
import type { FetchedQuote, OracleEndpoint, QuoteRules, QuoteSelection } from '../../src/client/types.js';
import { PRICE_EXPONENT, RATE_EXPONENT, divRoundHalfEven } from '../../src/core/fixed.js';

const NOW = 1_735_689_600_000;
const MAX_AGE_MS = 60_000;
const RUNS = 120;
const MAX_ORACLES = 7;
const SECRETS = Array.from({ length: MAX_ORACLES + 1 }, (_, i) => new Uint8Array(32).fill(0x11 + i));
/** The last secret belongs to no configured oracle. */
const STRANGER = SECRETS[MAX_ORACLES] as Uint8Array;
const KEYS = SECRETS.map((s) => Buffer.from(publicKeyOf(s)).toString('hex'));
const AUX = new Uint8Array(32);
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

type Mode = 'price' | 'rate';

interface Honest {
  readonly ppmOfBand: bigint;
  /** Signed this many digits finer than the rules' exponent, exactly (the same number). */
  readonly finer: 0 | 1 | 2;
  readonly ago: number;
}

type Fault =
  | { readonly kind: 'down' }
  | { readonly kind: 'tampered' }
  | { readonly kind: 'strangerKey' }
  | { readonly kind: 'replayed'; readonly ahead: bigint }
  | { readonly kind: 'stale'; readonly ago: number }
  | { readonly kind: 'future'; readonly ahead: number }
  | { readonly kind: 'otherKind' }
  /** A valid quote at `ppmOfBound` of the bound from the centre. */
  | { readonly kind: 'near'; readonly ppmOfBound: bigint }
  /** A valid quote anywhere a signed 64-bit mantissa reaches, at the rules' exponent. */
  | { readonly kind: 'absurd'; readonly value: bigint }
  /** A near value signed at another exponent: coarser (rounded) or finer (with extra digits). */
  | { readonly kind: 'rescaled'; readonly ppmOfBound: bigint; readonly shift: number; readonly extra: bigint }
  /** Any mantissa at an exponent far from the rules' one. */
  | { readonly kind: 'farExponent'; readonly value: bigint; readonly exponent: number }
  /** Just beyond the honest range: `ppmOfSpread` of the honest spread past its edge, plus `units`. */
  | {
      readonly kind: 'edge';
      readonly above: boolean;
      readonly ppmOfSpread: bigint;
      readonly units: bigint;
    }
  | { readonly kind: 'collude' };

interface Scenario {
  readonly mode: Mode;
  readonly threshold: number;
  /** maxSpreadBps for prices, maxSpreadAbs (at -10) for rates. */
  readonly bound: number;
  readonly centre: bigint;
  /** The honest values lie in [centre, centre + band], band = bound x bandPpm / 10^6. */
  readonly bandPpm: bigint;
  readonly colludePpmOfBound: bigint;
  readonly honest: readonly Honest[];
  readonly faults: readonly Fault[];
  /** Sort keys that shuffle honest and faulty oracles together. */
  readonly order: readonly number[];
}

const ppmOfBoundArb = fc.oneof(
  fc.bigInt({ min: -4_000_000n, max: 5_000_000n }),
  fc.constantFrom(-1_000_000n, 0n, 1_000_000n, 2_000_000n),
);

const faultArb: fc.Arbitrary<Fault> = fc.oneof(
  fc.constant({ kind: 'down' as const }),
  fc.constant({ kind: 'tampered' as const }),
  fc.constant({ kind: 'strangerKey' as const }),
  fc.record({ kind: fc.constant('replayed' as const), ahead: fc.bigInt({ min: 0n, max: 5n }) }),
  fc.record({ kind: fc.constant('stale' as const), ago: fc.integer({ min: MAX_AGE_MS + 1, max: 10 ** 9 }) }),
  fc.record({ kind: fc.constant('future' as const), ahead: fc.integer({ min: 5_001, max: 10 ** 9 }) }),
  fc.constant({ kind: 'otherKind' as const }),
  fc.record({ kind: fc.constant('near' as const), ppmOfBound: ppmOfBoundArb }),
  fc.record({ kind: fc.constant('absurd' as const), value: fc.bigInt({ min: I64_MIN, max: I64_MAX }) }),
  fc.record({
    kind: fc.constant('rescaled' as const),
    ppmOfBound: ppmOfBoundArb,
    shift: fc.constantFrom(-2, -1, 1, 2),
    extra: fc.bigInt({ min: 0n, max: 99n }),
  }),
  fc.record({
    kind: fc.constant('farExponent' as const),
    value: fc.bigInt({ min: I64_MIN, max: I64_MAX }),
    exponent: fc.constantFrom(-128, -30, -12, 0, 6, 127),
  }),
  fc.record({
    kind: fc.constant('edge' as const),
    above: fc.boolean(),
    ppmOfSpread: fc.oneof(fc.bigInt({ min: 0n, max: 1_500_000n }), fc.constantFrom(0n, 1_000_000n)),
    units: fc.bigInt({ min: -1n, max: 1n }),
  }),
  fc.record({
    kind: fc.constant('edge' as const),
    above: fc.boolean(),
    ppmOfSpread: fc.oneof(fc.bigInt({ min: 0n, max: 1_500_000n }), fc.constantFrom(0n, 1_000_000n)),
    units: fc.bigInt({ min: -1n, max: 1n }),
  }),
  fc.constant({ kind: 'collude' as const }),
  fc.constant({ kind: 'collude' as const }),
);

const honestArb: fc.Arbitrary<Honest> = fc.record({
  ppmOfBand: fc.oneof(fc.bigInt({ min: 0n, max: 1_000_000n }), fc.constantFrom(0n, 1_000_000n)),
  finer: fc.constantFrom(0 as const, 0 as const, 1 as const, 2 as const),
  ago: fc.integer({ min: -5_000, max: MAX_AGE_MS }),
});

/** Scenarios with `honestAtLeastK`: k or more honest oracles; otherwise any split, k anywhere in 1..n. */
function scenarioArb(honestAtLeastK: boolean): fc.Arbitrary<Scenario> {
  return fc
    .record({
      mode: fc.constantFrom('price' as const, 'rate' as const),
      n: fc.oneof(fc.integer({ min: 1, max: MAX_ORACLES }), fc.integer({ min: 3, max: MAX_ORACLES })),
      honestPpm: fc.integer({ min: 0, max: 1_000_000 }),
      kPpm: fc.integer({ min: 0, max: 999_999 }),
    })
    .chain(({ mode, n, honestPpm, kPpm }) => {
      const honestCount = honestAtLeastK ? Math.max(1, Math.floor((n * honestPpm) / 1_000_000)) : n;
      const h = honestAtLeastK ? honestCount : Math.floor(((n + 1) * honestPpm) / 1_000_001);
      const threshold = 1 + Math.floor(((honestAtLeastK ? h : n) * kPpm) / 1_000_000);
      return fc.record({
        mode: fc.constant(mode),
        threshold: fc.constant(threshold),
        bound:
          mode === 'price'
            ? fc.oneof(fc.integer({ min: 0, max: 500 }), fc.constant(50))
            : fc.oneof(fc.integer({ min: 0, max: 2_000_000 }), fc.constant(1_000_000)),
        centre:
          mode === 'price'
            ? fc.bigInt({ min: 100_000_000_000n, max: 20_000_000_000_000n })
            : fc.bigInt({ min: -100_000_000n, max: 100_000_000n }),
        bandPpm: fc.oneof(
          fc.bigInt({ min: 0n, max: 1_000_000n }),
          fc.bigInt({ min: 900_000n, max: 1_000_000n }),
          fc.constant(1_000_000n),
        ),
        colludePpmOfBound: ppmOfBoundArb,
        honest: fc.array(honestArb, { minLength: h, maxLength: h }),
        faults: fc.array(faultArb, { minLength: n - h, maxLength: n - h }),
        order: fc.array(fc.nat(), { minLength: n, maxLength: n }),
      });
    });
}

/** One oracle's answer as built, with what the test knows about it. */
interface Slot {
  readonly fetched: FetchedQuote;
  readonly honest: boolean;
  /** The signed number when the quote is valid: mantissa and exponent. */
  readonly valid: { readonly value: bigint; readonly exponent: number } | null;
  readonly lastSequence: bigint | null;
}

/** What a quote may be signed with besides its value: another key, time or kind. */
interface Overrides {
  readonly secret: Uint8Array;
  readonly observedAt: bigint;
  readonly kind: AttestationKind;
}

interface Built {
  readonly oracles: readonly OracleEndpoint[];
  readonly slots: readonly Slot[];
  readonly rules: QuoteRules;
}

function rulesOf(s: Scenario): QuoteRules {
  const base = { pair: 'BTC/USD', maxAgeMs: MAX_AGE_MS, threshold: s.threshold };
  return s.mode === 'price'
    ? { ...base, kind: 'index_price', maxSpreadBps: s.bound, exponent: PRICE_EXPONENT }
    : { ...base, kind: 'funding_rate', maxSpreadBps: 50, maxSpreadAbs: BigInt(s.bound), exponent: RATE_EXPONENT };
}

const clampI64 = (v: bigint): bigint => (v < I64_MIN ? I64_MIN : v > I64_MAX ? I64_MAX : v);

function build(s: Scenario): Built {
  const rules = rulesOf(s);
  const e = rules.exponent;
  const boundUnits = s.mode === 'price' ? (s.centre * BigInt(s.bound)) / 10_000n : BigInt(s.bound);
  const band = (boundUnits * s.bandPpm) / 1_000_000n;
  const honestValues = s.honest.map((h) => s.centre + (band * h.ppmOfBand) / 1_000_000n);
  const hmin = honestValues.reduce((a, b) => (b < a ? b : a), honestValues[0] ?? s.centre);
  const hmax = honestValues.reduce((a, b) => (b > a ? b : a), honestValues[0] ?? s.centre);
  const near = (ppm: bigint): bigint => s.centre + (boundUnits * ppm) / 1_000_000n;
  const collude = near(s.colludePpmOfBound);
  const kind = rules.kind;

  const sign = (
    i: number,
    fields: { value: bigint; exponent: number },
    more: Partial<Overrides> = {},
  ): FetchedQuote => {
    const { secret, ...overrides } = more;
    const signed = signAttestation(
      {
        version: 1,
        kind,
        pair: 'BTC/USD',
        observedAt: BigInt(NOW - 1_000),
        sequence: 1_000n,
        sourceCount: 3,
        dispersionPpm: 10,
        sourcesCommitment: new Uint8Array(32),
        ...fields,
        ...overrides,
      },
      secret ?? (SECRETS[i] as Uint8Array),
      AUX,
    );
    return { ok: true, body: toJson(signed) };
  };
  const validSlot = (i: number, value: bigint, exponent: number, honest = false): Slot => ({
    fetched: sign(i, { value, exponent }),
    honest,
    valid: { value, exponent },
    lastSequence: 999n,
  });
  const invalidSlot = (fetched: FetchedQuote, lastSequence: bigint | null = null): Slot => ({
    fetched,
    honest: false,
    valid: null,
    lastSequence,
  });

  const parts: ((i: number) => Slot)[] = [
    ...s.honest.map((h, j) => (i: number): Slot => {
      const value = (honestValues[j] as bigint) * 10n ** BigInt(h.finer);
      return {
        fetched: sign(i, { value, exponent: e - h.finer }, { observedAt: BigInt(NOW - h.ago) }),
        honest: true,
        valid: { value, exponent: e - h.finer },
        lastSequence: null,
      };
    }),
    ...s.faults.map((f) => (i: number): Slot => {
      const atRules = { value: s.centre, exponent: e };
      switch (f.kind) {
        case 'down':
          return invalidSlot({ ok: false, error: 'connect ECONNREFUSED' });
        case 'tampered': {
          const fetched = sign(i, atRules);
          const body = fetched.ok ? (fetched.body as Record<string, unknown>) : {};
          return invalidSlot({ ok: true, body: { ...body, value: String(s.centre + 1n) } });
        }
        case 'strangerKey':
          return invalidSlot(sign(i, atRules, { secret: STRANGER }));
        case 'replayed':
          return invalidSlot(sign(i, atRules), 1_000n + f.ahead);
        case 'stale':
          return invalidSlot(sign(i, atRules, { observedAt: BigInt(NOW - f.ago) }));
        case 'future':
          return invalidSlot(sign(i, atRules, { observedAt: BigInt(NOW + f.ahead) }));
        case 'otherKind':
          return invalidSlot(sign(i, atRules, { kind: kind === 'index_price' ? 'funding_rate' : 'index_price' }));
        case 'near':
          return validSlot(i, clampI64(near(f.ppmOfBound)), e);
        case 'absurd':
          return validSlot(i, f.value, e);
        case 'rescaled': {
          const v = near(f.ppmOfBound);
          const value =
            f.shift < 0
              ? divRoundHalfEven(v, 10n ** BigInt(-f.shift))
              : v * 10n ** BigInt(f.shift) + (f.extra % 10n ** BigInt(f.shift));
          return validSlot(i, clampI64(value), e - f.shift);
        }
        case 'farExponent':
          return validSlot(i, f.value, f.exponent);
        case 'edge': {
          const past = ((hmax - hmin) * f.ppmOfSpread) / 1_000_000n + f.units;
          return validSlot(i, f.above ? hmax + past : hmin - past, e);
        }
        case 'collude':
          return validSlot(i, clampI64(collude), e);
      }
    }),
  ];
  const ordered = parts
    .map((make, j) => [s.order[j] ?? 0, j, make] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const slots = ordered.map(([, , make], i) => make(i));
  const oracles = slots.map((_, i) => ({ url: `http://oracle-${i}.test`, publicKey: KEYS[i] as string }));
  return { oracles, slots, rules };
}

function run(b: Built, permutation?: readonly number[]): QuoteSelection {
  const idx = permutation ?? b.slots.map((_, i) => i);
  const lastByKey = new Map(b.oracles.map((o, i) => [o.publicKey, b.slots[i]?.lastSequence ?? null]));
  return selectQuotes({
    oracles: idx.map((i) => b.oracles[i] as OracleEndpoint),
    fetched: idx.map((i) => (b.slots[i] as Slot).fetched),
    rules: b.rules,
    now: NOW,
    lastSequence: (key) => lastByKey.get(key) ?? null,
  });
}

/** The valid quotes' values at one exponent fine enough for all of them and the rules. */
function valuesAt(b: Built): { finest: number; values: Map<number, bigint> } {
  const exps = b.slots.flatMap((s) => (s.valid ? [s.valid.exponent] : []));
  const finest = Math.min(b.rules.exponent, ...exps);
  const values = new Map<number, bigint>();
  b.slots.forEach((s, i) => {
    if (s.valid) values.set(i, s.valid.value * 10n ** BigInt(s.valid.exponent - finest));
  });
  return { finest, values };
}

const absB = (n: bigint): bigint => (n < 0n ? -n : n);
function twiceMedian(values: readonly bigint[]): bigint {
  const v = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return (v[(v.length - 1) >> 1] as bigint) + (v[v.length >> 1] as bigint);
}

/** The specification, by brute force over every subset of the valid quotes: the set to act on, or null. */
function bestSet(b: Built): { members: number[]; twiceMedian: bigint; spread: bigint } | null {
  const { finest, values } = valuesAt(b);
  const ids = [...values.keys()];
  const all = ids.map((i) => values.get(i) as bigint);
  if (all.length === 0) return null;
  const twiceAll = twiceMedian(all);
  const absBound =
    b.rules.maxSpreadAbs === undefined ? null : b.rules.maxSpreadAbs * 10n ** BigInt(b.rules.exponent - finest);
  let best: { members: number[]; twiceMedian: bigint; spread: bigint; min: bigint } | null = null;
  for (let mask = 1; mask < 1 << ids.length; mask++) {
    const members = ids.filter((_, j) => mask & (1 << j));
    const vs = members.map((i) => values.get(i) as bigint);
    const min = vs.reduce((a, c) => (c < a ? c : a));
    const max = vs.reduce((a, c) => (c > a ? c : a));
    // Closed: every valid quote between its lowest and highest is in it.
    if (ids.some((i, j) => !(mask & (1 << j)) && (values.get(i) as bigint) >= min && (values.get(i) as bigint) <= max))
      continue;
    const spread = max - min;
    const tm = twiceMedian(vs);
    const agrees = absBound === null ? spread * 20_000n <= BigInt(b.rules.maxSpreadBps) * absB(tm) : spread <= absBound;
    if (!agrees) continue;
    const better =
      best === null ||
      members.length > best.members.length ||
      (members.length === best.members.length &&
        (spread < best.spread ||
          (spread === best.spread &&
            (absB(tm - twiceAll) < absB(best.twiceMedian - twiceAll) ||
              (absB(tm - twiceAll) === absB(best.twiceMedian - twiceAll) && min < best.min)))));
    if (better) best = { members, twiceMedian: tm, spread, min };
  }
  return best && best.members.length >= b.rules.threshold ? best : null;
}

/** Asserts the selection is exactly the specification and that its checks mark exactly what it used. */
function expectSpecified(b: Built, s: QuoteSelection): void {
  expect(s.checks.map((c) => c.oracle)).to.deep.equal(b.oracles.map((o) => o.url));
  b.slots.forEach((slot, i) => {
    if (!slot.valid) expect(s.checks[i]?.accepted, s.checks[i]?.reason).to.equal(false);
  });
  const best = bestSet(b);
  if (best === null) {
    expect(s.ok, s.ok ? 'acted with no agreeing set of k' : '').to.equal(false);
    expect(s.checks.every((c) => !c.accepted)).to.equal(true);
    return;
  }
  expect(s.ok, s.ok ? '' : s.reason).to.equal(true);
  if (!s.ok) return;
  const { finest } = valuesAt(b);
  expect(s.exponent).to.equal(b.rules.exponent);
  expect(s.value).to.equal(divRoundHalfEven(best.twiceMedian, 2n * 10n ** BigInt(b.rules.exponent - finest)));
  const used = s.checks.flatMap((c, i) => (c.accepted ? [i] : []));
  expect(used).to.deep.equal(best.members);
  expect(s.accepted.map((a) => Buffer.from(a.publicKey).toString('hex'))).to.deep.equal(
    used.map((i) => b.oracles[i]?.publicKey),
  );
}

describe('client/quotes selectQuotes: what k of n tolerates (property)', () => {
  it('acts on exactly the specified agreeing set, whoever is faulty, or refuses when none of k exists', () => {
    fc.assert(
      fc.property(fc.oneof(scenarioArb(true), scenarioArb(false)), (sc) => {
        const b = build(sc);
        expectSpecified(b, run(b));
      }),
      { numRuns: RUNS },
    );
  });

  it('never refuses while k or more honest oracles agree, and never lets a faulty minority move the value far', () => {
    fc.assert(
      fc.property(scenarioArb(true), (sc) => {
        const b = build(sc);
        const s = run(b);
        expect(s.ok, s.ok ? '' : s.reason).to.equal(true);
        if (!s.ok) return;
        const { finest, values } = valuesAt(b);
        const honest = b.slots.flatMap((slot, i) => (slot.honest ? [values.get(i) as bigint] : []));
        const faultyValid = b.slots.filter((slot) => !slot.honest && slot.valid !== null).length;
        const hmin = honest.reduce((a, c) => (c < a ? c : a));
        const hmax = honest.reduce((a, c) => (c > a ? c : a));
        const unit = 10n ** BigInt(b.rules.exponent - finest);
        const value = s.value * unit;
        const used = s.checks.flatMap((c, i) => (c.accepted ? [values.get(i) as bigint] : []));
        const spread = used.reduce((a, c) => (c > a ? c : a)) - used.reduce((a, c) => (c < a ? c : a));
        // Rounding to the rules' exponent moves the exact median by at most half a unit there.
        const slack = unit / 2n;
        if (2 * faultyValid < honest.length) {
          // Honest values are exact at the rules' exponent, so rounding cannot leave their range.
          expect(value >= hmin && value <= hmax, `${value} outside [${hmin}, ${hmax}]`).to.equal(true);
        }
        if (faultyValid < honest.length) {
          expect(
            b.slots.some((slot, i) => slot.honest && s.checks[i]?.accepted),
            'acted on a set without an honest quote',
          ).to.equal(true);
          expect(value >= hmin - spread - slack && value <= hmax + spread + slack).to.equal(true);
          const insideHonestRange = [...values.values()].filter((v) => v >= hmin && v <= hmax).length;
          if (used.length <= insideHonestRange) {
            expect(used.length).to.equal(insideHonestRange);
            expect(spread <= hmax - hmin, `spread ${spread} wider than the honest ${hmax - hmin}`).to.equal(true);
            expect(value >= hmin - (hmax - hmin) - slack && value <= hmax + (hmax - hmin) + slack).to.equal(true);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('2 of 3: one faulty oracle never vetoes, and moves the value at most half the honest spread past it', () => {
    const twoOfThree = fc.constantFrom(['price', 50] as const, ['rate', 1_000_000] as const).chain(([mode, bound]) =>
      fc.record({
        mode: fc.constant(mode),
        threshold: fc.constant(2),
        bound: fc.constant(bound),
        centre: fc.bigInt({ min: 100_000_000_000n, max: 20_000_000_000_000n }),
        bandPpm: fc.oneof(fc.bigInt({ min: 0n, max: 1_000_000n }), fc.constant(1_000_000n)),
        colludePpmOfBound: ppmOfBoundArb,
        honest: fc.tuple(
          honestArb.map((h) => ({ ...h, ppmOfBand: 0n })),
          honestArb.map((h) => ({ ...h, ppmOfBand: 1_000_000n })),
        ),
        faults: fc.tuple(faultArb),
        order: fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
      }),
    );
    fc.assert(
      fc.property(twoOfThree, (sc) => {
        const b = build(sc);
        const s = run(b);
        expect(s.ok, s.ok ? '' : s.reason).to.equal(true);
        if (!s.ok) return;
        const { finest, values } = valuesAt(b);
        const honest = b.slots.flatMap((slot, i) => (slot.honest ? [values.get(i) as bigint] : []));
        const [hmin, hmax] = [honest[0] as bigint, honest[1] as bigint].sort((x, y) => (x < y ? -1 : 1));
        const unit = 10n ** BigInt(b.rules.exponent - finest);
        // Twice the value against twice the bounds: half the honest spread stays exact.
        const twice = 2n * s.value * unit;
        const d = (hmax as bigint) - (hmin as bigint);
        expect(twice >= 2n * (hmin as bigint) - d - unit && twice <= 2n * (hmax as bigint) + d + unit).to.equal(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('does not depend on the order of the oracles', () => {
    const withPermutation = fc.oneof(scenarioArb(true), scenarioArb(false)).chain((sc) =>
      fc
        .shuffledSubarray([...Array(sc.order.length).keys()], {
          minLength: sc.order.length,
          maxLength: sc.order.length,
        })
        .map((p) => [sc, p] as const),
    );
    fc.assert(
      fc.property(withPermutation, ([sc, permutation]) => {
        const b = build(sc);
        const a = run(b);
        const p = run(b, permutation);
        expect(p.ok).to.equal(a.ok);
        if (a.ok && p.ok) {
          expect(p.value).to.equal(a.value);
          const keys = (x: typeof a) => x.accepted.map((q) => Buffer.from(q.publicKey).toString('hex')).sort();
          expect(keys(p)).to.deep.equal(keys(a));
        }
      }),
      { numRuns: RUNS / 2 },
    );
  });
});
