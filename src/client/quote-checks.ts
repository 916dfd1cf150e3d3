/**
 * Whether one oracle's answer may count at all (PROTOCOL "How to verify, step by step"): signed by
 * the key pinned for the oracle that served it, of the expected kind and pair, fresh, and with a
 * sequence above the last one accepted from that key. Agreement between the quotes that pass is
 * decided afterwards (`./agreeing-set.ts`); here each answer is judged alone, and a failure comes
 * back as a reason, never as an exception.
 */
import { verifyJson } from '../attest/json.js';
import { FUTURE_TOLERANCE_MS, type AttestationKind, type SignedAttestation } from '../attest/types.js';
import { InputError } from '../core/errors.js';
import type { FetchedQuote, OracleEndpoint, QuoteRules } from './types.js';

/** The last sequence accepted from `publicKeyHex` for `kind`, or null when none was. */
export type LastSequence = (publicKeyHex: string, kind: AttestationKind) => bigint | null;

export type Verdict = { ok: true; attestation: SignedAttestation } | { ok: false; reason: string };

/** Throws InputError for a caller bug: mismatched lengths, a fractional clock, or invalid rules. */
export function checkQuoteRules(rules: QuoteRules, oracleCount: number, fetchedCount: number, now: number): void {
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
  // The attestation's own exponent range (docs/PROTOCOL.md): a value the caller could not sign either.
  if (!Number.isSafeInteger(rules.exponent) || rules.exponent < -128 || rules.exponent > 127)
    throw new InputError(`exponent must be an integer in -128..127, got ${String(rules.exponent)}`);
}

/** Every check on one oracle's answer, in the order PROTOCOL.md gives; the first failure wins. */
export function judgeQuote(
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
