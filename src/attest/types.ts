/**
 * The attestation: every field a client acts on, signed as one canonical byte string
 * (docs/PROTOCOL.md). In memory, integers are bigint and bytes are Uint8Array; on the wire
 * (AttestationJson) 64-bit integers are decimal strings and bytes are lowercase hex.
 */

export const PROTOCOL_VERSION = 1;

/**
 * How far ahead of a verifier's clock an attestation may be dated and still count as fresh
 * (docs/PROTOCOL.md, step 6): clocks jitter, but a figure from further ahead cannot be aged. The
 * oracle's server, the settlement client and `peer-stables verify` all apply this one bound.
 */
export const FUTURE_TOLERANCE_MS = 5_000;

/** Kinds of figure the oracle signs, with their one-byte code in the encoding. */
export const KIND_CODES = {
  /** BTC/USD index price, at the price exponent. */
  index_price: 1,
  /** Funding rate per 8 hours of BTC perpetuals, a ratio; positive: longs pay shorts. */
  funding_rate: 2,
  /** Premium of the perpetuals' mark price over our own spot index, a ratio (mark / index - 1). */
  perp_premium: 3,
  /**
   * Cumulative funding per unit of USD notional since this oracle's epoch: the sum of rate x elapsed
   * / 8 h over its funding ticks (docs/METHODOLOGY.md 8.8). Clients use differences of it.
   */
  funding_index: 4,
} as const;
export type AttestationKind = keyof typeof KIND_CODES;

export interface Attestation {
  readonly version: number;
  readonly kind: AttestationKind;
  /** e.g. "BTC/USD"; printable ASCII, at most 32 bytes. */
  readonly pair: string;
  /** Signed 64-bit mantissa. */
  readonly value: bigint;
  /** Decimal exponent of `value`, -128..127. */
  readonly exponent: number;
  /** Observation (tick) time, ms since the Unix epoch, unsigned 64-bit. */
  readonly observedAt: bigint;
  /** Per-key sequence number, unsigned 64-bit, strictly increasing across restarts. */
  readonly sequence: bigint;
  /** Number of sources the value was computed from, unsigned 16-bit. */
  readonly sourceCount: number;
  /** Dispersion of the accepted sources around the value, ppm, unsigned 32-bit. */
  readonly dispersionPpm: number;
  /** Tagged hash committing to the accepted source observations (32 bytes). */
  readonly sourcesCommitment: Uint8Array;
  /** The oracle's BIP340 x-only public key (32 bytes). */
  readonly publicKey: Uint8Array;
}

export interface SignedAttestation extends Attestation {
  /** BIP340 signature (64 bytes) over the tagged hash of the canonical encoding. */
  readonly signature: Uint8Array;
}

/** An attestation exactly as served over HTTP. */
export interface AttestationJson {
  version: number;
  kind: string;
  pair: string;
  value: string;
  exponent: number;
  observedAt: string;
  sequence: string;
  sourceCount: number;
  dispersionPpm: number;
  sourcesCommitment: string;
  publicKey: string;
  signature: string;
}
