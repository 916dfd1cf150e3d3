/**
 * The DLC oracle service: announces scheduled events ahead of time with nonces derived from the
 * nonce secret bound to its lineage, and attests each at most once, at or after maturity, from
 * the first signed index observed at or after maturity, with the descriptor and nonce binding the
 * event was announced with. Before any attestation leaves the process its outcomes are journaled
 * (fsync); an attestation the database lost (an old backup restored) is put back from the
 * journal as it was released, never signed anew. Attested events past dlc.retentionDays are
 * pruned by the service's own pass. Build it with openDlcService (src/dlc/open.ts).
 */
import { toHex } from '../attest/bytes.js';
import { verifyJson } from '../attest/json.js';
import type { Clock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import { divRoundHalfEven } from '../core/fixed.js';
import type { Logger } from '../core/log.js';
import { runInTurns, runToEnd, type Steps } from '../core/steps.js';
import type { HistoryReader } from '../store/types.js';
import type { DlcConfig } from './config.js';
import { sameOutcomes, type JournalEntry, type OutcomeJournal } from './journal.js';
import { CURRENT_NONCE_BINDING, eventNonceSecret, type NonceBinding, type NonceContext } from './nonces.js';
import { dueAnnouncements } from './schedule.js';
import {
  attestSteps,
  deriveNonce,
  signAnnouncement,
  verifyAnnouncement,
  verifyAttestation,
  verifyAttestationSteps,
} from './sign.js';
import type { DlcStore, EventPageQuery, StoredAttestation, StoredEvent } from './store.js';
import { decodeAnnouncement, decodeAttestation, encodeAnnouncement, encodeAttestation, nonceCount } from './tlv.js';
import type {
  DigitDecompositionDescriptor,
  DlcSigningVersion,
  OracleAnnouncement,
  OracleAttestation,
  OracleEvent,
} from './types.js';
import { attestationView, eventHead, serveEvent, type DlcEventView, type ServedEvent } from './views.js';

/** Index attestations read per look-up after a maturity; the first of our key wins. */
const INDEX_LOOKUP_ROWS = 100;
/** How often a pass prunes attested events past retention. */
const PRUNE_EVERY_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** What one pass did. */
export interface PassResult {
  readonly announced: number;
  readonly attested: number;
  readonly pruned: number;
}

/**
 * What the service made public, for publishers that carry it elsewhere (Nostr): an event
 * announced, or attested (with the announcement it answers). Sent once each, after it is stored.
 */
export type DlcPublication =
  | {
      readonly kind: 'announcement';
      readonly eventId: string;
      readonly announcement: Uint8Array;
      readonly announcedAt: number;
    }
  | {
      readonly kind: 'attestation';
      readonly eventId: string;
      readonly announcement: Uint8Array;
      readonly announcedAt: number;
      readonly attestation: OracleAttestation;
      readonly attestedAt: number;
    };

/** What the HTTP layer reads: stored JSON only, never a decoded message. */
export interface DlcReader {
  readonly publicKeyHex: string;
  readonly signingVersion: DlcSigningVersion;
  /** The event `eventId`, or null when it was never announced (or was pruned). */
  event(eventId: string): ServedEvent | null;
  /**
   * Events by (maturity, eventId) from the cursor: at most `limit`, and no more than `maxBytes`
   * of JSON unless the first event alone exceeds it. `more` is true when the page was cut.
   */
  page(query: EventPageQuery, maxBytes: number): { events: ServedEvent[]; more: boolean };
}

/** What DlcService needs besides its store and journal. */
export interface DlcServiceDeps {
  readonly config: DlcConfig;
  /** The oracle's secret key (the same one that signs the index). */
  readonly secretKey: Uint8Array;
  /** The configured nonce secret, the oracle public key and this lineage's instance id. */
  readonly nonces: NonceContext;
  /** The signed index history (kind index_price) the outcomes come from. */
  readonly history: HistoryReader;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** The DLC oracle; build it with openDlcService. */
export class DlcService implements DlcReader {
  readonly publicKeyHex: string;
  readonly signingVersion: DlcSigningVersion;
  private readonly descriptor: DigitDecompositionDescriptor;
  private timer: NodeJS.Timeout | null = null;
  /** The pass running in the background, if any: passes never overlap, and close() waits for it. */
  private passing: Promise<void> | null = null;
  private closing = false;
  private lastPruneAt = Number.NEGATIVE_INFINITY;
  private readonly listeners = new Set<(published: DlcPublication) => void>();

  /** @internal use openDlcService. */
  constructor(
    private readonly deps: DlcServiceDeps,
    private readonly store: DlcStore,
    private readonly journal: OutcomeJournal,
  ) {
    const c = deps.config;
    this.publicKeyHex = toHex(deps.nonces.publicKey);
    this.signingVersion = c.signingVersion;
    this.descriptor = {
      base: c.base,
      isSigned: c.isSigned,
      unit: c.unit,
      precision: c.precision,
      nbDigits: c.nbDigits,
    };
  }

  /**
   * Start-up check, run by openDlcService: each journal entry must match the database's
   * attestation; a journaled event the database lost is restored, unless it is older than what
   * was pruned or than retention (it was pruned, and stays so); every attestation in the
   * database must be journaled. Throws ConfigError otherwise.
   */
  reconcile(): void {
    const skipBefore = Math.max(this.store.prunedBefore(), this.deps.clock.now() - this.retentionMs());
    for (const entry of this.journal.entries()) {
      const stored = this.store.attestation(entry.eventId);
      if (stored === null) {
        if (entry.maturity >= skipBefore) this.restoreFromJournal(entry);
        continue;
      }
      const outcomes = decodeAttestation(stored.attestation).outcomes;
      if (!sameOutcomes(outcomes, entry.outcomes)) {
        throw new ConfigError(
          `DLC journal and database disagree on event ${entry.eventId}: journal ${entry.outcomes.join('')}, ` +
            `database ${outcomes.join('')}; refusing to start: restore the database and journal that belong together`,
        );
      }
    }
    const unjournaled = this.store.attestedEventIds().filter((id) => this.journal.get(id) === undefined);
    if (unjournaled.length > 0) {
      throw new ConfigError(
        `the DLC database holds ${unjournaled.length} attestation(s) missing from the journal ` +
          `(first: ${unjournaled[0]}); the journal was replaced or restored from a backup: ` +
          'put back the current journal',
      );
    }
  }

  /**
   * Start-up step for databases older than the stored JSON: validates each stored message once
   * (announcement signature, attestation against its announcement) and stores its JSON.
   * Throws ConfigError naming the first event whose stored message does not verify.
   */
  buildMissingViews(): number {
    const missing = this.store.unbuiltViews();
    for (const eventId of missing.events) {
      const event = this.store.event(eventId) as StoredEvent;
      const announcement = this.checkedAnnouncement(event);
      this.store.setEventView(
        eventId,
        eventHead(eventId, event.maturity, event.announcement, announcement, this.signingVersion),
      );
    }
    for (const eventId of missing.attestations) {
      const announcement = decodeAnnouncement((this.store.event(eventId) as StoredEvent).announcement);
      const stored = this.store.attestation(eventId) as StoredAttestation;
      const attestation = decodeAttestation(stored.attestation);
      if (!verifyAttestation(announcement, attestation, this.signingVersion)) {
        throw new ConfigError(
          `the stored attestation of DLC event ${eventId} does not verify against its announcement; ` +
            'the database is corrupted',
        );
      }
      this.store.setAttestationView(eventId, attestationView(stored, attestation));
    }
    return missing.events.length + missing.attestations.length;
  }

  /**
   * Announces what is due, attests what has matured and prunes what is past retention; one
   * event's failure does not stop the others.
   */
  pass(): PassResult {
    return runToEnd(this.passSteps());
  }

  /** Runs pass() now and every config.passIntervalMs until close(), a signature per turn of the event loop. */
  start(): void {
    if (this.timer !== null) return;
    this.passInBackground();
    this.timer = setInterval(() => this.passInBackground(), this.deps.config.passIntervalMs);
  }

  /**
   * Stops the timer, closes the database and releases the journal's lock; a pass in progress
   * first finishes the event it is on (the returned promise settles then). Idle, it closes at once.
   */
  close(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.closing = true;
    const release = (): void => {
      this.store.close();
      this.journal.close();
    };
    if (this.passing === null) {
      release();
      return Promise.resolve();
    }
    return this.passing.then(release);
  }

  /**
   * Calls `listener` after each announcement and attestation is stored; returns the unsubscribe
   * function. It first hears every announcement still waiting for its attestation (bounded by the
   * events announced ahead): a publisher started after a restart has not seen them, and wallets need
   * them before maturity.
   */
  subscribe(listener: (published: DlcPublication) => void): () => void {
    this.listeners.add(listener);
    for (const e of this.store.unattested(Number.MAX_SAFE_INTEGER)) {
      const { eventId, announcement, announcedAt } = e;
      this.tell(listener, { kind: 'announcement', eventId, announcement, announcedAt });
    }
    return () => this.listeners.delete(listener);
  }

  private emit(published: DlcPublication): void {
    for (const listener of this.listeners) this.tell(listener, published);
  }

  private tell(listener: (published: DlcPublication) => void, published: DlcPublication): void {
    try {
      listener(published);
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, 'DLC listener failed');
    }
  }

  /** pass() as steps: a step after each announcement and each signature, so the signing tick never waits long. */
  private *passSteps(): Steps<PassResult> {
    const now = this.deps.clock.now();
    let announced = 0;
    let attested = 0;
    const prunedBefore = this.store.prunedBefore();
    const c = this.deps.config;
    for (const due of dueAnnouncements(c.unit, c.events, now, c.announceAheadMs)) {
      if (this.closing) break;
      // A journaled or pruned event is done for good, even if a clock stepped back makes it look due.
      const done = this.store.event(due.eventId) !== null || this.journal.get(due.eventId) !== undefined;
      if (done || due.maturity < prunedBefore) continue;
      if (yield* this.guard(due.eventId, () => this.announce(due.eventId, due.series, due.maturity, now))) announced++;
    }
    for (const event of this.store.unattested(now)) {
      if (this.closing) break;
      if (yield* this.guard(event.eventId, () => this.attestFromIndex(event, now))) attested++;
    }
    let pruned = 0;
    yield* this.guard('(prune)', () => {
      pruned = this.prune(now);
      return true;
    });
    return { announced, attested, pruned };
  }

  /** pass() a step per turn of the event loop, as a running oracle runs it. */
  passInTurns(): Promise<PassResult> {
    return runInTurns(this.passSteps());
  }

  private passInBackground(): void {
    if (this.passing !== null || this.closing) return;
    this.passing = this.passInTurns()
      .then(
        () => undefined,
        (err: unknown) => this.deps.logger.error({ err }, 'DLC pass failed; will retry on the next one'),
      )
      .finally(() => {
        this.passing = null;
      });
  }

  event(eventId: string): ServedEvent | null {
    const row = this.store.served(eventId);
    return row === null ? null : serveEvent(row, this.deps.clock.now(), this.deps.config.toleranceMs);
  }

  page(query: EventPageQuery, maxBytes: number): { events: ServedEvent[]; more: boolean } {
    const now = this.deps.clock.now();
    const events: ServedEvent[] = [];
    let bytes = 0;
    for (const row of this.store.servedPage({ ...query, limit: query.limit + 1 })) {
      if (events.length === query.limit) return { events, more: true };
      const served = serveEvent(row, now, this.deps.config.toleranceMs);
      bytes += Buffer.byteLength(served.json) + 1;
      if (events.length > 0 && bytes > maxBytes) return { events, more: true };
      events.push(served);
    }
    return { events, more: false };
  }

  /** The event as served, parsed (for tools and tests; the HTTP layer sends the JSON as stored). */
  view(eventId: string): DlcEventView | null {
    const served = this.event(eventId);
    return served === null ? null : (JSON.parse(served.json) as DlcEventView);
  }

  private retentionMs(): number {
    return this.deps.config.retentionDays * DAY_MS;
  }

  /** Prunes attested events past retention, at most hourly (again after a clock stepped back); returns how many. */
  prune(now = this.deps.clock.now()): number {
    if (now >= this.lastPruneAt && now - this.lastPruneAt < PRUNE_EVERY_MS) return 0;
    this.lastPruneAt = now;
    const pruned = this.store.prune(now - this.retentionMs());
    if (pruned > 0)
      this.deps.logger.info({ pruned }, 'pruned attested DLC events past retention; the journal keeps them');
    return pruned;
  }

  /** Runs one event's work; a failure is logged and counts as not done, so the next pass retries it. */
  private *guard(eventId: string, work: () => boolean | Steps<boolean>): Steps<boolean> {
    try {
      const result = work();
      return typeof result === 'boolean' ? result : yield* result;
    } catch (err) {
      this.deps.logger.error({ err, eventId }, 'DLC work failed; will retry on the next pass');
      return false;
    }
  }

  private nonceSecret(binding: NonceBinding, descriptor: DigitDecompositionDescriptor): Uint8Array {
    return eventNonceSecret(this.deps.nonces, descriptor, binding);
  }

  /** Announces one event; yields after each nonce derived and after the signature (src/core/steps.ts). */
  private *announce(eventId: string, series: string, maturity: number, now: number): Steps<true> {
    const secret = this.nonceSecret(CURRENT_NONCE_BINDING, this.descriptor);
    const nonces: Uint8Array[] = [];
    for (let i = 0; i < nonceCount(this.descriptor); i++) {
      nonces.push(deriveNonce(secret, eventId, i).R);
      yield;
    }
    const event: OracleEvent = { nonces, eventMaturityEpoch: maturity / 1000, descriptor: this.descriptor, eventId };
    const announcement = signAnnouncement(event, this.deps.secretKey, this.signingVersion);
    yield;
    if (!verifyAnnouncement(announcement, this.signingVersion))
      throw new Error(`announcement of ${eventId} does not verify`);
    const bytes = encodeAnnouncement(announcement);
    const head = eventHead(eventId, maturity, bytes, announcement, this.signingVersion);
    const stored = {
      eventId,
      series,
      maturity,
      announcement: bytes,
      announcedAt: now,
      nonceBinding: CURRENT_NONCE_BINDING,
    };
    this.store.insertEvent({ ...stored, head }, nonces);
    this.deps.logger.info({ eventId, maturity }, 'DLC event announced');
    this.emit({ kind: 'announcement', eventId, announcement: bytes, announcedAt: now });
    return true;
  }

  /**
   * Attests `event` from the first index at or after maturity; returns false while there is none.
   * Yields after each signature made and checked (src/core/steps.ts); the journal line and the
   * database row are then written in one step.
   */
  private *attestFromIndex(event: StoredEvent, now: number): Steps<boolean> {
    if (now < event.maturity) return false;
    const journaled = this.journal.get(event.eventId);
    if (journaled !== undefined) {
      this.restoreFromJournal(journaled);
      return true;
    }
    const index = this.firstIndexFrom(event.maturity);
    if (index === null) return false;
    const announcement = decodeAnnouncement(event.announcement);
    // The event's own descriptor and binding: a configuration changed since must not strand it.
    const { descriptor } = announcement.event;
    const value = toOutcomeValue(index.value, index.exponent, descriptor.precision);
    const secret = this.nonceSecret(event.nonceBinding, descriptor);
    const attestation = yield* attestSteps(announcement.event, value, this.deps.secretKey, secret, this.signingVersion);
    if (!(yield* verifyAttestationSteps(announcement, attestation, this.signingVersion))) {
      throw new Error(`attestation of ${event.eventId} does not verify against its announcement`);
    }
    const late = index.observedAt > event.maturity + this.deps.config.toleranceMs;
    const bytes = encodeAttestation(attestation);
    const stored: StoredAttestation = {
      eventId: event.eventId,
      attestation: bytes,
      value,
      indexObservedAt: index.observedAt,
      indexSequence: index.sequence,
      late,
      attestedAt: now,
    };
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
      attestationHex: toHex(bytes),
    });
    this.store.insertAttestation({ ...stored, view: attestationView(stored, attestation) });
    const { eventId, announcement: announced, announcedAt } = event;
    this.emit({ kind: 'attestation', eventId, announcement: announced, announcedAt, attestation, attestedAt: now });
    if (late)
      this.deps.logger.warn({ eventId: event.eventId, indexObservedAt: index.observedAt }, 'DLC event attested late');
    else this.deps.logger.info({ eventId: event.eventId }, 'DLC event attested');
    return true;
  }

  /** Puts back a journaled outcome the database lost, byte for byte; nothing is signed again. */
  private restoreFromJournal(entry: JournalEntry): void {
    const refuse = (why: string): ConfigError =>
      new ConfigError(
        `DLC journal entry of event ${entry.eventId} cannot be restored (${why}); refusing to sign anything else`,
      );
    const journaled = decodeAnnouncement(Uint8Array.from(Buffer.from(entry.announcementHex, 'hex')));
    let event = this.store.event(entry.eventId);
    if (event === null) {
      if (toHex(journaled.oraclePublicKey) !== this.publicKeyHex || journaled.event.eventId !== entry.eventId) {
        throw refuse('it is not an announcement of this oracle');
      }
      if (!verifyAnnouncement(journaled, this.signingVersion)) throw refuse('its announcement does not verify');
      const bytes = encodeAnnouncement(journaled);
      event = {
        eventId: entry.eventId,
        series: entry.series,
        maturity: entry.maturity,
        announcement: bytes,
        announcedAt: this.deps.clock.now(),
        nonceBinding: this.bindingOf(journaled, refuse),
      };
      const head = eventHead(event.eventId, event.maturity, bytes, journaled, this.signingVersion);
      this.store.insertEvent({ ...event, head }, journaled.event.nonces);
    }
    const announcement = decodeAnnouncement(event.announcement);
    if (!sameNonces(announcement.event.nonces, journaled.event.nonces)) {
      throw refuse('the database announced it with other nonces');
    }
    let attestation;
    try {
      attestation = decodeAttestation(Uint8Array.from(Buffer.from(entry.attestationHex, 'hex')));
    } catch (error) {
      throw refuse(error instanceof Error ? error.message : String(error));
    }
    if (!verifyAttestation(announcement, attestation, this.signingVersion)) {
      throw refuse('it does not verify against the announcement');
    }
    if (!sameOutcomes(attestation.outcomes, entry.outcomes))
      throw refuse('its outcomes differ from the journaled ones');
    const stored: StoredAttestation = {
      eventId: entry.eventId,
      attestation: encodeAttestation(attestation),
      value: BigInt(entry.value),
      indexObservedAt: entry.indexObservedAt,
      indexSequence: entry.indexSequence,
      late: entry.late,
      attestedAt: this.deps.clock.now(),
    };
    this.store.insertAttestation({ ...stored, view: attestationView(stored, attestation) });
    this.deps.logger.warn(
      { eventId: entry.eventId },
      'DLC attestation the database lacked was restored from the journal',
    );
  }

  /**
   * Which binding derived `a`'s nonces (its first one, re-derived); refuses an announcement whose
   * nonces are not this lineage's.
   */
  private bindingOf(a: OracleAnnouncement, refuse: (why: string) => Error): NonceBinding {
    const { event } = a;
    const first = toHex(event.nonces[0] as Uint8Array);
    const bindings: readonly NonceBinding[] = [CURRENT_NONCE_BINDING, 'v1'];
    const found = bindings.find(
      (b) => toHex(deriveNonce(this.nonceSecret(b, event.descriptor), event.eventId, 0).R) === first,
    );
    if (found === undefined) throw refuse("its nonces were not derived from this oracle's nonce secret and lineage");
    return found;
  }

  /** A stored announcement, checked to be ours and to verify (start-up only). */
  private checkedAnnouncement(event: StoredEvent): OracleAnnouncement {
    const a = decodeAnnouncement(event.announcement);
    if (toHex(a.oraclePublicKey) !== this.publicKeyHex || !verifyAnnouncement(a, this.signingVersion)) {
      throw new ConfigError(
        `the stored announcement of DLC event ${event.eventId} does not verify under this oracle's key; ` +
          'the database is corrupted',
      );
    }
    return a;
  }

  /** The first index attestation of our key observed at or after `fromMs`, verified, or null. */
  private firstIndexFrom(
    fromMs: number,
  ): { value: bigint; exponent: number; observedAt: number; sequence: string } | null {
    const rows = this.deps.history.range({
      kind: 'index_price',
      from: fromMs,
      to: Number.MAX_SAFE_INTEGER,
      limit: INDEX_LOOKUP_ROWS,
    });
    for (const row of rows) {
      if (row.publicKey !== this.publicKeyHex || row.kind !== 'index_price') continue;
      const signed = verifyJson(row, this.publicKeyHex);
      if (Number(signed.observedAt) < fromMs) continue;
      return {
        value: signed.value,
        exponent: signed.exponent,
        observedAt: Number(signed.observedAt),
        sequence: signed.sequence.toString(),
      };
    }
    return null;
  }
}

/**
 * Converts an index mantissa at `exponent` into the outcome value at 10^`precision` units,
 * rounding half to even (e.g. 6_543_210_987_654n at -8, precision 0 -> 65_432n). The
 * configuration only allows precisions every wallet reads as 10^precision (src/dlc/digits.ts).
 */
export function toOutcomeValue(mantissa: bigint, exponent: number, precision: number): bigint {
  const shift = exponent - precision;
  return shift >= 0 ? mantissa * 10n ** BigInt(shift) : divRoundHalfEven(mantissa, 10n ** BigInt(-shift));
}

function sameNonces(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  return a.length === b.length && a.every((r, i) => toHex(r) === toHex(b[i] as Uint8Array));
}
