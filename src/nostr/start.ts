/**
 * The oracle's Nostr publishing, opened in one step of start-up (src/oracle/run.ts): the Nostr key
 * and its binding, the metrics, and the publisher; its closer is the publisher's close().
 */
import type { Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import type { NostrConfig } from './config.js';
import { loadNostrIdentity, nostrInfo } from './identity.js';
import { createNostrMetrics } from './metrics.js';
import { NostrPublisher } from './publisher.js';

export interface NostrStart {
  readonly publisher: NostrPublisher;
  /** What /oracle states about the oracle's Nostr identity. */
  readonly info: Record<string, unknown>;
}

/** Loads the Nostr key (KeyError when missing or unsafe) and builds the publisher; connects nothing yet. */
export function startNostr(deps: {
  config: NostrConfig;
  secretKey: Uint8Array;
  registry: Registry;
  clock: Clock;
  logger: Logger;
}): NostrStart {
  const identity = loadNostrIdentity(deps.config.keyFile, deps.secretKey);
  const metrics = createNostrMetrics(deps.registry);
  const publisher = new NostrPublisher({ ...deps, identity, metrics });
  deps.logger.info({ publicKey: nostrInfo(identity, []).publicKey, relays: deps.config.relays }, 'publishing on Nostr');
  return { publisher, info: nostrInfo(identity, deps.config.relays) };
}
