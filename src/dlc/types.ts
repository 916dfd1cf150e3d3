/**
 * DLC oracle messages (dlcspecs Oracle.md, Messaging.md, NumericOutcome.md), in memory. Integers
 * are JS numbers where the spec's field fits in 32 bits, bytes are Uint8Array, and every message
 * has a byte-exact TLV form (src/dlc/tlv.ts).
 */

/** digit_decomposition_event_descriptor (TLV type 55306). */
export interface DigitDecompositionDescriptor {
  /** Numeric base of the digits (2 by default). */
  readonly base: number;
  /** Whether the first outcome is a sign ("+" or "-"). */
  readonly isSigned: boolean;
  /** e.g. "BTC/USD" or "usd/btc" as the oracle chooses. */
  readonly unit: string;
  /** Signed 32-bit: the outcome value is digits * base^... * 10^precision. */
  readonly precision: number;
  /** Number of digits (u16). */
  readonly nbDigits: number;
}

/** oracle_event (TLV type 55330). */
export interface OracleEvent {
  /** One 32-byte x-only nonce point per signed outcome (sign first when signed, then digits). */
  readonly nonces: readonly Uint8Array[];
  /** Maturity, u32 seconds since the Unix epoch. */
  readonly eventMaturityEpoch: number;
  readonly descriptor: DigitDecompositionDescriptor;
  /** Up to 64 bytes of UTF-8 (spec: string). */
  readonly eventId: string;
}

/** oracle_announcement (TLV type 55332). */
export interface OracleAnnouncement {
  readonly signature: Uint8Array;
  readonly oraclePublicKey: Uint8Array;
  readonly event: OracleEvent;
}

/** oracle_attestation (TLV type 55400). */
export interface OracleAttestation {
  readonly eventId: string;
  readonly oraclePublicKey: Uint8Array;
  /** One BIP340 signature per outcome, leftmost digit first; each signature's R is the event's nonce. */
  readonly signatures: readonly Uint8Array[];
  /** The outcome strings signed ("+"/"-" first when signed, then "0"/"1"... per digit). */
  readonly outcomes: readonly string[];
}

/**
 * How the signed messages are hashed. Deployed oracles differ: dlcspecs says tagged hashes
 * ("DLC/oracle/announcement/v0", "DLC/oracle/attestation/v0"); several deployed oracles sign
 * plain sha256 of the message. Every response states which one was used.
 */
export type DlcSigningVersion = 'tagged-v0' | 'plain-sha256';
