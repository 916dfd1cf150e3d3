import { expect } from 'chai';
import { toJson } from '../../src/attest/json.js';
import { signAttestation } from '../../src/attest/sign.js';
import type { Attestation, AttestationJson, AttestationKind } from '../../src/attest/types.js';
import { publicKeyOf } from '../../src/attest/keys.js';
import { selectQuotes } from '../../src/client/quotes.js';
import type { FetchedQuote, OracleEndpoint, QuoteRules, QuoteSelection } from '../../src/client/types.js';
import { InputError } from '../../src/core/errors.js';

const secret = (byte: number): Uint8Array => new Uint8Array(32).fill(byte);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// Test-only keys; D is a key no oracle in the round is pinned to.
const SECRETS = { A: secret(0x11), B: secret(0x22), C: secret(0x33), D: secret(0x44) } as const;
type Signer = keyof typeof SECRETS;
const ORACLES: readonly OracleEndpoint[] = (['A', 'B', 'C'] as const).map((name) => ({
  url: `http://oracle-${name.toLowerCase()}.test`,
  publicKey: hex(publicKeyOf(SECRETS[name])),
}));

const NOW = 1_735_689_600_000;
const USD = 100_000_000n;
const RULES: QuoteRules = {
  kind: 'index_price',
  pair: 'BTC/USD',
  maxAgeMs: 60_000,
  threshold: 2,
  maxSpreadBps: 50,
  exponent: -8,
};

/** A quote as an oracle serves it: really signed by `signer`, fields overridable. */
function quote(signer: Signer, fields: Partial<Omit<Attestation, 'publicKey'>> = {}): AttestationJson {
  return toJson(
    signAttestation(
      {
        version: 1,
        kind: 'index_price',
        pair: 'BTC/USD',
        value: 50_000n * USD,
        exponent: -8,
        observedAt: BigInt(NOW - 2_000),
        sequence: 1_000n,
        sourceCount: 5,
        dispersionPpm: 40,
        sourcesCommitment: new Uint8Array(32).fill(0xab),
        ...fields,
      },
      SECRETS[signer],
      new Uint8Array(32),
    ),
  );
}

const ok = (body: unknown): FetchedQuote => ({ ok: true, body });
const GOOD: readonly FetchedQuote[] = [
  ok(quote('A', { value: 50_000n * USD })),
  ok(quote('B', { value: 50_010n * USD })),
  ok(quote('C', { value: 49_990n * USD })),
];

interface Case {
  name: string;
  /** Replacements for GOOD, by oracle index. */
  serve?: Readonly<Record<number, FetchedQuote>>;
  rules?: Partial<QuoteRules>;
  /** Last accepted sequence for every oracle's key. */
  last?: bigint;
  /** Expected median (at -8), or the refusal. */
  value?: bigint;
  refused?: RegExp;
  /**
   * Oracles expected to be left out, with their reason. On a refusal every oracle is left out:
   * those not listed here gave a valid quote and say so.
   */
  rejected?: Readonly<Record<number, RegExp>>;
}

const tampered = (q: AttestationJson): AttestationJson => ({ ...q, value: (BigInt(q.value) + 1n).toString() });

