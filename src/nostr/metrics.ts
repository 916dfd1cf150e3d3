/** The Nostr publisher's Prometheus metrics, registered on the oracle's registry (/metrics). */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface NostrMetrics {
  readonly events: Counter<'relay' | 'outcome'>;
  readonly queued: Gauge<'relay'>;
  readonly connected: Gauge<'relay'>;
  readonly connectFailures: Counter<'relay'>;
  readonly garbage: Counter<'relay'>;
}

export function createNostrMetrics(registry: Registry): NostrMetrics {
  const registers = [registry];
  return {
    events: new Counter({
      name: 'peer_stables_nostr_events_total',
      help:
        'Nostr events per relay by outcome: accepted (OK true), refused (OK false), retried, ' +
        'expired (tries used up), dropped (queue full)',
      labelNames: ['relay', 'outcome'],
      registers,
    }),
    queued: new Gauge({
      name: 'peer_stables_nostr_queue_depth',
      help: 'Nostr events waiting for a relay (bounded by nostr.queueSize)',
      labelNames: ['relay'],
      registers,
    }),
    connected: new Gauge({
      name: 'peer_stables_nostr_relay_connected',
      help: '1 while the oracle holds a connection to the relay, else 0',
      labelNames: ['relay'],
      registers,
    }),
    connectFailures: new Counter({
      name: 'peer_stables_nostr_connect_failures_total',
      help: 'Failed connections to a Nostr relay (refused, timed out, closed during the handshake)',
      labelNames: ['relay'],
      registers,
    }),
    garbage: new Counter({
      name: 'peer_stables_nostr_garbage_messages_total',
      help: 'Messages from a relay that are not a NIP-01 JSON array, ignored',
      labelNames: ['relay'],
      registers,
    }),
  };
}
