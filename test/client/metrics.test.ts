/** The settle daemon's metrics: what a round reports reaches the registry, served at GET /metrics only. */
import { expect } from 'chai';
import { Registry } from 'prom-client';
import { serveMetrics } from '../../src/client/metrics-server.js';
import { createSettleMetrics } from '../../src/client/metrics.js';
import { setup, usd } from './round-setup.js';

describe('client/metrics', () => {
  it('shows the unexplained amount, the pause, both balances, rounds by action, payments and misses', async () => {
    const w = setup();
    const registry = new Registry();
    const metrics = createSettleMetrics(registry);
    metrics.observe(await w.provider.round(), w.provider.ledger);
    w.channel.balanceA -= 10_000_000n;
    w.channel.balanceB += 10_000_000n;
    w.oracles.price = usd('99000');
    w.clock.advance(5_000);
    metrics.observe(await w.provider.round(), w.provider.ledger);
    const server = await serveMetrics(registry, { host: '127.0.0.1', port: 0 });
    try {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      for (const line of [
        'peer_stables_settle_unexplained_msat -10000000',
        'peer_stables_settle_paused 1',
        'peer_stables_settle_acknowledged_unexplained_msat 0',
        'peer_stables_settle_agreed_receiver_msat 100000000',
        'peer_stables_settle_observed_receiver_msat 90000000',
        'peer_stables_settle_rounds_total{action="none"} 1',
        'peer_stables_settle_rounds_total{action="skip"} 1',
        'peer_stables_settle_payments{status="complete"} 0',
        'peer_stables_settle_peer_misses 0',
      ])
        expect(text).to.contain(line);
      const other = await fetch(`${server.url}/price`);
      expect(other.status).to.equal(404);
      await other.text();
    } finally {
      await server.close();
    }
  });

  it('refuses to start on a port it cannot bind', async () => {
    const registry = new Registry();
    const first = await serveMetrics(registry, { host: '127.0.0.1', port: 0 });
    try {
      const port = Number(new URL(first.url).port);
      await serveMetrics(registry, { host: '127.0.0.1', port }).then(
        () => expect.fail('bound twice'),
        (err: NodeJS.ErrnoException) => expect(err.code).to.equal('EADDRINUSE'),
      );
    } finally {
      await first.close();
    }
  });
});