const CASES: readonly Case[] = [
  { name: 'valid 3 of 3: the median', value: 50_000n * USD },
  {
    name: 'one bad signature (value changed after signing)',
    serve: { 1: ok(tampered(quote('B'))) },
    rejected: { 1: /^invalid attestation: bad signature/ },
    value: 49_995n * USD,
  },
  {
    name: 'wrong key: served by A, signed by configured oracle B',
    serve: { 0: ok(quote('B')) },
    rejected: { 0: /^invalid attestation: wrong key: signed by [0-9a-f]{64}, expected [0-9a-f]{64}/ },
    value: 50_000n * USD,
  },
  {
    name: 'signed by an unconfigured key',
    serve: { 2: ok(quote('D')) },
    rejected: { 2: /wrong key/ },
    value: 50_005n * USD,
  },
  {
    name: 'malformed body',
    serve: { 2: ok({ hello: 'world' }) },
    rejected: { 2: /^invalid attestation: unexpected field\(s\): hello/ },
    value: 50_005n * USD,
  },
  {
    name: 'wrong kind',
    serve: { 2: ok(quote('C', { kind: 'funding_rate', exponent: -10, value: 1_000_000n })) },
    rejected: { 2: /^kind is funding_rate, expected index_price$/ },
    value: 50_005n * USD,
  },
  {
    name: 'wrong pair',
    serve: { 2: ok(quote('C', { pair: 'BTC/EUR' })) },
    rejected: { 2: /^pair is "BTC\/EUR", expected "BTC\/USD"$/ },
    value: 50_005n * USD,
  },
  {
    name: 'too old by 1 ms',
    serve: { 2: ok(quote('C', { observedAt: BigInt(NOW - 60_001) })) },
    rejected: { 2: /^quote is 60001 ms old, limit 60000 ms$/ },
    value: 50_005n * USD,
  },
  {
    name: 'exactly the maximum age is fresh',
    serve: { 2: ok(quote('C', { observedAt: BigInt(NOW - 60_000), value: 49_990n * USD })) },
    value: 50_000n * USD,
  },
  {
    name: 'dated more than 5 s ahead',
    serve: { 2: ok(quote('C', { observedAt: BigInt(NOW + 5_001) })) },
    rejected: { 2: /^quote is dated 5001 ms in the future, tolerance 5000 ms$/ },
    value: 50_005n * USD,
  },
  {
    name: 'dated exactly 5 s ahead is tolerated',
    serve: { 2: ok(quote('C', { observedAt: BigInt(NOW + 5_000), value: 49_990n * USD })) },
    value: 50_000n * USD,
  },
  {
    name: 'replayed sequence (= last accepted)',
    last: 1_000n,
    refused: /^0 of 3 oracles gave a valid quote, threshold is 2$/,
    rejected: { 0: /^sequence 1000 is not above the last accepted 1000 \(replayed\)$/, 1: /replayed/, 2: /replayed/ },
  },
  {
    name: 'older sequence',
    serve: { 0: ok(quote('A', { sequence: 998n })) },
    last: 999n,
    rejected: { 0: /^sequence 998 is not above the last accepted 999 \(older than the last accepted\)$/ },
    value: 50_000n * USD,
  },
  { name: 'sequence one above the last is new', last: 999n, value: 50_000n * USD },
  {
    name: 'an oracle down',
    serve: { 1: { ok: false, error: 'timed out after 2000 ms' } },
    rejected: { 1: /^no quote: timed out after 2000 ms$/ },
    value: 49_995n * USD,
  },
  {
    name: 'below threshold',
    serve: { 0: { ok: false, error: 'HTTP 503: no trustworthy index' }, 1: ok(tampered(quote('B'))) },
    refused: /^1 of 3 oracles gave a valid quote, threshold is 2$/,
    rejected: { 0: /HTTP 503/, 1: /bad signature/ },
  },
  {
    // Was refused ("quotes differ by 0.83%") before issue 9: one oracle could veto the round.
    name: 'three too far apart: the tighter pair of two that agree is used, the third named',
    serve: { 1: ok(quote('B', { value: 50_250n * USD })), 2: ok(quote('C', { value: 49_835n * USD })) },
    rejected: { 1: /^outside the agreeing set: index_price 50250\.00000000 is 0\.67% from its median 49917\.50000000/ },
    value: 49_917n * USD + 50_000_000n,
  },
  {
    name: 'spread exactly at the limit: all three agree',
    serve: { 1: ok(quote('B', { value: 50_125n * USD })), 2: ok(quote('C', { value: 49_875n * USD })) },
    value: 50_000n * USD,
  },
  {
    // Was refused ("quotes differ by 0.51%") before issue 9.
    name: 'spread one unit over the limit: the two that agree are used, the distance shown rounded up',
    serve: { 1: ok(quote('B', { value: 50_125n * USD + 1n })), 2: ok(quote('C', { value: 49_875n * USD })) },
    rejected: { 1: /^outside the agreeing set: index_price 50125\.00000001 is 0\.38% from its median 49937\.50000000/ },
    value: 49_937n * USD + 50_000_000n,
  },
  {
    name: 'no two agree: refused, naming the largest agreeing set',
    serve: { 1: ok(quote('B', { value: 50_300n * USD })), 2: ok(quote('C', { value: 49_700n * USD })) },
    refused:
      /^no 2 of the 3 valid quotes agree within 0\.50% of their median; the largest agreeing set has 1 \(.*-a\.test\)$/,
  },
  {
    // Was refused ("valid quotes use different exponents") before issue 9.
    name: 'mixed exponents are compared as numbers',
    serve: { 2: ok(quote('C', { exponent: -6, value: 50_000_000_000n })) },
    value: 50_000n * USD,
  },
  {
    name: 'a finer exponent: the median is rounded half to even to the asked exponent',
    serve: { 0: ok(quote('A', { exponent: -10, value: 500_000_000_000_150n })) },
    // The median of 50000.0000000150, 50010 and 49990 is 50000.0000000150: half to even at -8, ...02.
    value: 50_000n * USD + 2n,
  },
];

