/**
 * Verification in the browser, with the server's own code (src/attest/json.ts, noble underneath):
 * steps 1 to 5 of docs/PROTOCOL.md ("How to verify"), pinned to the key the page trusts. A value
 * is shown only from an attestation that passed; one that failed is shown with why, and no number.
 */
import { verifyJson } from '../../src/attest/json.js';
import type { SignedAttestation } from '../../src/attest/types.js';

export type Checked =
  | { readonly ok: true; readonly attestation: SignedAttestation }
  | { readonly ok: false; readonly reason: string; readonly claimed: { kind: string; sequence: string } };

/** What an unverified object claims to be, for saying which one failed; nothing here is trusted. */
function claimed(raw: unknown): { kind: string; sequence: string } {
  const obj = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 32) : '?');
  return { kind: text(obj.kind), sequence: text(obj.sequence) };
}

/** Checks `raw` (parsed JSON) against the pinned key (64 hex); never throws. */
export function checkAttestation(raw: unknown, pinnedKeyHex: string): Checked {
  try {
    return { ok: true, attestation: verifyJson(raw, pinnedKeyHex) };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err), claimed: claimed(raw) };
  }
}
