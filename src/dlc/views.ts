/**
 * The JSON the /dlc API serves for an event, built ONCE from messages already validated, when the
 * event is announced, attested or restored (or once at start-up for older databases), and stored.
 * A request then only joins stored text and adds the status, which depends on the clock: no
 * request decodes a message or touches a curve point (issue 8: 21 curve checks per event per
 * request kept the price server busy for seconds).
 */
import { toHex } from '../attest/bytes.js';
import type { ServedRow, StoredAttestation } from './store.js';
import { encodeAttestationRustDlc } from './tlv.js';
import type {
  DigitDecompositionDescriptor,
  DlcSigningVersion,
  OracleAnnouncement,
  OracleAttestation,
} from './types.js';

/** Where an event stands. */
export type DlcEventStatus = 'announced' | 'waiting_for_index' | 'attested' | 'attested_late';

/** An event as the API serves it: hex TLV and decoded JSON of each message, and its status. */
export interface DlcEventView {
  readonly eventId: string;
  /** ISO-8601 UTC. */
  readonly maturity: string;
  readonly maturityEpoch: number;
  readonly signingVersion: DlcSigningVersion;
  readonly announcement: { readonly hex: string; readonly json: AnnouncementJson };
  readonly attestation: AttestationView | null;
  readonly status: DlcEventStatus;
  /** The status in words, e.g. "waiting for an index observed after maturity". */
  readonly reason: string;
}

/** The attestation of an event, with the index it settles on. */
export interface AttestationView {
  /** The TLV in the dlcspecs layout (bitcoin-s, Atomic Finance / node-dlc). */
  readonly hex: string;
  /** The same attestation in the layout rust-dlc based wallets read (ddk, kormir): docs/DLC.md. */
  readonly rustDlcHex: string;
  readonly json: AttestationJson;
  /** The index in the descriptor's unit and precision, before clamping (decimal string). */
  readonly value: string;
  readonly indexObservedAt: string;
  readonly indexSequence: string;
  /** True when no index was observed within the tolerance after maturity; the first one after was used. */
  readonly late: boolean;
}

/** oracle_announcement in the JSON shape DLC wallets (rust-dlc) use. */
export interface AnnouncementJson {
  readonly announcementSignature: string;
  readonly oraclePublicKey: string;
  readonly oracleEvent: {
    readonly oracleNonces: string[];
    readonly eventMaturityEpoch: number;
    readonly eventDescriptor: { readonly digitDecompositionEvent: DigitDecompositionDescriptor };
    readonly eventId: string;
  };
}

/** oracle_attestation in the JSON shape DLC wallets (rust-dlc) use. */
export interface AttestationJson {
  readonly eventId: string;
  readonly oraclePublicKey: string;
  readonly signatures: string[];
  readonly outcomes: string[];
}

/** An event ready to send: its JSON, and what the status-dependent answers need. */
export interface ServedEvent {
  readonly eventId: string;
  /** ms since the epoch. */
  readonly maturity: number;
  readonly json: string;
  readonly attested: boolean;
  readonly status: DlcEventStatus;
  readonly reason: string;
}

/**
 * The stored head of an event: its JSON object without attestation, status and reason, from an
 * announcement the caller has verified. Throws Error when the announcement is not of `eventId`
 * maturing at `maturityMs` (a corrupted database).
 */
export function eventHead(
  eventId: string,
  maturityMs: number,
  bytes: Uint8Array,
  a: OracleAnnouncement,
  version: DlcSigningVersion,
): string {
  const { event } = a;
  if (event.eventId !== eventId || event.eventMaturityEpoch * 1000 !== maturityMs) {
    const found = `${event.eventId}, maturing at ${event.eventMaturityEpoch}`;
    throw new Error(`the stored announcement of ${eventId} is of ${found}`);
  }
  const d = event.descriptor;
  const descriptor = { base: d.base, isSigned: d.isSigned, unit: d.unit, precision: d.precision, nbDigits: d.nbDigits };
  const json: AnnouncementJson = {
    announcementSignature: toHex(a.signature),
    oraclePublicKey: toHex(a.oraclePublicKey),
    oracleEvent: {
      oracleNonces: a.event.nonces.map(toHex),
      eventMaturityEpoch: a.event.eventMaturityEpoch,
      eventDescriptor: { digitDecompositionEvent: descriptor },
      eventId: a.event.eventId,
    },
  };
  return JSON.stringify({
    eventId,
    maturity: isoTime(maturityMs),
    maturityEpoch: event.eventMaturityEpoch,
    signingVersion: version,
    announcement: { hex: toHex(bytes), json },
  });
}

/** The stored JSON of an attestation the caller has verified against its announcement. */
export function attestationView(stored: StoredAttestation, a: OracleAttestation): string {
  const view: AttestationView = {
    hex: toHex(stored.attestation),
    rustDlcHex: toHex(encodeAttestationRustDlc(a)),
    json: {
      eventId: a.eventId,
      oraclePublicKey: toHex(a.oraclePublicKey),
      signatures: a.signatures.map(toHex),
      outcomes: [...a.outcomes],
    },
    value: stored.value.toString(),
    indexObservedAt: isoTime(stored.indexObservedAt),
    indexSequence: stored.indexSequence,
    late: stored.late,
  };
  return JSON.stringify(view);
}

/** The event as served at `nowMs`: stored JSON joined with its status; no decoding. */
export function serveEvent(row: ServedRow, nowMs: number, toleranceMs: number): ServedEvent {
  const { status, reason } = statusOf(row, nowMs, toleranceMs);
  const tail = `"attestation":${row.attestation ?? 'null'},"status":"${status}","reason":${JSON.stringify(reason)}}`;
  const json = `${row.head.slice(0, -1)},${tail}`;
  return { eventId: row.eventId, maturity: row.maturity, json, attested: row.attestation !== null, status, reason };
}

function statusOf(row: ServedRow, nowMs: number, toleranceMs: number): { status: DlcEventStatus; reason: string } {
  if (row.attestation !== null) {
    return row.late
      ? {
          status: 'attested_late',
          reason:
            `attested late: no index was observed within ${toleranceMs} ms after maturity; ` +
            `the first one after it (${isoTime(row.indexObservedAt)}) was used`,
        }
      : { status: 'attested', reason: `attested from the index observed at ${isoTime(row.indexObservedAt)}` };
  }
  return nowMs >= row.maturity
    ? { status: 'waiting_for_index', reason: 'waiting for an index observed after maturity' }
    : { status: 'announced', reason: `not attested before maturity (${isoTime(row.maturity)})` };
}

/** ISO-8601 UTC of `ms`. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