function run(c: Case): QuoteSelection {
  const fetched = GOOD.map((f, i) => c.serve?.[i] ?? f);
  return selectQuotes({
    oracles: ORACLES,
    fetched,
    rules: { ...RULES, ...c.rules },
    now: NOW,
    lastSequence: () => c.last ?? null,
  });
}

describe('client/quotes selectQuotes', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const s = run(c);
      expect(s.checks.map((k) => k.oracle)).to.deep.equal(ORACLES.map((o) => o.url));
      s.checks.forEach((check, i) => {
        const reason =
          c.rejected?.[i] ?? (c.refused ? /^valid \(index_price [\d.]+, sequence \d+\) but unused: / : undefined);
        expect(check.accepted, `oracle ${i}: ${check.reason}`).to.equal(reason === undefined);
        if (reason) expect(check.reason).to.match(reason);
      });
      if (c.refused) {
        expect(s.ok).to.equal(false);
        if (!s.ok) expect(s.reason).to.match(c.refused);
      } else {
        expect(s.ok, s.ok ? '' : s.reason).to.equal(true);
        if (s.ok) {
          expect(s.value).to.equal(c.value);
          expect(s.exponent).to.equal(-8);
          expect(s.accepted.map((a) => hex(a.publicKey))).to.deep.equal(
            ORACLES.filter((_, i) => !c.rejected?.[i]).map((o) => o.publicKey),
          );
        }
      }
    });
  }

  describe('funding rates: absolute spread bound', () => {
    /** A rate at -10, or [mantissa, exponent]. */
    type Rate = bigint | readonly [bigint, number];
    const rate = (signer: Signer, r: Rate): FetchedQuote =>
      ok(
        quote(signer, {
          kind: 'funding_rate',
          ...(typeof r === 'bigint' ? { value: r, exponent: -10 } : { value: r[0], exponent: r[1] }),
        }),
      );
    const FUNDING: readonly [name: string, values: readonly Rate[], maxSpreadAbs: bigint, expected: bigint | RegExp][] =
      [
        ['rates straddling zero within the bound', [-100_000n, 0n, 100_000n], 200_000n, 0n],
        ['negative rates', [-1_300_000n, -1_250_000n, -1_200_000n], 100_000n, -1_250_000n],
        // Was refused ("quotes differ by 0.0000250000") before issue 9: the closer pair is used.
        ['rates straddling zero beyond the bound', [-100_000n, 0n, 150_000n], 200_000n, -50_000n],
        [
          'rates no two of which agree',
          [-300_000n, 0n, 300_000n],
          200_000n,
          /^no 2 of the 3 valid quotes agree within 0\.0000200000; the largest agreeing set has 1 \(.*-b\.test\)$/,
        ],
        // 0.15 units at -10: the median, rounded half to even, is 0.
        ['a rate at a finer exponent, compared exactly', [-100_000n, [15n, -12], 100_000n], 200_000n, 0n],
        ['a rate at a coarser exponent, compared exactly', [-1_100_000n, [-1n, -4], -900_000n], 200_000n, -1_000_000n],
      ];
    for (const [name, values, maxSpreadAbs, expected] of FUNDING) {
      it(name, () => {
        const s = selectQuotes({
          oracles: ORACLES,
          fetched: values.map((v, i) => rate((['A', 'B', 'C'] as const)[i] as Signer, v)),
          rules: { ...RULES, kind: 'funding_rate' as AttestationKind, maxSpreadAbs, exponent: -10 },
          now: NOW,
          lastSequence: () => null,
        });
        if (expected instanceof RegExp) {
          expect(s.ok).to.equal(false);
          if (!s.ok) expect(s.reason).to.match(expected);
        } else {
          expect(s.ok && s.value).to.equal(expected);
          expect(s.ok && s.exponent).to.equal(-10);
        }
      });
    }
  });

  it('asks for the last sequence per pinned key and kind', () => {
    const asked: string[] = [];
    selectQuotes({
      oracles: ORACLES,
      fetched: GOOD,
      rules: RULES,
      now: NOW,
      lastSequence: (key, kind) => (asked.push(`${key}/${kind}`), null),
    });
    expect(asked).to.deep.equal(ORACLES.map((o) => `${o.publicKey}/index_price`));
  });

  describe('caller bugs are refused loudly', () => {
    const base = { oracles: ORACLES, fetched: GOOD, rules: RULES, now: NOW, lastSequence: () => null };
    const BUGS: readonly [name: string, input: Parameters<typeof selectQuotes>[0], pattern: RegExp][] = [
      ['fewer answers than oracles', { ...base, fetched: GOOD.slice(1) }, /2 fetched quotes for 3 oracles/],
      [
        'two oracles with one key',
        { ...base, oracles: [ORACLES[0]!, { ...ORACLES[0]!, url: 'http://mirror.test' }, ORACLES[2]!] },
        /share a public key/,
      ],
      ['threshold 0', { ...base, rules: { ...RULES, threshold: 0 } }, /threshold/],
      ['negative maximum age', { ...base, rules: { ...RULES, maxAgeMs: -1 } }, /maxAgeMs/],
      ['negative absolute spread', { ...base, rules: { ...RULES, maxSpreadAbs: -1n } }, /maxSpreadAbs/],
      ['fractional now', { ...base, now: 1.5 }, /now/],
    ];
    for (const [name, input, pattern] of BUGS) {
      it(name, () => expect(() => selectQuotes(input)).to.throw(InputError, pattern));
    }
  });
});

