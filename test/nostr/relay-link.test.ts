/**
 * One relay link against a real relay on loopback, under the faults a public relay can show: down
 * at start, dropping the connection mid-stream, answering `OK false`, answering slowly, never
 * answering, sending garbage. In every case enqueue returns at once, what the relay did not take
 * stays queued within the bound, and what was missed is sent once it is back. The waits poll state
 * (what the relay stored, the metrics); no assertion is about time.
 */
import { expect } from 'chai';
import { finalizeEvent, generateSecretKey, type Event } from 'nostr-tools/pure';
import { Registry } from 'prom-client';
import { silentLogger } from '../../src/core/log.js';
import { MAX_RELAY_MESSAGE_BYTES } from '../../src/nostr/connect.js';
import { createNostrMetrics, type NostrMetrics } from '../../src/nostr/metrics.js';
import { RelayLink, isTransientRefusal } from '../../src/nostr/relay-link.js';
import { freePort, startRelay, type TestRelay } from '../support/nostr-relay.js';
import { eventually } from '../support/wait.js';

const secret = generateSecretKey();
let serial = 0;
function note(): Event {
  serial++;
  return finalizeEvent({ kind: 1, created_at: 1_700_000_000 + serial, tags: [], content: `note ${serial}` }, secret);
}

async function count(metrics: NostrMetrics, url: string, outcome: string): Promise<number> {
  const values = (await metrics.events.get()).values;
  return values.find((v) => v.labels.relay === url && v.labels.outcome === outcome)?.value ?? 0;
}

function link(url: string, metrics: NostrMetrics, overrides: Partial<ConstructorParameters<typeof RelayLink>[0]> = {}) {
  return new RelayLink({
    url,
    queueSize: 50,
    publishTimeoutMs: 2_000,
    connectTimeoutMs: 2_000,
    maxAttempts: 3,
    backoffInitialMs: 10,
    backoffMaxMs: 50,
    logger: silentLogger,
    metrics,
    ...overrides,
  });
}

async function stored(relay: TestRelay, events: readonly Event[]): Promise<boolean> {
  const found = await relay.find({ ids: events.map((e) => e.id) });
  return found.length === events.length;
}

