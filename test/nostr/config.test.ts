/**
 * The `nostr` section of the oracle's configuration: nothing is published by default, and every
 * rule the relay links rely on (a relay URL, no relay twice, back-off bounds) is refused at start-up
 * rather than found by the first event.
 */
import { expect } from 'chai';
import { nostrConfigSchema } from '../../src/nostr/config.js';

describe('nostr/config', () => {
  it('publishes nothing by default, with the documented bounds', () => {
    expect(nostrConfigSchema.parse({})).to.deep.equal({
      relays: [],
      keyFile: 'data/nostr.key',
      queueSize: 1_000,
      publishTimeoutMs: 10_000,
      connectTimeoutMs: 10_000,
      maxAttempts: 5,
      backoffInitialMs: 1_000,
      backoffMaxMs: 300_000,
    });
  });

  it('takes wss:// relays, and ws:// for a local one', () => {
    const relays = ['wss://relay.example.com', 'ws://127.0.0.1:7777'];
    expect(nostrConfigSchema.parse({ relays }).relays).to.deep.equal(relays);
  });

  const invalid: readonly [string, Record<string, unknown>, RegExp][] = [
    ['an http URL', { relays: ['https://relay.example.com'] }, /starting with wss:\/\//],
    ['not a URL', { relays: ['relay.example.com'] }, /relays/],
    ['a relay twice', { relays: ['wss://a.example.com', 'wss://a.example.com'] }, /listed twice/],
    ['more than 20 relays', { relays: Array.from({ length: 21 }, (_, i) => `wss://r${i}.example.com`) }, /relays/],
    ['a queue of 0', { queueSize: 0 }, /queueSize/],
    ['a fractional timeout', { publishTimeoutMs: 1.5 }, /publishTimeoutMs/],
    ['back-off max below initial', { backoffInitialMs: 2_000, backoffMaxMs: 1_000 }, /backoffMaxMs/],
    ['an unknown key', { relay: 'wss://a.example.com' }, /relay/],
    ['credentials in a relay URL', { relays: ['wss://user:secret@relay.example.com'] }, /no user, password or query/],
    ['a query in a relay URL', { relays: ['wss://relay.example.com/?token=secret'] }, /no user, password or query/],
  ];
  for (const [name, raw, message] of invalid) {
    it(`refuses ${name}`, () => {
      const result = nostrConfigSchema.safeParse(raw);
      expect(result.success).to.equal(false);
      expect(JSON.stringify(result.error?.issues)).to.match(message);
    });
  }
});
