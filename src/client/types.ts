/** Contracts of the settlement client (DESIGN section 6): quotes in, a decision and a payment out. */
import type { AttestationKind, SignedAttestation } from '../attest/types.js';

export type Role = 'receiver' | 'provider';

/** An oracle the client trusts: where to ask, and the key its quotes must be signed with. */
export interface OracleEndpoint {
  /** Base URL, e.g. "https://oracle.example.com" (the client appends /price or /funding). */
  readonly url: string;
  /** Pinned BIP340 x-only public key, 64 lowercase hex. */
  readonly publicKey: string;
}

/** What one oracle answered this round, before any check. */
export type FetchedQuote =
  { readonly ok: true; readonly body: unknown } | { readonly ok: false; readonly error: string };

/** Why each oracle's quote was or was not used this round. */
export interface QuoteCheck {
  readonly oracle: string;
  readonly accepted: boolean;
  readonly reason: string;
}

export interface QuoteRules {
  readonly kind: AttestationKind;
  readonly pair: string;
  /** Refuse a quote observed longer ago than this (and one dated more than 5 s ahead). */
  readonly maxAgeMs: number;
  /** k: how many valid quotes are needed. */
  readonly threshold: number;
  /** Refuse the round when the valid quotes' values differ by more than this, in bps of their median. */
  readonly maxSpreadBps: number;
  /**
   * When set, an absolute bound instead, in units of the quotes' exponent: for funding rates,
   * which sit near zero and change sign, so a bound relative to their median means nothing.
   */
  readonly maxSpreadAbs?: bigint;
}

export type QuoteSelection =
  | {
      readonly ok: true;
      /** Median of the accepted values, at `exponent`. */
      readonly value: bigint;
      readonly exponent: number;
      readonly accepted: readonly SignedAttestation[];
      readonly checks: readonly QuoteCheck[];
    }
  | { readonly ok: false; readonly reason: string; readonly checks: readonly QuoteCheck[] };
