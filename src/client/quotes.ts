/**
 * Which oracles' quotes a settlement round acts on (k of n). Each answer is judged alone first
 * (`./quote-checks.ts`); the valid ones are then compared as numbers, whatever exponent each was
 * signed at, and the round acts on the largest set of at least k that agree (`./agreeing-set.ts`),
 * so one oracle signing a figure the others do not is left out, named, instead of stopping
 * settlement. Only when no k valid quotes agree does the round refuse. What this tolerates, and
 * what a colluding group can still do, is in the README ("Risks you take", the oracles). Pure: the
 * caller fetches, supplies the clock and the sequences it has persisted, and persists the accepted
 * sequences after acting.
 */
import type { SignedAttestation } from '../attest/types.js';
import { InputError } from '../core/errors.js';
import { divRoundHalfEven, formatDecimal } from '../core/fixed.js';
import { findAgreeingRun, type AgreeingRun, type SpreadBound } from './agreeing-set.js';
import { checkQuoteRules, judgeQuote, type LastSequence, type Verdict } from './quote-checks.js';
import type { FetchedQuote, OracleEndpoint, QuoteCheck, QuoteRules, QuoteSelection } from './types.js';

/** A valid quote, with its value at the finest exponent of the round. */
interface Valid {
  readonly index: number;
  readonly attestation: SignedAttestation;
  readonly value: bigint;
}

const abs = (n: bigint): bigint => (n < 0n ? -n : n);
const describe = (a: SignedAttestation): string =>
  `${a.kind} ${formatDecimal(a.value, a.exponent)}, sequence ${a.sequence}`;

/** `ceil(n / d)` for non-negative n and positive d: a distance shown never looks smaller than it is. */
const divUp = (n: bigint, d: bigint): bigint => (n + d - 1n) / d;

/** The bound as the agreeing set reads it, at the round's finest exponent `finest`. */
function boundAt(rules: QuoteRules, finest: number): SpreadBound {
  if (rules.maxSpreadAbs === undefined) return { bps: rules.maxSpreadBps };
  return { abs: rules.maxSpreadAbs * 10n ** BigInt(rules.exponent - finest) };
}

function limitText(rules: QuoteRules): string {
  if (rules.maxSpreadAbs === undefined) return `${formatDecimal(BigInt(rules.maxSpreadBps), -2)}% of their median`;
  return formatDecimal(rules.maxSpreadAbs, rules.exponent);
}

/** How far `v` lies from the set's median (`twiceMedian / 2`), both at `finest`. */
function distanceText(v: bigint, twiceMedian: bigint, rules: QuoteRules, finest: number): string {
  const twiceDistance = abs(2n * v - twiceMedian);
  if (rules.maxSpreadAbs === undefined && twiceMedian !== 0n) {
    const hundredthsOfPercent = divUp(twiceDistance * 10_000n, abs(twiceMedian));
    return `${formatDecimal(hundredthsOfPercent, -2)}%`;
  }
  return formatDecimal(divUp(twiceDistance, 2n * 10n ** BigInt(rules.exponent - finest)), rules.exponent);
}

/**
 * Checks each oracle's answer (`fetched[i]` from `oracles[i]`) against `rules` at `now` (ms), then
 * acts on the best agreeing set of the valid ones (see `./agreeing-set.ts` for "best") when it
 * has at least `rules.threshold` quotes: its median, computed exactly at the finest exponent
 * among the quotes and returned at `rules.exponent`, rounded half to even once. `accepted` is
 * exactly that set (whose sequences the caller persists once it has acted, and whose
 * attestations the payment commits to); `checks` has one entry per oracle, saying why it was left
 * out. Throws InputError for caller bugs: mismatched lengths, invalid rules, two oracles with one key.
 */