describe('client/quotes: one oracle out of n cannot veto settlement', () => {
  const select = (fetched: readonly FetchedQuote[], rules: Partial<QuoteRules> = {}): QuoteSelection =>
    selectQuotes({
      oracles: ORACLES,
      fetched,
      rules: { ...RULES, exponent: -8, ...rules },
      now: NOW,
      lastSequence: () => null,
    });

  it('one oracle of 3 signing a price 1% off never vetoes 2 of 3: the two that agree are used, the third named', () => {
    const s = select([
      ok(quote('A', { value: 50_000n * USD })),
      ok(quote('B', { value: 50_000n * USD })),
      ok(quote('C', { value: 50_500n * USD })),
    ]);
    expect(s.ok, s.ok ? '' : s.reason).to.equal(true);
    if (!s.ok) return;
    expect(s.value).to.equal(50_000n * USD);
    expect(s.accepted.map((a) => hex(a.publicKey))).to.deep.equal([ORACLES[0]!.publicKey, ORACLES[1]!.publicKey]);
    expect(s.checks.map((c) => c.accepted)).to.deep.equal([true, true, false]);
    expect(s.checks[2]!.reason).to.match(
      /^outside the agreeing set: index_price 50500\.00000000 is 1\.00% from its median 50000\.00000000/,
    );
  });

  it('one oracle of 3 signing at another exponent never vetoes: the same price at -7 is the same number', () => {
    const s = select([
      ok(quote('A', { value: 50_000n * USD })),
      ok(quote('B', { value: 50_010n * USD })),
      ok(quote('C', { value: 50_000n * 10n ** 7n, exponent: -7 })),
    ]);
    expect(s.ok, s.ok ? '' : s.reason).to.equal(true);
    if (!s.ok) return;
    expect([s.value, s.exponent]).to.deep.equal([50_000n * USD, -8]);
    expect(s.checks.map((c) => c.accepted)).to.deep.equal([true, true, true]);
  });

  it('one oracle of 3 signing a price 1% off at another exponent never vetoes 2 of 3', () => {
    const s = select([
      ok(quote('A', { value: 50_000n * USD })),
      ok(quote('B', { value: 50_010n * USD })),
      ok(quote('C', { value: 49_500n * 10n ** 7n, exponent: -7 })),
    ]);
    expect(s.ok, s.ok ? '' : s.reason).to.equal(true);
    if (!s.ok) return;
    expect(s.value).to.equal(50_005n * USD);
    expect(s.checks.map((c) => c.accepted)).to.deep.equal([true, true, false]);
    expect(s.checks[2]!.reason).to.match(
      /^outside the agreeing set: index_price 49500\.0000000 is 1\.01% from its median 50005\.00000000/,
    );
  });
  it('says when the median is rounded to the asked exponent', () => {
    const s = select([
      ok(quote('A', { value: 500_000_000_000_150n, exponent: -10 })),
      ok(quote('B', { value: 50_010n * USD })),
      ok(quote('C', { value: 49_990n * USD })),
    ]);
    expect(s.ok && s.value).to.equal(50_000n * USD + 2n);
    for (const check of s.checks)
      expect(check.reason).to.match(/; their median is rounded half to even to 50000\.00000002$/);
  });

  it('says nothing of rounding when the median is exact at the asked exponent', () => {
    const s = select(GOOD);
    expect(s.checks.map((c) => c.reason)).to.deep.equal([
      'index_price 50000.00000000, sequence 1000',
      'index_price 50010.00000000, sequence 1000',
      'index_price 49990.00000000, sequence 1000',
    ]);
  });
});