describe('nostr/relay-link against a real relay', function () {
  this.timeout(30_000);
  let relay: TestRelay | null = null;
  let links: RelayLink[] = [];
  let metrics: NostrMetrics;
  beforeEach(() => {
    metrics = createNostrMetrics(new Registry());
    links = [];
  });
  afterEach(async () => {
    await Promise.all(links.map((l) => l.close()));
    await relay?.stop();
    relay = null;
  });
  const open = (url: string, overrides = {}): RelayLink => {
    const l = link(url, metrics, overrides);
    links.push(l);
    l.start();
    return l;
  };

  it('a relay down at start costs a bounded queue; once it is up, everything queued is sent', async () => {
    const port = await freePort();
    const url = `ws://127.0.0.1:${port}`;
    const l = open(url, { queueSize: 5 });
    const events = Array.from({ length: 8 }, note);
    events.forEach((e, i) => l.enqueue(`k${i}`, e));
    expect(l.depth).to.equal(5); // the three oldest were dropped, not kept
    await eventually(async () => ((await metrics.connectFailures.get()).values[0]?.value ?? 0) >= 2 || null);
    relay = await startRelay(port);
    await eventually(async () => (await stored(relay!, events.slice(3))) || null);
    expect(await count(metrics, url, 'dropped')).to.equal(3);
    expect(await count(metrics, url, 'accepted')).to.equal(5);
    expect(await relay.find({ ids: events.slice(0, 3).map((e) => e.id) })).to.have.length(0);
  });

  it('a relay dropping the connection mid-stream gets the rest after the reconnect', async () => {
    relay = await startRelay();
    const l = open(relay.url);
    const first = note();
    l.enqueue('first', first);
    await eventually(async () => (await stored(relay!, [first])) || null);
    relay.dropConnections();
    const rest = Array.from({ length: 5 }, note);
    rest.forEach((e, i) => l.enqueue(`rest${i}`, e));
    await eventually(async () => (await stored(relay!, rest)) || null);
    expect(l.depth).to.equal(0);
  });

  it('an event the relay refuses (OK false) is dropped and counted; the next ones still go', async () => {
    relay = await startRelay();
    relay.mode = { kind: 'refuse', message: 'blocked: not on the list' };
    const l = open(relay.url);
    const refused = note();
    l.enqueue('refused', refused);
    await eventually(async () => (await count(metrics, relay!.url, 'refused')) === 1 || null);
    relay.mode = { kind: 'accept' };
    const next = note();
    l.enqueue('next', next);
    await eventually(async () => (await stored(relay!, [next])) || null);
    expect(await relay.find({ ids: [refused.id] })).to.have.length(0);
  });

  it('a rate-limited event is tried again after a pause, and taken once the relay agrees', async () => {
    relay = await startRelay();
    relay.mode = { kind: 'refuse', message: 'rate-limited: slow down' };
    const l = open(relay.url, { maxAttempts: 100 });
    const event = note();
    l.enqueue('e', event);
    await eventually(async () => (await count(metrics, relay!.url, 'retried')) >= 2 || null);
    relay.mode = { kind: 'accept' };
    await eventually(async () => (await stored(relay!, [event])) || null);
    expect(relay.received.filter((e) => e.id === event.id).length).to.be.at.least(3);
  });

  it('a slow relay is waited for, and a silent one costs tries, then the event: never more', async () => {
    relay = await startRelay();
    relay.mode = { kind: 'slow', delayMs: 200 };
    const l = open(relay.url, { publishTimeoutMs: 1_000 });
    const slow = note();
    l.enqueue('slow', slow);
    await eventually(async () => (await stored(relay!, [slow])) || null);

    relay.mode = { kind: 'silent' };
    const silent = note();
    l.enqueue('silent', silent);
    await eventually(async () => (await count(metrics, relay!.url, 'expired')) === 1 || null, { ms: 20_000 });
    expect(await count(metrics, relay.url, 'retried')).to.equal(3);
    expect(l.depth).to.equal(0);
    relay.mode = { kind: 'accept' };
    const after = note();
    l.enqueue('after', after);
    await eventually(async () => (await stored(relay!, [after])) || null);
  });

  it('an event the relay hangs up on every time costs its tries, then is dropped: it never holds the queue', async () => {
    relay = await startRelay();
    const l = open(relay.url);
    relay.mode = { kind: 'hangup' };
    const poison = note();
    l.enqueue('poison', poison);
    await eventually(async () => (await count(metrics, relay!.url, 'expired')) === 1 || null, { ms: 20_000 });
    expect(relay.received.filter((e) => e.id === poison.id)).to.have.length(3);
    relay.mode = { kind: 'accept' };
    const after = note();
    l.enqueue('after', after);
    await eventually(async () => (await stored(relay!, [after])) || null);
    expect(l.depth).to.equal(0);
  });

  it('garbage from the relay is counted and ignored; publishing goes on', async () => {
    relay = await startRelay();
    const l = open(relay.url);
    const first = note();
    l.enqueue('first', first);
    await eventually(async () => (await stored(relay!, [first])) || null);
    for (const junk of ['not json', '{"an":"object"}', '["EVENT"]', '[1,2,3]', '\u0000\u0001']) relay.sendGarbage(junk);
    const next = note();
    l.enqueue('next', next);
    await eventually(async () => (await stored(relay!, [next])) || null);
    expect((await metrics.garbage.get()).values[0]?.value).to.equal(5);
  });

  it('a relay flooding one huge message loses the connection; publishing goes on after the reconnect', async () => {
    relay = await startRelay();
    const l = open(relay.url);
    const first = note();
    l.enqueue('first', first);
    await eventually(async () => (await stored(relay!, [first])) || null);
    relay.sendGarbage(`["NOTICE","${'x'.repeat(MAX_RELAY_MESSAGE_BYTES)}"]`);
    await eventually(async () => ((await metrics.connected.get()).values[0]?.value === 0 ? true : null));
    const next = note();
    l.enqueue('next', next);
    await eventually(async () => (await stored(relay!, [next])) || null);
  });
});

describe('nostr/relay-link: which refusals are tried again', () => {
  const cases: readonly [string, boolean][] = [
    ['publish timed out', true],
    ['rate-limited: slow down', true],
    ['error: could not save', true],
    ['blocked: not on the list', false],
    ['invalid: bad signature', false],
    ['pow: difficulty 20 required', false],
    ['restricted: members only', false],
    ['auth-required: sign in first', false],
    ['rate-limited', false],
    ['', false],
  ];
  for (const [reason, transient] of cases) {
    it(`${JSON.stringify(reason)} is ${transient ? 'tried again' : 'final'}`, () =>
      expect(isTransientRefusal(reason)).to.equal(transient));
  }
});
