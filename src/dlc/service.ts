/**
 * The DLC oracle service: announces scheduled events ahead of time with nonces derived from the
 * nonce secret, and attests each at most once, at or after maturity, from the first signed index
 * observed at or after maturity. Before any attestation leaves the process its outcomes are
 * journaled (fsync); at start-up the journal and the database must agree, and an attestation the
 * database lost (an old backup restored) is re-signed from the journaled outcomes, never anew.
 */
import { toHex } from '../attest/bytes.js';
import { taggedHash } from '../attest/hash.js';
import { verifyJson } from '../attest/json.js';
import { loadSecretKey, publicKeyOf } from '../attest/keys.js';
import { dirname, resolve } from 'node:path';
import type { Clock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import { divRoundHalfEven } from '../core/fixed.js';
import type { Logger } from '../core/log.js';
import type { HistoryReader } from '../store/types.js';
import type { DlcConfig } from './config.js';
import { dueAnnouncements } from './schedule.js';
import { attest, deriveNonce, signAnnouncement, verifyAnnouncement, verifyAttestation } from './sign.js';
import { OutcomeJournal, openDlcStore, sameOutcomes, type DlcStore, type EventPageQuery, type JournalEntry, type StoredAttestation, type StoredEvent } from './store.js';
import { decodeAnnouncement, decodeAttestation, encodeAnnouncement, encodeAttestation, encodeDescriptor, nonceCount } from './tlv.js';
import type { DigitDecompositionDescriptor, DlcSigningVersion, OracleAnnouncement, OracleAttestation, OracleEvent } from './types.js';

/** Name of the DLC database file inside the oracle's data directory. */
export const DLC_DATABASE_FILE = 'dlc.sqlite3';

const FINGERPRINT_TAG = 'PeerStables/dlc-nonce-fingerprint/v1';
const NONCE_BINDING_TAG = 'PeerStables/dlc/nonce-binding/v1';
/** Index attestations read per look-up after a maturity; the first of our key wins. */
const INDEX_LOOKUP_ROWS = 100;

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
  readonly hex: string;
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

/** What the HTTP layer reads. */
export interface DlcReader {
  readonly publicKeyHex: string;
  readonly signingVersion: DlcSigningVersion;
  /** The event `eventId`, or null when it was never announced. */
  view(eventId: string): DlcEventView | null;
  /** A page of events by (maturity, eventId). */
  page(query: EventPageQuery): DlcEventView[];
}

export interface DlcServiceOptions {
  readonly config: DlcConfig;
  /** The DLC database file, e.g. join(dataDir, DLC_DATABASE_FILE). */
  readonly databaseFile: string;
  /** The oracle's secret key (the same one that signs the index). */
  readonly secretKey: Uint8Array;
  /** The signed index history (kind index_price) the outcomes come from. */
  readonly history: HistoryReader;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Loads the nonce secret, opens the database and the journal, checks that the database belongs to
 * this key and nonce secret (recording them in a new one), and reconciles the journal with the
 * database. Throws KeyError for a missing or unsafe nonce secret file, ConfigError for a database
 * of another key or nonce secret, and for any disagreement between journal and database.
 */
export function openDlcService(options: DlcServiceOptions): DlcService {
  // The journal is what stops a restored database from attesting an event again with another
  // value; a backup that holds both restores both, so they must not live side by side.
  if (resolve(dirname(options.config.journalFile)) === resolve(dirname(options.databaseFile))) {
    throw new ConfigError(
      `the DLC journal ${options.config.journalFile} is in the same folder as the DLC database; ` +
        'keep it apart (another folder or volume, outside the database backups): see docs/DLC.md',
    );
  }
  const nonceSecret = loadSecretKey(options.config.nonceSecretFile);
  const publicKey = publicKeyOf(options.secretKey);
  const journal = OutcomeJournal.open(options.config.journalFile);
  const store = openDlcStore(options.databaseFile);
  try {
    store.claimIdentity({
      publicKeyHex: toHex(publicKey),
      nonceFingerprintHex: toHex(taggedHash(FINGERPRINT_TAG, nonceSecret)),
      signingVersion: options.config.signingVersion,
    });
    const service = new DlcService(options, publicKey, bindNonceSecret(nonceSecret, publicKey, options.config), store, journal);
    service.reconcile();
    return service;
  } catch (error) {
    store.close();
    throw error;
  }
}

/** The DLC oracle; build it with openDlcService. */
export class DlcService implements DlcReader {
  readonly publicKeyHex: string;
  readonly signingVersion: DlcSigningVersion;
  private readonly descriptor: DigitDecompositionDescriptor;
  private timer: NodeJS.Timeout | null = null;

  /** @internal use openDlcService. */
  constructor(
    private readonly options: DlcServiceOptions,
    publicKey: Uint8Array,
    private readonly nonceSecret: Uint8Array,
    private readonly store: DlcStore,
    private readonly journal: OutcomeJournal,
  ) {
    const c = options.config;
    this.publicKeyHex = toHex(publicKey);
    this.signingVersion = c.signingVersion;
    this.descriptor = { base: c.base, isSigned: c.isSigned, unit: c.unit, precision: c.precision, nbDigits: c.nbDigits };
  }

  /**
   * Start-up check, run by openDlcService: each journal entry must match the database's
   * attestation, a journaled event the database lost is re-signed with the journaled outcomes,
   * and every attestation in the database must be journaled. Throws ConfigError otherwise.
   */
  reconcile(): void {
    for (const entry of this.journal.entries()) {
      const stored = this.store.attestation(entry.eventId);
      if (stored === null) {
        this.restoreFromJournal(entry);
        continue;
      }
      const outcomes = decodeAttestation(stored.attestation).outcomes;
      if (!sameOutcomes(outcomes, entry.outcomes)) {
        throw new ConfigError(
          `DLC journal and database disagree on event ${entry.eventId}: journal ${entry.outcomes.join('')}, database ${outcomes.join('')}; ` +
            'refusing to start: restore the database and journal that belong together',
        );
      }
    }
    const unjournaled = this.store.attestedEventIds().filter((id) => this.journal.get(id) === undefined);
    if (unjournaled.length > 0) {
      throw new ConfigError(
        `the DLC database holds ${unjournaled.length} attestation(s) missing from the journal (first: ${unjournaled[0]}); ` +
          'the journal was replaced or restored from a backup: put back the current journal',
      );
    }
  }

  /** Announces what is due and attests what has matured; one event's failure does not stop the others. */
  pass(): { announced: number; attested: number } {
    const now = this.options.clock.now();
    const c = this.options.config;
    let announced = 0;
    let attested = 0;
    for (const due of dueAnnouncements(c.unit, c.events, now, c.announceAheadMs)) {
      if (this.store.event(due.eventId) !== null) continue;
      this.guard(due.eventId, () => {
        this.announce(due.eventId, due.series, due.maturity, now);
        announced++;
      });
    }
    for (const event of this.store.unattested(now)) {
      this.guard(event.eventId, () => {
        if (this.attestFromIndex(event, now)) attested++;
      });
    }
    return { announced, attested };
  }

  /** Runs pass() now and every config.passIntervalMs until close(). */
  start(): void {
    if (this.timer !== null) return;
    this.pass();
    this.timer = setInterval(() => this.pass(), this.options.config.passIntervalMs);
  }

  /** Stops the timer and closes the database. */
  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.store.close();
  }

  view(eventId: string): DlcEventView | null {
    const event = this.store.event(eventId);
    return event === null ? null : this.toView(event);
  }

  page(query: EventPageQuery): DlcEventView[] {
    return this.store.events(query).map((e) => this.toView(e));
  }

  private guard(eventId: string, work: () => void): void {
    try {
      work();
    } catch (err) {
      this.options.logger.error({ err, eventId }, 'DLC event could not be processed; will retry on the next pass');
    }
  }

  private announce(eventId: string, series: string, maturity: number, now: number): OracleAnnouncement {
    const nonces = Array.from({ length: nonceCount(this.descriptor) }, (_, i) => deriveNonce(this.nonceSecret, eventId, i).R);
    const event: OracleEvent = { nonces, eventMaturityEpoch: maturity / 1000, descriptor: this.descriptor, eventId };
    const announcement = signAnnouncement(event, this.options.secretKey, this.signingVersion);
    if (!verifyAnnouncement(announcement, this.signingVersion)) throw new Error(`announcement of ${eventId} does not verify`);
    this.store.insertEvent({ eventId, series, maturity, announcement: encodeAnnouncement(announcement), announcedAt: now }, nonces);
    this.options.logger.info({ eventId, maturity }, 'DLC event announced');
    return announcement;
  }

  /** Attests `event` from the first index at or after maturity; returns false while there is none. */
  private attestFromIndex(event: StoredEvent, now: number): boolean {
    if (now < event.maturity) return false;
    const journaled = this.journal.get(event.eventId);
    if (journaled !== undefined) {
      this.restoreFromJournal(journaled);
      return true;
    }
    const index = this.firstIndexFrom(event.maturity);
    if (index === null) return false;
    const late = index.observedAt > event.maturity + this.options.config.toleranceMs;
    const value = toOutcomeValue(index.value, index.exponent, this.descriptor.precision);
    const announcement = decodeAnnouncement(event.announcement);
    const attestation = this.signAndCheck(announcement, value);
    // Journal first: once this returns, the outcome is bound to the event for good.
    this.journal.append({
      eventId: event.eventId,
      announcementHex: toHex(event.announcement),
      series: event.series,
      maturity: event.maturity,
      outcomes: attestation.outcomes,
      value: value.toString(),
      indexObservedAt: index.observedAt,
      indexSequence: index.sequence,
      late,
      attestationHex: toHex(encodeAttestation(attestation)),
    });
    this.store.insertAttestation({
      eventId: event.eventId,
      attestation: encodeAttestation(attestation),
      value,
      indexObservedAt: index.observedAt,
      indexSequence: index.sequence,
      late,
      attestedAt: now,
    });
    if (late) this.options.logger.warn({ eventId: event.eventId, indexObservedAt: index.observedAt }, 'DLC event attested late');
    else this.options.logger.info({ eventId: event.eventId }, 'DLC event attested');
    return true;
  }

  /** Re-signs a journaled outcome the database lost; identical signatures, since nonces are deterministic. */
  private restoreFromJournal(entry: JournalEntry): void {
    const journaledAnnouncement = decodeAnnouncement(Uint8Array.from(Buffer.from(entry.announcementHex, 'hex')));
    let event = this.store.event(entry.eventId);
    if (event === null) {
      if (toHex(journaledAnnouncement.oraclePublicKey) !== this.publicKeyHex || journaledAnnouncement.event.eventId !== entry.eventId) {
        throw new ConfigError(`DLC journal entry ${entry.eventId} is not an announcement of this oracle`);
      }
      event = { eventId: entry.eventId, series: entry.series, maturity: entry.maturity, announcement: encodeAnnouncement(journaledAnnouncement), announcedAt: this.options.clock.now() };
      this.store.insertEvent(event, journaledAnnouncement.event.nonces);
    }
    const announcement = decodeAnnouncement(event.announcement);
    if (!sameNonces(announcement.event.nonces, journaledAnnouncement.event.nonces)) {
      throw new ConfigError(`DLC journal and database announce event ${entry.eventId} with different nonces; refusing to start`);
    }
    // The journaled attestation goes back as it was released: nothing is signed again.
    const refuse = (why: string): ConfigError =>
      new ConfigError(`DLC journal attestation of event ${entry.eventId} cannot be restored (${why}); refusing to sign anything else`);
    let attestation: OracleAttestation;
    try {
      attestation = decodeAttestation(Uint8Array.from(Buffer.from(entry.attestationHex, 'hex')));
    } catch (error) {
      throw refuse(error instanceof Error ? error.message : String(error));
    }
    if (!verifyAttestation(announcement, attestation, this.signingVersion)) throw refuse('it does not verify against the announcement');
    if (!sameOutcomes(attestation.outcomes, entry.outcomes)) throw refuse('its outcomes differ from the journaled ones');
    this.store.insertAttestation({
      eventId: entry.eventId,
      attestation: encodeAttestation(attestation),
      value: BigInt(entry.value),
      indexObservedAt: entry.indexObservedAt,
      indexSequence: entry.indexSequence,
      late: entry.late,
      attestedAt: this.options.clock.now(),
    });
    this.options.logger.warn({ eventId: entry.eventId }, 'DLC attestation missing from the database was restored from the journal');
  }

  private signAndCheck(announcement: OracleAnnouncement, value: bigint): OracleAttestation {
    const attestation = attest(announcement.event, value, this.options.secretKey, this.nonceSecret, this.signingVersion);
    if (!verifyAttestation(announcement, attestation, this.signingVersion)) {
      throw new Error(`attestation of ${announcement.event.eventId} does not verify against its announcement`);
    }
    return attestation;
  }

  /** The first index attestation of our key observed at or after `fromMs`, verified, or null. */
  private firstIndexFrom(fromMs: number): { value: bigint; exponent: number; observedAt: number; sequence: string } | null {
    const rows = this.options.history.range({ kind: 'index_price', from: fromMs, to: Number.MAX_SAFE_INTEGER, limit: INDEX_LOOKUP_ROWS });
    for (const row of rows) {
      if (row.publicKey !== this.publicKeyHex || row.kind !== 'index_price') continue;
      const signed = verifyJson(row, this.publicKeyHex);
      if (Number(signed.observedAt) < fromMs) continue;
      return { value: signed.value, exponent: signed.exponent, observedAt: Number(signed.observedAt), sequence: signed.sequence.toString() };
    }
    return null;
  }

  private toView(event: StoredEvent): DlcEventView {
    const announcement = decodeAnnouncement(event.announcement);
    const stored = this.store.attestation(event.eventId);
    const base = {
      eventId: event.eventId,
      maturity: isoTime(event.maturity),
      maturityEpoch: announcement.event.eventMaturityEpoch,
      signingVersion: this.signingVersion,
      announcement: { hex: toHex(event.announcement), json: announcementJson(announcement) },
    };
    if (stored !== null) {
      return { ...base, attestation: attestationView(stored), ...attestedStatus(stored, this.options.config.toleranceMs) };
    }
    const matured = this.options.clock.now() >= event.maturity;
    return {
      ...base,
      attestation: null,
      status: matured ? 'waiting_for_index' : 'announced',
      reason: matured ? 'waiting for an index observed after maturity' : `not attested before maturity (${base.maturity})`,
    };
  }
}

/**
 * Converts an index mantissa at `exponent` into the outcome value at 10^`precision` units,
 * rounding half to even (e.g. 6_543_210_987_654n at -8, precision 0 -> 65_432n).
 */
export function toOutcomeValue(mantissa: bigint, exponent: number, precision: number): bigint {
  const shift = exponent - precision;
  return shift >= 0 ? mantissa * 10n ** BigInt(shift) : divRoundHalfEven(mantissa, 10n ** BigInt(-shift));
}

function attestedStatus(stored: StoredAttestation, toleranceMs: number): { status: DlcEventStatus; reason: string } {
  return stored.late
    ? {
        status: 'attested_late',
        reason: `attested late: no index was observed within ${toleranceMs} ms after maturity; the first one after it (${isoTime(stored.indexObservedAt)}) was used`,
      }
    : { status: 'attested', reason: `attested from the index observed at ${isoTime(stored.indexObservedAt)}` };
}

function attestationView(stored: StoredAttestation): AttestationView {
  const a = decodeAttestation(stored.attestation);
  return {
    hex: toHex(stored.attestation),
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
}

function announcementJson(a: OracleAnnouncement): AnnouncementJson {
  const d = a.event.descriptor;
  return {
    announcementSignature: toHex(a.signature),
    oraclePublicKey: toHex(a.oraclePublicKey),
    oracleEvent: {
      oracleNonces: a.event.nonces.map(toHex),
      eventMaturityEpoch: a.event.eventMaturityEpoch,
      eventDescriptor: {
        digitDecompositionEvent: { base: d.base, isSigned: d.isSigned, unit: d.unit, precision: d.precision, nbDigits: d.nbDigits },
      },
      eventId: a.event.eventId,
    },
  };
}

function sameNonces(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  return a.length === b.length && a.every((r, i) => toHex(r) === toHex(b[i] as Uint8Array));
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The nonce secret actually used: the configured one bound to this oracle's key, its descriptor
 * and its signing version, so two oracles that share a nonce secret file (a standby, staging, a
 * second unit or precision) never derive the same nonce for the same event id.
 */
export function bindNonceSecret(nonceSecret: Uint8Array, publicKey: Uint8Array, c: DlcConfig): Uint8Array {
  const descriptor = encodeDescriptor({ base: c.base, isSigned: c.isSigned, unit: c.unit, precision: c.precision, nbDigits: c.nbDigits });
  return taggedHash(NONCE_BINDING_TAG, Uint8Array.from([...nonceSecret, ...publicKey, ...descriptor, ...Buffer.from(c.signingVersion, 'utf8')]));
}
