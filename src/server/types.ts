/**
 * What the HTTP layer reads from the running oracle. The server owns no state of its own: the
 * oracle service publishes into an OracleState once per tick and the handlers only read it, so a
 * request never computes, signs or touches the exchanges.
 */
import type { AttestationJson, AttestationKind } from '../attest/types.js';

/** A signed attestation ready to serve: the JSON object and its exact serialised bytes. */
export interface PublishedAttestation {
  readonly json: AttestationJson;
  /** UTF-8 JSON of `json`, serialised once when it was signed. */
  readonly body: Buffer;
  /** Strong ETag, derived from the public key and sequence ("\"<pk8>-<seq>\""). */
  readonly etag: string;
  /** observedAt as a number (ms), for age computations. */
  readonly observedAtMs: number;
}

/** Why the latest tick of a kind produced nothing to sign. */
export interface Refusal {
  readonly at: number;
  readonly reason: string;
}

/** One source's verdict, JSON-ready (prices as decimal strings with the stated exponent). */
export interface SourceReport {
  source: string;
  verdict: string;
  reason: string;
  quote: string;
  rawPrice: string | null;
  price: string | null;
  exchangeTs: number | null;
  receivedAt: number | null;
  ageMs: number | null;
  deviationBps: number | null;
}

/**
 * One aggregated figure on its last tick: the index, a quote conversion such as USDT/USD, the
 * funding rate or the perpetual premium.
 */
export interface MarketReport {
  kind: 'index_price' | 'conversion' | 'funding_rate' | 'perp_premium';
  pair: string;
  /** Tick time of this figure (ms); funding figures tick on their own cadence. */
  at: number;
  ok: boolean;
  /** Aggregated price as an integer string at `exponent`, or null when refused. */
  price: string | null;
  exponent: number;
  reason: string | null;
  sources: SourceReport[];
}

export interface SourcesReport {
  /** Time of the last index tick (ms), or null before the first tick. */
  at: number | null;
  markets: MarketReport[];
}

/** Public description of this oracle for /oracle. */
export interface OracleInfo {
  name: string;
  softwareVersion: string;
  protocolVersion: number;
  publicKey: string;
  tag: string;
  kinds: AttestationKind[];
  pair: string;
  exponent: number;
  tickIntervalMs: number;
  methodology: string;
  /** Summary of thresholds and sources an auditor needs; never secrets or file paths. */
  config: Record<string, unknown>;
  /** The Nostr key that carries this oracle's messages and the oracle key's binding of it, when it publishes there. */
  nostr?: Record<string, unknown>;
}

export interface OracleState {
  latest(kind: AttestationKind): PublishedAttestation | null;
  lastRefusal(kind: AttestationKind): Refusal | null;
  sources(): SourcesReport;
  info(): OracleInfo;
  /** Subscribe to each newly signed attestation; returns the unsubscribe function. */
  subscribe(listener: (published: PublishedAttestation) => void): () => void;
}