describe('client/quotes: what k of n tolerates, the README examples (maxSpreadBps 50)', () => {
  const FIVE = [0x11, 0x22, 0x33, 0x44, 0x55].map(secret);
  const FIVE_ORACLES: readonly OracleEndpoint[] = FIVE.map((s, i) => ({
    url: `http://oracle-${i + 1}.test`,
    publicKey: hex(publicKeyOf(s)),
  }));
  /** Round with `prices` (whole USD, null: down) from the first oracles, k of them needed. */
  const round = (k: number, prices: readonly (number | null)[]): QuoteSelection =>
    selectQuotes({
      oracles: FIVE_ORACLES.slice(0, prices.length),
      fetched: prices.map((p, i) =>
        p === null
          ? { ok: false, error: 'connect ECONNREFUSED' }
          : ok(
              toJson(
                signAttestation(
                  {
                    version: 1,
                    kind: 'index_price',
                    pair: 'BTC/USD',
                    value: BigInt(p) * USD,
                    exponent: -8,
                    observedAt: BigInt(NOW - 2_000),
                    sequence: 1_000n,
                    sourceCount: 5,
                    dispersionPpm: 40,
                    sourcesCommitment: new Uint8Array(32),
                  },
                  FIVE[i]!,
                  new Uint8Array(32),
                ),
              ),
            ),
      ),
      rules: { ...RULES, threshold: k },
      now: NOW,
      lastSequence: () => null,
    });
  const used = (s: QuoteSelection): number[] => s.checks.flatMap((c, i) => (c.accepted ? [i + 1] : []));
  const EXAMPLES: readonly [name: string, k: number, prices: readonly (number | null)[], value: number | null][] = [
    ['2 of 3: three that agree give the middle quote', 2, [67_000, 67_300, 67_150], 67_150],
    ['2 of 3: one oracle down changes nothing', 2, [67_000, 67_300, null], 67_150],
    ['2 of 3: two down stop settlement', 2, [67_000, null, null], null],
    ['2 of 3: a third quote too far is left out', 2, [67_000, 67_300, 67_640], 67_150],
    [
      '2 of 3: a third quote closer to one honest quote than they are to each other wins the tie',
      2,
      [67_000, 67_300, 67_550],
      67_425,
    ],
    ['3 of 5: two down change nothing', 3, [67_000, 67_100, 67_200, null, null], 67_100],
    ['3 of 5: three down stop settlement', 3, [67_000, 67_100, null, null, null], null],
    [
      '3 of 5: one wrong quote among four honest stays inside their range',
      3,
      [67_000, 67_100, 67_200, 67_300, 67_600],
      67_150,
    ],
    [
      '3 of 5: two colluders beside three honest move the price past them',
      3,
      [67_000, 67_100, 67_200, 67_400, 67_400],
      67_300,
    ],
    ['3 of 5: ... by at most the bound (here to 67,318)', 3, [67_000, 67_100, 67_200, 67_436, 67_436], 67_318],
    ['3 of 5: ... and one unit further they are left out', 3, [67_000, 67_100, 67_200, 67_437, 67_437], 67_100],
    ['3 of 5: three colluders set the price', 3, [67_000, 67_100, 68_000, 68_000, 68_000], 68_000],
  ];
  for (const [name, k, prices, value] of EXAMPLES) {
    it(name, () => {
      const s = round(k, prices);
      if (value === null) {
        expect(s.ok).to.equal(false);
        if (!s.ok) expect(s.reason).to.match(/oracles gave a valid quote, threshold is/);
      } else {
        expect(s.ok, s.ok ? '' : s.reason).to.equal(true);
        expect(s.ok && s.value).to.equal(BigInt(value) * USD);
      }
    });
  }

  it('names the quote left out with its distance from the median, as the README shows', () => {
    const s = round(2, [67_000, 67_300, 67_640]);
    expect(s.checks[2]?.reason).to.match(
      /^outside the agreeing set: index_price 67640\.00000000 is 0\.73% from its median 67150\.00000000 /,
    );
  });

  it('a tie between equally large and equally tight sets goes to the lower one, whatever the order', () => {
    // {67,000, 67,300} and {67,300, 67,600}: same size, spread and distance from the middle quote.
    for (const prices of [
      [67_000, 67_300, 67_600],
      [67_600, 67_300, 67_000],
    ]) {
      const s = round(2, prices);
      expect(s.ok && s.value).to.equal(67_150n * USD);
    }
  });

  it('equal quotes are all in or all out: none is left out for its place in the configuration', () => {
    // Three of them agree only by leaving out one of two equal quotes (0.5% of 100,000 = 500, but
    // the four's median is 99,750): that set is never formed, so no 3 agree.
    const s = round(3, [99_500, 99_500, 100_000, 100_000]);
    expect(s.ok).to.equal(false);
    if (!s.ok)
      expect(s.reason).to.match(
        /^no 3 of the 4 valid quotes agree .* largest agreeing set has 2 \(.*-1\.test, .*-2\.test\)$/,
      );
    const two = round(2, [99_500, 99_500, 100_000, 100_000]);
    expect(two.ok && used(two)).to.deep.equal([1, 2]);
    // The mirror image, where the equal quotes that would be split are the highest.
    expect(round(3, [-100_000, -100_000, -99_500, -99_500]).ok).to.equal(false);
  });
});
