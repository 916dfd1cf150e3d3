/** The signed history and the sequence counter, persisted in SQLite (src/store/sqlite.ts). */
import type { AttestationJson, AttestationKind } from '../attest/types.js';
import type { FundingIndexState } from '../index/funding-index.js';

export interface AttestationStore extends HistoryReader {
  /**
   * Reserves and returns the next sequence number for this public key (hex): the larger of
   * (last reserved + 1) and `atLeast`. Durable before it returns: after a crash or restart the
   * next call returns a larger number, never a used one. The service passes the tick time in ms
   * as `atLeast`, so even a lost database does not reuse numbers while the clock moves forward.
   */
  nextSequence(publicKeyHex: string, atLeast?: bigint): bigint;
  /**
   * Appends a signed attestation. Rejects a (publicKey, sequence) pair already stored. With
   * `fundingIndex` (a funding_index attestation), also records the index state it leaves, in the
   * same transaction: the index continues from exactly what was signed, whatever crashes when.
   */
  append(attestation: AttestationJson, fundingIndex?: FundingIndexState): void;
  /** The funding index state of a key and pair (docs/METHODOLOGY.md 8.8), or null when none is stored. */
  fundingIndex(publicKeyHex: string, pair: string): FundingIndexState | null;
  /**
   * Records the funding index state to continue from: a new index, or one restored from a signed
   * attestation. Refuses (InputError) to move a stored index back in time or to start a new one
   * over it; the caller holds the data directory's lock.
   */
  startFundingIndex(publicKeyHex: string, pair: string, state: FundingIndexState): void;
  /** The newest stored attestation of a kind for a key, or null. */
  latest(kind: AttestationJson['kind'], publicKeyHex: string): AttestationJson | null;
  /** Deletes attestations observed before `beforeMs`; returns how many. Sequence is untouched. */
  prune(beforeMs: number): number;
  close(): void;
}

/** Range query over signed history. Times are ms since the epoch, inclusive. */
export interface HistoryQuery {
  readonly from: number;
  readonly to: number;
  readonly limit: number;
  readonly kind?: AttestationKind;
}

export interface HistoryReader {
  /** Attestations with observedAt in [from, to], oldest first, at most `limit`. */
  range(query: HistoryQuery): AttestationJson[];
}

/** The last row of a page: the next page starts right after it. */
export interface HistoryPosition {
  readonly observedAt: number;
  /** The row's id in the store, the tie-breaker between rows observed at the same time. */
  readonly id: bigint;
}

/** A page of history: at most `limit` rows and `maxBytes` of JSON (or one row, if that alone is larger). */
export interface HistoryPageQuery extends HistoryQuery {
  /** Start after the row (from, afterId) of a previous page's `next`; absent, `from` is inclusive. */
  readonly afterId?: bigint;
  /** Bytes of stored JSON a page may hold; its first row is served whatever its size, so a page never stalls. */
  readonly maxBytes: number;
}

export interface HistoryPage {
  /** How many attestations the page holds. */
  readonly count: number;
  /**
   * Their canonical JSON as stored, oldest first (ties in row order), joined by commas: the inside
   * of a JSON array. Shared with the store's cache: read it, never write into it.
   */
  readonly json: Buffer;
  /** Where the range goes on, or null when this page ends it. */
  readonly next: HistoryPosition | null;
}

export interface HistoryPages {
  /** A page of the range as stored bytes; no row is parsed or re-serialised. */
  page(query: HistoryPageQuery): HistoryPage;
}
