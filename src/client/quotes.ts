/**
 * Which oracles' quotes a settlement round may act on (DESIGN section 6, PROTOCOL "Verifying"):
 * each quote must be signed by the key pinned for the oracle that served it, be of the expected
 * kind and pair, be fresh, and carry a sequence above the last one accepted from that key; then k
 * of n must agree to within a bound. Pure: the caller fetches, supplies the clock and the
 * sequences it has persisted, and persists the accepted sequences after acting.
 */
import { verifyJson } from '../attest/json.js';
import { FUTURE_TOLERANCE_MS, type AttestationKind, type SignedAttestation } from '../attest/types.js';
import { InputError } from '../core/errors.js';
import { abs, formatDecimal, median } from '../core/fixed.js';
import type { FetchedQuote, OracleEndpoint, QuoteCheck, QuoteRules, QuoteSelection } from './types.js';

/** The last sequence accepted from `publicKeyHex` for `kind`, or null when none was. */
export type LastSequence = (publicKeyHex: string, kind: AttestationKind) => bigint | null;

type Verdict = { ok: true; attestation: SignedAttestation } | { ok: false; reason: string };

function checkRules(rules: QuoteRules, oracleCount: number, fetchedCount: number, now: number): void {
  if (fetchedCount !== oracleCount)
    throw new InputError(`got ${fetchedCount} fetched quotes for ${oracleCount} oracles; they must match one to one`);
  if (!Number.isSafeInteger(now)) throw new InputError(`now must be an integer number of ms, got ${String(now)}`);
  if (!Number.isSafeInteger(rules.threshold) || rules.threshold < 1)
    throw new InputError(`threshold must be an integer >= 1, got ${String(rules.threshold)}`);
  if (!Number.isSafeInteger(rules.maxAgeMs) || rules.maxAgeMs < 0)
    throw new InputError(`maxAgeMs must be a non-negative integer, got ${String(rules.maxAgeMs)}`);
  if (!Number.isSafeInteger(rules.maxSpreadBps) || rules.maxSpreadBps < 0)
    throw new InputError(`maxSpreadBps must be a non-negative integer, got ${String(rules.maxSpreadBps)}`);
  if (rules.maxSpreadAbs !== undefined && (typeof rules.maxSpreadAbs !== 'bigint' || rules.maxSpreadAbs < 0n)) {
    throw new InputError(`maxSpreadAbs must be a non-negative bigint, got ${String(rules.maxSpreadAbs)}`);
  }
}