export function selectQuotes(input: {
  oracles: readonly OracleEndpoint[];
  fetched: readonly FetchedQuote[];
  rules: QuoteRules;
  now: number;
  lastSequence: LastSequence;
}): QuoteSelection {
  const { oracles, fetched, rules } = input;
  checkQuoteRules(rules, oracles.length, fetched.length, input.now);
  const keys = new Set(oracles.map((o) => o.publicKey.toLowerCase()));
  if (keys.size !== oracles.length)
    throw new InputError('two oracles share a public key: they would count twice toward the threshold');

  const now = BigInt(input.now);
  const verdicts = oracles.map((o, i) => judgeQuote(o, fetched[i] as FetchedQuote, rules, now, input.lastSequence));
  const refuse = (reason: string, unused: string): QuoteSelection => ({
    ok: false,
    reason,
    checks: verdicts.map((v, i) => ({
      oracle: (oracles[i] as OracleEndpoint).url,
      accepted: false,
      reason: v.ok ? `valid (${describe(v.attestation)}) but unused: ${unused}` : v.reason,
    })),
  });
  const valid = verdicts.flatMap((v, index) => (v.ok ? [{ index, attestation: v.attestation }] : []));
  const { threshold } = rules;
  if (valid.length < threshold) {
    const reason = `${valid.length} of ${oracles.length} oracles gave a valid quote, threshold is ${threshold}`;
    return refuse(reason, `fewer than ${threshold} valid quotes`);
  }

  // Compared exactly at the finest exponent in play, the caller's included, so nothing rounds yet.
  const finest = Math.min(rules.exponent, ...valid.map((q) => q.attestation.exponent));
  const sorted: Valid[] = valid
    .map((q) => ({ ...q, value: q.attestation.value * 10n ** BigInt(q.attestation.exponent - finest) }))
    .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : a.index - b.index));
  const run = findAgreeingRun(
    sorted.map((q) => q.value),
    boundAt(rules, finest),
  );
  const chosen = sorted.slice(run.first, run.last + 1);
  if (chosen.length < threshold) {
    const largest = chosen.map((q) => (oracles[q.index] as OracleEndpoint).url).join(', ');
    const reason =
      `no ${threshold} of the ${valid.length} valid quotes agree within ${limitText(rules)}; ` +
      `the largest agreeing set has ${chosen.length} (${largest})`;
    return refuse(reason, `no ${threshold} valid quotes agree`);
  }
  return acceptRun(oracles, verdicts, sorted, run, rules, finest);
}

/** The selection for an agreeing run of at least the threshold: its median and one check per oracle. */
function acceptRun(
  oracles: readonly OracleEndpoint[],
  verdicts: readonly Verdict[],
  sorted: readonly Valid[],
  run: AgreeingRun,
  rules: QuoteRules,
  finest: number,
): QuoteSelection {
  const twiceUnit = 2n * 10n ** BigInt(rules.exponent - finest);
  const value = divRoundHalfEven(run.twiceMedian, twiceUnit);
  const shown = formatDecimal(value, rules.exponent);
  const rounded = run.twiceMedian % twiceUnit === 0n ? '' : `; their median is rounded half to even to ${shown}`;
  const inRun = new Set(sorted.slice(run.first, run.last + 1).map((q) => q.index));
  const valueAt = new Map(sorted.map((q) => [q.index, q.value]));
  const checks: QuoteCheck[] = verdicts.map((v, i) => {
    const oracle = (oracles[i] as OracleEndpoint).url;
    if (!v.ok) return { oracle, accepted: false, reason: v.reason };
    if (inRun.has(i)) return { oracle, accepted: true, reason: `${describe(v.attestation)}${rounded}` };
    const a = v.attestation;
    const distance = distanceText(valueAt.get(i) as bigint, run.twiceMedian, rules, finest);
    const reason =
      `outside the agreeing set: ${a.kind} ${formatDecimal(a.value, a.exponent)} is ${distance} ` +
      `from its median ${shown} (sequence ${a.sequence})`;
    return { oracle, accepted: false, reason };
  });
  const accepted = verdicts.flatMap((v, i) => (v.ok && inRun.has(i) ? [v.attestation] : []));
  return { ok: true, value, exponent: rules.exponent, accepted, checks };
}
