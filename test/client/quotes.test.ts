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
const RULES: QuoteRules = { kind: 'index_price', pair: 'BTC/USD', maxAgeMs: 60_000, threshold: 2, maxSpreadBps: 50 };

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
  /** Oracles expected to be rejected, with their reason. */
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
    name: 'spread too wide',
    serve: { 1: ok(quote('B', { value: 50_250n * USD })), 2: ok(quote('C', { value: 49_835n * USD })) },
    refused: /^quotes differ by 0\.83%, limit 0\.50%$/,
  },
  {
    name: 'spread exactly at the limit is accepted',
    serve: { 1: ok(quote('B', { value: 50_125n * USD })), 2: ok(quote('C', { value: 49_875n * USD })) },
    value: 50_000n * USD,
  },
  {
    name: 'spread one unit over the limit is refused, shown rounded up',
    serve: { 1: ok(quote('B', { value: 50_125n * USD + 1n })), 2: ok(quote('C', { value: 49_875n * USD })) },
    refused: /^quotes differ by 0\.51%, limit 0\.50%$/,
  },
  {
    name: 'mixed exponents',
    serve: { 2: ok(quote('C', { exponent: -6, value: 50_000_000_000n })) },
    refused: /^valid quotes use different exponents \(-8, -6\); refusing to compare them$/,
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
        const reason = c.rejected?.[i];
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
    const rate = (signer: Signer, value: bigint): FetchedQuote =>
      ok(quote(signer, { kind: 'funding_rate', exponent: -10, value }));
    const FUNDING: readonly [
      name: string,
      values: readonly bigint[],
      maxSpreadAbs: bigint,
      expected: bigint | RegExp,
    ][] = [
      ['rates straddling zero within the bound', [-100_000n, 0n, 100_000n], 200_000n, 0n],
      ['negative rates', [-1_300_000n, -1_250_000n, -1_200_000n], 100_000n, -1_250_000n],
      [
        'rates straddling zero beyond the bound',
        [-100_000n, 0n, 150_000n],
        200_000n,
        /^quotes differ by 0\.0000250000, limit 0\.0000200000$/,
      ],
    ];
    for (const [name, values, maxSpreadAbs, expected] of FUNDING) {
      it(name, () => {
        const s = selectQuotes({
          oracles: ORACLES,
          fetched: values.map((v, i) => rate((['A', 'B', 'C'] as const)[i] as Signer, v)),
          rules: { ...RULES, kind: 'funding_rate' as AttestationKind, maxSpreadAbs },
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