/** Every check on one oracle's answer, in the order PROTOCOL.md gives; the first failure wins. */
function judge(
  oracle: OracleEndpoint,
  fetched: FetchedQuote,
  rules: QuoteRules,
  now: bigint,
  lastSequence: LastSequence,
): Verdict {
  if (!fetched.ok) return { ok: false, reason: `no quote: ${fetched.error}` };
  let a: SignedAttestation;
  try {
    // Pinned to THIS oracle's key: a quote another configured oracle signed is not this one's vote.
    a = verifyJson(fetched.body, oracle.publicKey);
  } catch (err) {
    return { ok: false, reason: `invalid attestation: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (a.kind !== rules.kind) return { ok: false, reason: `kind is ${a.kind}, expected ${rules.kind}` };
  if (a.pair !== rules.pair)
    return { ok: false, reason: `pair is ${JSON.stringify(a.pair)}, expected ${JSON.stringify(rules.pair)}` };
  const ageMs = now - a.observedAt;
  if (ageMs > BigInt(rules.maxAgeMs))
    return { ok: false, reason: `quote is ${ageMs} ms old, limit ${rules.maxAgeMs} ms` };
  if (-ageMs > BigInt(FUTURE_TOLERANCE_MS)) {
    return { ok: false, reason: `quote is dated ${-ageMs} ms in the future, tolerance ${FUTURE_TOLERANCE_MS} ms` };
  }
  const last = lastSequence(oracle.publicKey, a.kind);
  if (last !== null && a.sequence <= last) {
    const what = a.sequence === last ? 'replayed' : 'older than the last accepted';
    return { ok: false, reason: `sequence ${a.sequence} is not above the last accepted ${last} (${what})` };
  }
  return { ok: true, attestation: a };
}

/** "0.83%": a ratio given in bps, rounded up so a refusal never shows a figure at its limit. */
function percentOfBps(numerator: bigint, denominator: bigint): string {
  const hundredthsOfPercent = (numerator + denominator - 1n) / denominator;
  return `${formatDecimal(hundredthsOfPercent, -2)}%`;
}

/** Why the accepted values are too far apart to act on, or null when they are close enough. */
function spreadProblem(values: readonly bigint[], mid: bigint, exponent: number, rules: QuoteRules): string | null {
  let min = values[0] as bigint;
  let max = min;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const spread = max - min;
  if (rules.maxSpreadAbs !== undefined) {
    // Rates sit near zero and change sign: a bound relative to the median means nothing there.
    if (spread <= rules.maxSpreadAbs) return null;
    return `quotes differ by ${formatDecimal(spread, exponent)}, limit ${formatDecimal(rules.maxSpreadAbs, exponent)}`;
  }
  const scale = abs(mid);
  if (spread * 10_000n <= BigInt(rules.maxSpreadBps) * scale) return null;
  const shown = scale === 0n ? 'around a median of zero' : `by ${percentOfBps(spread * 10_000n, scale)}`;
  return `quotes differ ${shown}, limit ${formatDecimal(BigInt(rules.maxSpreadBps), -2)}%`;
}

/**
 * Checks each oracle's answer (`fetched[i]` from `oracles[i]`) against `rules` at `now` (ms) and
 * combines the valid ones: their median when at least `rules.threshold` are valid, share one
 * exponent, and lie within the spread bound (`maxSpreadAbs` at that exponent when set, else
 * `maxSpreadBps` of the median). Returns the accepted attestations (whose sequences the caller
 * persists once it has acted) and one check per oracle with its reason; a refusal says why.
 * Throws InputError for caller bugs: mismatched lengths, invalid rules, two oracles with one key.
 */
export function selectQuotes(input: {
  oracles: readonly OracleEndpoint[];
  fetched: readonly FetchedQuote[];
  rules: QuoteRules;
  now: number;
  lastSequence: LastSequence;
}): QuoteSelection {
  const { oracles, fetched, rules } = input;
  checkRules(rules, oracles.length, fetched.length, input.now);
  const keys = new Set(oracles.map((o) => o.publicKey.toLowerCase()));
  if (keys.size !== oracles.length)
    throw new InputError('two oracles share a public key: they would count twice toward the threshold');

  const now = BigInt(input.now);
  const checks: QuoteCheck[] = [];
  const accepted: SignedAttestation[] = [];
  oracles.forEach((oracle, i) => {
    const verdict = judge(oracle, fetched[i] as FetchedQuote, rules, now, input.lastSequence);
    if (verdict.ok) {
      accepted.push(verdict.attestation);
      const a = verdict.attestation;
      checks.push({
        oracle: oracle.url,
        accepted: true,
        reason: `${a.kind} ${formatDecimal(a.value, a.exponent)}, sequence ${a.sequence}`,
      });
    } else {
      checks.push({ oracle: oracle.url, accepted: false, reason: verdict.reason });
    }
  });

  if (accepted.length < rules.threshold) {
    return {
      ok: false,
      reason: `${accepted.length} of ${oracles.length} oracles gave a valid quote, threshold is ${rules.threshold}`,
      checks,
    };
  }
  const exponents = [...new Set(accepted.map((a) => a.exponent))];
  if (exponents.length !== 1) {
    return {
      ok: false,
      reason: `valid quotes use different exponents (${exponents.join(', ')}); refusing to compare them`,
      checks,
    };
  }
  const exponent = exponents[0] as number;
  const values = accepted.map((a) => a.value);
  const value = median(values);
  const problem = spreadProblem(values, value, exponent, rules);
  if (problem !== null) return { ok: false, reason: problem, checks };
  return { ok: true, value, exponent, accepted, checks };
}
