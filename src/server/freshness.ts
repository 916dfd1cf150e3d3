/**
 * Decides whether the latest attestation of a kind may be served as current. A quote older than
 * the staleness bound is refused rather than served: a settlement client must never mistake an
 * old price for today's.
 */
import { FUTURE_TOLERANCE_MS, type AttestationKind } from '../attest/types.js';
import type { OracleState, PublishedAttestation } from './types.js';

/** How many tick intervals an attestation stays current; two missed ticks are tolerated. */
export const STALE_AFTER_TICKS = 3;

export type Freshness =
  | { readonly fresh: true; readonly published: PublishedAttestation; readonly ageMs: number }
  | { readonly fresh: false; readonly reason: string; readonly ageMs: number | null };

/**
 * Takes the state, a kind, the current time and the tick interval (ms); returns the latest
 * attestation with its age when it is at most STALE_AFTER_TICKS intervals old, otherwise why not
 * (the last refusal reason when it is newer than the attestation). Throws nothing.
 */
export function assessFreshness(
  state: OracleState,
  kind: AttestationKind,
  nowMs: number,
  tickIntervalMs: number,
): Freshness {
  const published = state.latest(kind);
  const ageMs = published === null ? null : nowMs - published.observedAtMs;
  const boundMs = STALE_AFTER_TICKS * tickIntervalMs;
  if (published !== null && ageMs !== null && ageMs <= boundMs && ageMs >= -FUTURE_TOLERANCE_MS)
    return { fresh: true, published, ageMs };
  if (ageMs !== null && ageMs < -FUTURE_TOLERANCE_MS) {
    return {
      fresh: false,
      reason: `last attestation is dated ${-ageMs} ms in the future: the oracle's clock moved back`,
      ageMs,
    };
  }
  const refusal = state.lastRefusal(kind);
  // A refusal older than the attestation explains nothing about why that attestation went stale.
  if (refusal !== null && (published === null || refusal.at >= published.observedAtMs))
    return { fresh: false, reason: refusal.reason, ageMs };
  if (ageMs === null) return { fresh: false, reason: 'no attestation signed yet', ageMs };
  return { fresh: false, reason: `last attestation is ${ageMs} ms old, limit ${boundMs} ms`, ageMs };
}
