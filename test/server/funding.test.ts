import { expect } from 'chai';
import { T0, attestation, errorBody, startHarness, type Harness } from './fake-oracle.js';

const FUNDING_TICK_MS = 60_000;

describe('GET /funding, /premium and /funding-index', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ fundingTickIntervalMs: FUNDING_TICK_MS });
  });
  afterEach(() => h.close());

  const routes = [
    ['/funding', 'funding_rate', 'no_trustworthy_funding'],
    ['/premium', 'perp_premium', 'no_trustworthy_premium'],
    ['/funding-index', 'funding_index', 'no_funding_index'],
  ] as const;

  for (const [path, kind, code] of routes) {
    it(`${path} serves the latest ${kind} bytes, cacheable for one funding tick`, async () => {
      h.state.publish(attestation(1, T0)); // an index quote must not be served here
      const published = h.state.publish(attestation(2, T0, kind));
      h.clock.advance(1_000);
      const res = await fetch(`${h.url}${path}`);
      expect(res.status).to.equal(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(published.body)).to.equal(true);
      expect(res.headers.get('cache-control')).to.equal('public, max-age=60, stale-while-revalidate=0');
    });

    it(`${path} answers 503 ${code} before the first one, and once older than three funding ticks`, async () => {
      expect(await errorBody(await fetch(`${h.url}${path}`))).to.include({
        code,
        message: 'no attestation signed yet',
      });
      h.state.publish(attestation(2, T0, kind));
      h.clock.advance(3 * FUNDING_TICK_MS);
      expect((await fetch(`${h.url}${path}`)).status).to.equal(200); // at the bound: still current
      h.clock.advance(1);
      const res = await fetch(`${h.url}${path}`);
      expect(res.status).to.equal(503);
      expect(res.headers.get('retry-after')).to.equal('60');
      expect(await errorBody(res)).to.include({ code, lastSignedAgeMs: 3 * FUNDING_TICK_MS + 1 });
    });
  }

  it('keeps the index on its own, shorter staleness bound', async () => {
    h.state.publish(attestation(1, T0));
    h.state.publish(attestation(2, T0, 'funding_rate'));
    h.clock.advance(60_000);
    expect((await fetch(`${h.url}/price`)).status).to.equal(503);
    expect((await fetch(`${h.url}/funding`)).status).to.equal(200);
  });
});

describe('an oracle that does not sign funding', () => {
  it('has no /funding, /premium or /funding-index', async () => {
    const h = await startHarness();
    try {
      for (const path of ['/funding', '/premium', '/funding-index'])
        expect((await errorBody(await fetch(`${h.url}${path}`))).code).to.equal('not_found');
    } finally {
      await h.close();
    }
  });
});
