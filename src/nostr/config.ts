/**
 * The `nostr` section of the oracle's configuration (zod): the relays the oracle publishes to
 * (none by default, so nothing is published unless an operator lists relays), the key that signs
 * the Nostr events, and the bounds that keep a dead, slow or hostile relay from costing more than
 * a bounded queue. Validated once at start-up, like every other section.
 */
import { z } from 'zod';
import { checkBackoff } from './relay-link.js';

const ms = z.number().int().positive();

/** A relay address: ws:// or wss://, as NIP-01 relays are reached. */
const relayUrl = z
  .string()
  .url()
  .refine((u) => /^wss?:\/\//.test(u), 'expected a relay URL starting with wss:// (or ws:// for a local relay)')
  // Relay URLs are published in /oracle, logged and used as metric labels: no credentials in them.
  .refine((u) => {
    if (!URL.canParse(u)) return true; // .url() reports it
    const url = new URL(u);
    return url.username === '' && url.password === '' && url.search === '';
  }, 'a relay URL carries no user, password or query (it is published in /oracle and in the metrics)');

export const nostrConfigSchema = z
  .object({
    /** Relays to publish to; empty (the default) publishes nothing and opens no connection. */
    relays: z
      .array(relayUrl)
      .max(20)
      .refine((r) => new Set(r).size === r.length, 'a relay is listed twice')
      .default([]),
    /**
     * The key that signs Nostr events (docs/PROTOCOL.md, "Nostr"): its own by default, created by
     * `oracle --init-key`. Naming the oracle key file here signs with the oracle key instead.
     */
    keyFile: z.string().min(1).default('data/nostr.key'),
    /** Events kept per relay while it cannot take them; the oldest is dropped (and counted) beyond. */
    queueSize: z.number().int().min(1).max(100_000).default(1_000),
    /** A relay that has not answered OK this long after an event is treated as not having taken it. */
    publishTimeoutMs: ms.default(10_000),
    connectTimeoutMs: ms.default(10_000),
    /** Tries per event before it is dropped (and counted): timeouts, rate limits, errors. */
    maxAttempts: z.number().int().min(1).max(100).default(5),
    backoffInitialMs: ms.default(1_000),
    backoffMaxMs: ms.default(300_000),
  })
  .strict()
  .superRefine((c, ctx) => {
    try {
      checkBackoff(c.backoffInitialMs, c.backoffMaxMs);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message, path: ['backoffMaxMs'] });
    }
  });

export type NostrConfig = Readonly<z.output<typeof nostrConfigSchema>>;
