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
  /** True exactly when the round acts on this quote (it is in the selection's `accepted`). */
  readonly accepted: boolean;
  /** The quote, or why it was left out: invalid (and how), or outside the agreeing set (and how far). */
  readonly reason: string;
}

export interface QuoteRules {
  readonly kind: AttestationKind;
  readonly pair: string;
  /** Refuse a quote observed longer ago than this (and one dated more than 5 s ahead). */
  readonly maxAgeMs: number;
  /** k: how many valid quotes must agree before the round acts on them. */
  readonly threshold: number;
  /**
   * Quotes agree when their spread (highest minus lowest, compared as numbers whatever their
   * exponents) is at most this many bps of their median. The round acts on the largest agreeing set.
   */
  readonly maxSpreadBps: number;
  /**
   * When set, an absolute bound instead, in units of `exponent`: for funding rates, which sit near
   * zero and change sign, so a bound relative to their median means nothing.
   */
  readonly maxSpreadAbs?: bigint;
  /**
   * The exponent the caller wants the value at (PRICE_EXPONENT for `/price`, RATE_EXPONENT for
   * `/funding`), -128..127. Quotes signed at other exponents are compared exactly; the median is
   * rounded half to even to this exponent when it has finer digits.
   */
  readonly exponent: number;
}

export type QuoteSelection =
  | {
      readonly ok: true;
      /** Median of the agreeing set's values, at `exponent` (rounded half to even once). */
      readonly value: bigint;
      /** Always the rules' `exponent`. */
      readonly exponent: number;
      /** Exactly the agreeing set, in oracle order: what the round uses and commits to. */
      readonly accepted: readonly SignedAttestation[];
      /** One per oracle, in oracle order. */
      readonly checks: readonly QuoteCheck[];
    }
  /** No `threshold` valid quotes agree: `reason` says how many were valid and the largest agreeing set. */
  | { readonly ok: false; readonly reason: string; readonly checks: readonly QuoteCheck[] };
