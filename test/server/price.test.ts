import { expect } from 'chai';
import { T0, TICK_MS, attestation, errorBody, startHarness, type Harness } from './fake-oracle.js';

describe('GET /price', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('serves the published bytes unchanged with caching headers', async () => {
    const published = h.state.publish(attestation(7, T0));
    h.clock.advance(1_200);
    const res = await fetch(`${h.url}/price`);
    expect(res.status).to.equal(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(published.body)).to.equal(true);
    expect(res.headers.get('content-type')).to.match(/^application\/json/);
    expect(res.headers.get('etag')).to.equal(published.etag);
    expect(res.headers.get('cache-control')).to.equal(`public, max-age=${TICK_MS / 1000}, stale-while-revalidate=0`);
    expect(res.headers.get('last-modified')).to.equal(new Date(T0).toUTCString());
    expect(res.headers.get('access-control-allow-origin')).to.equal('*');
  });

  it('answers If-None-Match with 304 and no body, and a changed quote with 200', async () => {
    const first = h.state.publish(attestation(7, T0));
    for (const header of [first.etag, `W/${first.etag}`, `"other", ${first.etag}`, '*']) {
      const res = await fetch(`${h.url}/price`, { headers: { 'If-None-Match': header } });
      expect(res.status, header).to.equal(304);
      expect(await res.text()).to.equal('');
    }
    const second = h.state.publish(attestation(8, T0 + TICK_MS));
    const res = await fetch(`${h.url}/price`, { headers: { 'If-None-Match': first.etag } });
    expect(res.status).to.equal(200);
    expect(res.headers.get('etag')).to.equal(second.etag);
  });

  it('never lets a cache keep a quote past the staleness bound', async () => {
    h.state.publish(attestation(7, T0));
    h.clock.advance(3 * TICK_MS - 2_500);
    const res = await fetch(`${h.url}/price`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('cache-control')).to.equal('public, max-age=2, stale-while-revalidate=0');
  });

  it('answers HEAD with the headers only', async () => {
    const published = h.state.publish(attestation(7, T0));
    const res = await fetch(`${h.url}/price`, { method: 'HEAD' });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-length')).to.equal(String(published.body.length));
    expect(await res.text()).to.equal('');
  });

  it('refuses with 503 before the first attestation', async () => {
    const res = await fetch(`${h.url}/price`);
    expect(res.status).to.equal(503);
    expect(res.headers.get('cache-control')).to.equal('no-store');
    const error = await errorBody(res);
    expect(error).to.deep.equal({
      code: 'no_trustworthy_index',
      message: 'no attestation signed yet',
      lastSignedAgeMs: null,
    });
  });

  it('refuses with 503 once the latest quote is older than three ticks, even for a matching ETag', async () => {
    const published = h.state.publish(attestation(7, T0));
    h.clock.advance(3 * TICK_MS);
    expect((await fetch(`${h.url}/price`)).status).to.equal(200);
    h.clock.advance(1);
    const res = await fetch(`${h.url}/price`, { headers: { 'If-None-Match': published.etag } });
    expect(res.status).to.equal(503);
    const error = await errorBody(res);
    expect(error.code).to.equal('no_trustworthy_index');
    expect(error.lastSignedAgeMs).to.equal(3 * TICK_MS + 1);
    expect(error.message).to.match(/15001 ms old/);
  });

  it('explains a stale quote with the refusal that followed it', async () => {
    h.state.publish(attestation(7, T0));
    h.state.refuse('index_price', { at: T0 + 4 * TICK_MS, reason: '2 of 5 sources accepted, quorum is 3' });
    h.clock.advance(4 * TICK_MS);
    const error = await errorBody(await fetch(`${h.url}/price`));
    expect(error.message).to.equal('2 of 5 sources accepted, quorum is 3');
    expect(error.lastSignedAgeMs).to.equal(4 * TICK_MS);
  });

  it('rejects query parameters it does not know', async () => {
    h.state.publish(attestation(7, T0));
    const res = await fetch(`${h.url}/price?pair=ETH/USD`);
    expect(res.status).to.equal(400);
    expect((await errorBody(res)).message).to.match(/unknown query parameter "pair"/);
  });

  it('carries the same security and CORS headers whether the fast path or express answers', async () => {
    h.state.publish(attestation(7, T0));
    const fast = await fetch(`${h.url}/price`);
    const viaExpress = await fetch(`${h.url}/oracle`);
    const named = (res: Response) =>
      [...res.headers.keys()]
        .filter((k) =>
          /^(x-|cross-origin|content-security|strict-transport|referrer|origin-agent|access-control)/.test(k),
        )
        .sort();
    expect(named(fast)).to.deep.equal(named(viaExpress));
    expect(named(fast)).to.include.members([
      'content-security-policy',
      'x-content-type-options',
      'access-control-allow-origin',
    ]);
    for (const name of named(fast)) expect(fast.headers.get(name), name).to.equal(viaExpress.headers.get(name));
    expect(fast.headers.get('x-powered-by')).to.equal(null);
  });

  it('counts fast-path requests in the HTTP metrics under the /price route', async () => {
    h.state.publish(attestation(7, T0));
    await fetch(`${h.url}/price`);
    await fetch(`${h.url}/price`, { method: 'HEAD' });
    const text = await h.registry.metrics();
    expect(text).to.match(/http_requests_total\{method="GET",route="\/price",status="200"\} 1/);
    expect(text).to.match(/http_requests_total\{method="HEAD",route="\/price",status="200"\} 1/);
  });
});
