/**
 * The publisher's promise to the tick: its listener only queues. Nothing is signed or sent while
 * the oracle service (or the DLC pass) is still calling listeners, the intake is bounded and keyed
 * (a newer figure replaces the queued one of its kind and pair), and a failure to sign one event
 * costs that event only. Against a real relay on loopback, what was queued arrives signed by the
 * Nostr key.
 */
import { expect } from 'chai';
import { finalizeEvent, type Event } from 'nostr-tools/pure';
import { Registry } from 'prom-client';
import { publicKeyOf } from '../../src/attest/keys.js';
import type { AttestationJson } from '../../src/attest/types.js';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import type { DlcPublication } from '../../src/dlc/service.js';
import { nostrConfigSchema } from '../../src/nostr/config.js';
import type { EventTemplate } from '../../src/nostr/events.js';
import { signKeyBinding } from '../../src/nostr/key-binding.js';
import { createNostrMetrics, type NostrMetrics } from '../../src/nostr/metrics.js';
import { NostrPublisher } from '../../src/nostr/publisher.js';
import { publish } from '../../src/oracle/publish.js';
import type { PublishedAttestation } from '../../src/server/types.js';
import { startRelay, type TestRelay } from '../support/nostr-relay.js';
import { eventually } from '../support/wait.js';

// Test-only keys.
const ORACLE_SECRET = new Uint8Array(32).fill(0x31);
const NOSTR_SECRET = new Uint8Array(32).fill(0x32);
const identity = {
  secretKey: NOSTR_SECRET,
  publicKey: publicKeyOf(NOSTR_SECRET),
  oraclePublicKey: publicKeyOf(ORACLE_SECRET),
  keyBinding: signKeyBinding(ORACLE_SECRET, publicKeyOf(NOSTR_SECRET)),
};
const pubkey = Buffer.from(identity.publicKey).toString('hex');

/** A stand-in for the oracle service and the DLC service: something listeners subscribe to. */
class Topic<T> {
  readonly listeners = new Set<(value: T) => void>();
  subscribe(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(value: T): void {
    for (const l of this.listeners) l(value);
  }
}

/** A figure as the service publishes it; the publisher never checks the oracle signature. */
function figure(kind: string, observedAt: number): PublishedAttestation {
  const json = {
    version: 1,
    kind,
    pair: 'BTC/USD',
    value: '1',
    exponent: -8,
    observedAt: String(observedAt),
    sequence: String(observedAt),
    sourceCount: 1,
    dispersionPpm: 0,
    sourcesCommitment: '00'.repeat(32),
    publicKey: Buffer.from(identity.oraclePublicKey).toString('hex'),
    signature: '00'.repeat(64),
  } as AttestationJson;
  return publish(json);
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('nostr/publisher', function () {
  this.timeout(30_000);
  let publisher: NostrPublisher;
  let signed: EventTemplate[];
  let relay: TestRelay | null;
  let metrics: NostrMetrics;
  const figures = new Topic<PublishedAttestation>();
  const dlc = new Topic<DlcPublication>();

  const open = (relays: string[], overrides: Record<string, unknown> = {}, sign = finalizeEvent) => {
    signed = [];
    metrics = createNostrMetrics(new Registry());
    publisher = new NostrPublisher({
      config: nostrConfigSchema.parse({ relays, queueSize: 3, backoffInitialMs: 10, backoffMaxMs: 50, ...overrides }),
      identity,
      clock: new ManualClock(1_780_000_000_000),
      logger: silentLogger,
      metrics,
      sign: (template, secret) => {
        signed.push(template);
        return sign(template, secret);
      },
    });
    publisher.follow(figures, dlc);
  };
  beforeEach(() => (relay = null));
  afterEach(async () => {
    await publisher.close();
    await relay?.stop();
  });

  it('never signs or sends inside the listener: the tick returns first', async () => {
    open([]);
    publisher.start();
    figures.emit(figure('index_price', 1_780_000_000_000));
    expect(signed).to.have.length(0);
    await eventually(async () => (signed.length === 2 ? true : null));
    expect(signed.map((t) => t.kind)).to.deep.equal([0, 30078]);
  });

  it('keeps one queued figure per kind and pair (the newest), and at most queueSize in all', async () => {
    open(['ws://127.0.0.1:9']); // never started: nothing leaves the intake but by draining
    for (let i = 0; i < 3; i++) figures.emit(figure('index_price', 1_780_000_000_000 + i * 1000));
    for (const kind of ['funding_rate', 'perp_premium', 'funding_index', 'a_future_kind'])
      figures.emit(figure(kind, 1_780_000_000_000));
    await eventually(async () => (signed.length === 3 ? true : null));
    await nextTurn();
    expect(signed.map((t) => t.tags[0]![1])).to.deep.equal([
      'peer-stables:perp_premium:BTC/USD',
      'peer-stables:funding_index:BTC/USD',
      'peer-stables:a_future_kind:BTC/USD',
    ]);
    const dropped = (await metrics.events.get()).values.find((v) => v.labels.outcome === 'dropped');
    expect(dropped?.value).to.equal(2);
  });

  it('a failure to sign one event costs that event only', async () => {
    open([], {}, (template, secret) => {
      if (template.tags[0]?.[1] === 'peer-stables:index_price:BTC/USD') throw new Error('no key');
      return finalizeEvent(template, secret);
    });
    figures.emit(figure('index_price', 1_780_000_000_000));
    figures.emit(figure('funding_rate', 1_780_000_000_000));
    await eventually(async () => (signed.length === 2 ? true : null));
  });

  it('after close, nothing more is queued and the services have no listener left', async () => {
    open([]);
    await publisher.close();
    figures.emit(figure('index_price', 1_780_000_000_000));
    await nextTurn();
    expect(signed).to.have.length(0);
    expect(figures.listeners.size).to.equal(0);
    expect(dlc.listeners.size).to.equal(0);
  });

  it('hands every event to every relay, signed by the Nostr key; depths() says what waits', async () => {
    relay = await startRelay();
    open([relay.url]);
    publisher.start();
    figures.emit(figure('index_price', 1_780_000_000_000));
    const found = await eventually(async () => {
      const events: Event[] = await relay!.find({ authors: [pubkey] });
      return events.length === 2 ? events : null;
    });
    expect(found.map((e) => e.kind).sort()).to.deep.equal([0, 30078]);
    expect(publisher.depths()).to.deep.equal({ [relay.url]: 0 });
  });
});
