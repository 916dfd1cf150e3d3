/**
 * One relay, as the publisher sees it: a bounded queue (./queue.ts) and a loop that sends its
 * oldest event, waits for the relay's OK (NIP-01), and goes on. Nothing here is awaited by anyone
 * else: `enqueue` returns at once, so a dead, slow or hostile relay (refusing connections,
 * closing them, answering `OK false`, rate-limiting, sending garbage or never answering) costs at
 * most `queueSize` events and a metric, never a tick. What it did not take stays queued and is sent
 * when it is back (the bound: `queueSize` per relay, `maxAttempts` per event).
 */
import type { AbstractRelay } from 'nostr-tools/abstract-relay';
import type { Event } from 'nostr-tools/pure';
import type { Logger } from '../core/log.js';
import { backoffDelay } from '../feeds/backoff.js';
import { cleanRelayText, connectRelay } from './connect.js';
import type { NostrMetrics } from './metrics.js';
import { BoundedQueue } from './queue.js';

export interface RelayLinkOptions {
  readonly url: string;
  readonly queueSize: number;
  readonly publishTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly maxAttempts: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  readonly logger: Logger;
  readonly metrics: NostrMetrics;
}

/** Throws RangeError unless the backoff bounds are positive integers with max >= initial. */
export function checkBackoff(initialMs: number, maxMs: number): void {
  backoffDelay(1, initialMs, maxMs);
}

/**
 * Whether a relay's "no" to an event may change: no answer in time, or `OK false` with a NIP-01
 * `rate-limited:` or `error:` prefix. Any other reason (`blocked:`, `invalid:`, `pow:`,
 * `restricted:`...) is the relay's verdict on the event, and trying again would only repeat it.
 */
export function isTransientRefusal(reason: string): boolean {
  return reason === 'publish timed out' || /^(rate-limited|error):/.test(reason);
}

interface Entry {
  readonly event: Event;
  attempts: number;
  /** Connections lost in a row while this event was out, before the relay answered it. */
  disconnects: number;
}

/** What became of one try; `OK false` reasons are prefixed per NIP-01 ("rate-limited:", "invalid:"...). */
type Sent = 'accepted' | 'refused' | 'retry' | 'disconnected';

export class RelayLink {
  private readonly queue: BoundedQueue<Entry>;
  private relay: AbstractRelay | null = null;
  private failures = 0;
  private closing = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;

  constructor(private readonly o: RelayLinkOptions) {
    this.queue = new BoundedQueue(o.queueSize);
    o.metrics.connected.set({ relay: o.url }, 0);
    o.metrics.queued.set({ relay: o.url }, 0);
  }

  /** Queues `event` under `key` (a newer event of the same key replaces it); never waits. */
  enqueue(key: string, event: Event): void {
    if (this.closing) return;
    const dropped = this.queue.put(key, { event, attempts: 0, disconnects: 0 });
    if (dropped > 0) this.count('dropped', dropped);
    this.o.metrics.queued.set({ relay: this.o.url }, this.queue.size);
    this.wake?.();
  }

  get depth(): number {
    return this.queue.size;
  }

  start(): void {
    this.loop ??= this.run().catch((err: unknown) =>
      this.o.logger.error({ err, relay: this.o.url }, 'Nostr relay loop stopped'),
    );
  }

  /** Stops sending and closes the connection; what is still queued is dropped with the process. */
  async close(): Promise<void> {
    this.closing = true;
    this.wake?.();
    this.relay?.close();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.closing) {
      const next = this.queue.first();
      if (next === undefined) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
        continue;
      }
      const relay = this.relay?.connected ? this.relay : await this.connect();
      if (relay === null) {
        await this.pause();
        continue;
      }
      const sent = await this.send(relay, next.value);
      const spent = next.value.attempts >= this.o.maxAttempts || next.value.disconnects >= this.o.maxAttempts;
      if (sent === 'accepted' || sent === 'refused' || spent) {
        this.queue.remove(next.key, next.value);
        this.o.metrics.queued.set({ relay: this.o.url }, this.queue.size);
        if (sent === 'retry' || sent === 'disconnected') this.count('expired');
      }
      if (sent === 'accepted') this.failures = 0;
      else if (sent !== 'refused') await this.pause();
    }
  }

  private async connect(): Promise<AbstractRelay | null> {
    this.relay?.close();
    this.relay = null;
    try {
      const relay = await connectRelay(this.o.url, this.o.connectTimeoutMs, {
        notice: (notice) => this.o.logger.debug({ relay: this.o.url, notice }, 'relay notice'),
        garbage: () => this.o.metrics.garbage.inc({ relay: this.o.url }),
      });
      relay.publishTimeout = this.o.publishTimeoutMs;
      relay.onclose = () => this.o.metrics.connected.set({ relay: this.o.url }, 0);
      if (this.closing) {
        relay.close();
        return null;
      }
      this.relay = relay;
      this.o.metrics.connected.set({ relay: this.o.url }, 1);
      this.o.logger.info({ relay: this.o.url, queued: this.queue.size }, 'connected to Nostr relay');
      return relay;
    } catch (err) {
      this.o.metrics.connectFailures.inc({ relay: this.o.url });
      this.o.logger.warn({ relay: this.o.url, err: (err as Error).message }, 'Nostr relay unreachable; will retry');
      return null;
    }
  }

  /** One try of `entry`; counts it and says what to do next. */
  private async send(relay: AbstractRelay, entry: Entry): Promise<Sent> {
    entry.attempts++;
    try {
      await relay.publish(entry.event);
      this.count('accepted');
      return 'accepted';
    } catch (err) {
      const reason = cleanRelayText(err instanceof Error ? err.message : err);
      if (!relay.connected) {
        // The relay never judged it: a lost connection is not the event's fault, unless it is lost
        // every time this event goes out (run() then drops it), so one event cannot hold the queue.
        entry.attempts--;
        entry.disconnects++;
        return 'disconnected';
      }
      entry.disconnects = 0;
      const transient = isTransientRefusal(reason);
      this.count(transient ? 'retried' : 'refused');
      this.o.logger.warn(
        { relay: this.o.url, id: entry.event.id, kind: entry.event.kind, reason },
        'relay did not take event',
      );
      return transient ? 'retry' : 'refused';
    }
  }

  private count(outcome: 'accepted' | 'refused' | 'retried' | 'expired' | 'dropped', n = 1): void {
    this.o.metrics.events.inc({ relay: this.o.url, outcome }, n);
  }

  /** Waits the backoff of one more consecutive failure, or until close(). */
  private pause(): Promise<void> {
    this.failures++;
    const ms = backoffDelay(this.failures, this.o.backoffInitialMs, this.o.backoffMaxMs);
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        if (this.closing) done();
      };
    }).finally(() => {
      this.wake = null;
    });
  }
}
