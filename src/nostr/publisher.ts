/**
 * The oracle's Nostr publisher: whatever the oracle service signs (every kind it publishes, present
 * and future) and whatever the DLC service announces or attests goes to every configured relay.
 * The listeners run inside the tick and the DLC pass, so they only queue a template (./events.ts);
 * signing each Nostr event and handing it to the relays (./relay-link.ts) happens afterwards, one
 * event per turn of the event loop. A relay's trouble therefore never reaches a tick.
 */
import { getEventHash, finalizeEvent, type Event } from 'nostr-tools/pure';
import { toHex } from '../attest/bytes.js';
import type { AttestationJson } from '../attest/types.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import type { DlcPublication } from '../dlc/service.js';
import type { NostrConfig } from './config.js';
import {
  announcementEvent,
  attestationEvent,
  figureEvent,
  figureTag,
  profileEvent,
  type EventTemplate,
} from './events.js';
import type { NostrIdentity } from './identity.js';
import type { NostrMetrics } from './metrics.js';
import { BoundedQueue } from './queue.js';
import { RelayLink } from './relay-link.js';

/** A figure as the oracle service publishes it. */
interface PublishedFigure {
  readonly json: AttestationJson;
  readonly body: Buffer;
}

/** Something to follow: the oracle service, the DLC service. */
interface Publisher<T> {
  subscribe(listener: (published: T) => void): () => void;
}

export interface NostrPublisherDeps {
  readonly config: NostrConfig;
  readonly identity: NostrIdentity;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: NostrMetrics;
  /** Signs a template with the Nostr key (nostr-tools' finalizeEvent); replaced in tests to count. */
  readonly sign?: (template: EventTemplate, secretKey: Uint8Array) => Event;
}

export class NostrPublisher {
  private readonly links: RelayLink[];
  private readonly intake: BoundedQueue<EventTemplate>;
  private readonly unsubscribe: Array<() => void> = [];
  private draining: NodeJS.Immediate | null = null;
  private closed = false;

  constructor(private readonly d: NostrPublisherDeps) {
    const c = d.config;
    this.intake = new BoundedQueue(c.queueSize);
    this.links = c.relays.map((url) => new RelayLink({ ...c, url, logger: d.logger, metrics: d.metrics }));
  }

  /** Publishes what `figures` signs and, when given, what `dlc` announces and attests. */
  follow(figures: Publisher<PublishedFigure>, dlc: Publisher<DlcPublication> | null): void {
    this.unsubscribe.push(
      figures.subscribe((f) => this.queue(`figure:${figureTag(f.json.kind, f.json.pair)}`, figureEvent(f))),
    );
    if (dlc) this.unsubscribe.push(dlc.subscribe((p) => this.queueDlc(p)));
  }

  /** Connects to the relays and publishes the profile that binds the Nostr key to the oracle key. */
  start(): void {
    this.queue('profile', profileEvent(this.d.identity, this.d.clock.now()));
    for (const link of this.links) link.start();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const stop of this.unsubscribe.splice(0)) stop();
    if (this.draining) clearImmediate(this.draining);
    await Promise.all(this.links.map((l) => l.close()));
  }

  /** Events waiting for each relay, by URL (for tests and status). */
  depths(): Record<string, number> {
    return Object.fromEntries(this.d.config.relays.map((url, i) => [url, this.links[i]?.depth ?? 0]));
  }

  private queueDlc(p: DlcPublication): void {
    const announcement = announcementEvent(p.announcement, p.announcedAt);
    // Sent again with each attestation, so the kind 89's `e` tag always names an event the relay has.
    this.queue(`88:${p.eventId}`, announcement);
    if (p.kind !== 'attestation') return;
    const announcementId = getEventHash({ ...announcement, pubkey: toHex(this.d.identity.publicKey) });
    this.queue(`89:${p.eventId}`, attestationEvent(p.attestation, p.attestedAt, announcementId));
  }

  /** The tick's path: a queue put, nothing else. */
  private queue(key: string, template: EventTemplate): void {
    if (this.closed) return;
    // Only a burst within one turn fills the intake; what it drops never reaches any relay.
    if (this.intake.put(key, template) > 0)
      for (const relay of this.d.config.relays) this.d.metrics.events.inc({ relay, outcome: 'dropped' });
    this.draining ??= setImmediate(() => this.drain());
  }

  /** Signs one queued template and hands it to every relay; again on the next turn while any remain. */
  private drain(): void {
    this.draining = null;
    const next = this.intake.first();
    if (next === undefined || this.closed) return;
    this.intake.remove(next.key, next.value);
    try {
      const event = (this.d.sign ?? finalizeEvent)(next.value, this.d.identity.secretKey);
      for (const link of this.links) link.enqueue(next.key, event);
    } catch (err) {
      this.d.logger.error({ err, key: next.key }, 'could not sign a Nostr event; it is not published');
    }
    if (this.intake.size > 0) this.draining = setImmediate(() => this.drain());
  }
}
