import { expect } from 'chai';
import { connect } from 'node:net';
import { T0, TICK_MS, attestation, errorBody, startHarness, type Harness } from './fake-oracle.js';

describe('HTTP API: endpoints, errors and protections', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('404 in the error shape for an unknown route', async () => {
    const res = await fetch(`${h.url}/prices`);
    expect(res.status).to.equal(404);
    expect(await errorBody(res)).to.deep.equal({ code: 'not_found', message: 'no such endpoint: /prices' });
  });

  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    it(`405 with Allow for ${method} on a known route`, async () => {
      const res = await fetch(`${h.url}/price`, { method });
      expect(res.status).to.equal(405);
      expect(res.headers.get('allow')).to.equal('GET, HEAD, OPTIONS');
      expect((await errorBody(res)).code).to.equal('method_not_allowed');
    });
  }

  it('500 with a generic message and no internals when the state throws', async () => {
    h.state.info = () => {
      throw new Error('database at /var/secret/path.db is corrupt');
    };
    const res = await fetch(`${h.url}/oracle`);
    expect(res.status).to.equal(500);
    expect(await errorBody(res)).to.deep.equal({ code: 'internal', message: 'internal error' });
  });

  it('serves /oracle with a short cache lifetime and /sources uncached', async () => {
    const oracle = await fetch(`${h.url}/oracle`);
    expect(oracle.status).to.equal(200);
    expect(oracle.headers.get('cache-control')).to.equal('public, max-age=60');
    expect(await oracle.json()).to.deep.equal(h.state.info());
    const sources = await fetch(`${h.url}/sources`);
    expect(sources.headers.get('cache-control')).to.equal('no-cache');
    expect(await sources.json()).to.deep.equal(h.state.sources());
  });

  it('/health is ok while the index is fresh and degraded otherwise', async () => {
    const before = await fetch(`${h.url}/health`);
    expect(before.status).to.equal(503);
    expect(await before.json()).to.deep.equal({
      status: 'degraded',
      reason: 'no attestation signed yet',
      lastSignedAgeMs: null,
    });

    h.state.publish(attestation(7, T0));
    h.clock.advance(1_000);
    const ok = await fetch(`${h.url}/health`);
    expect(ok.status).to.equal(200);
    expect(await ok.json()).to.deep.equal({ status: 'ok', lastSignedAgeMs: 1_000, sequence: '7' });

    h.clock.advance(3 * TICK_MS);
    const stale = await fetch(`${h.url}/health`);
    expect(stale.status).to.equal(503);
    expect(((await stale.json()) as { status: string }).status).to.equal('degraded');
  });

  it('sets security headers and no x-powered-by', async () => {
    const res = await fetch(`${h.url}/oracle`);
    expect(res.headers.get('x-powered-by')).to.equal(null);
    expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(res.headers.get('content-security-policy')).to.equal("default-src 'none';frame-ancestors 'none'");
    expect(res.headers.get('cross-origin-resource-policy')).to.equal('cross-origin');
    expect(res.headers.get('access-control-allow-origin')).to.equal('*');
  });

  it('/metrics counts requests by matched route, not raw URL', async () => {
    h.state.publish(attestation(7, T0));
    await fetch(`${h.url}/price`);
    await fetch(`${h.url}/price`);
    await fetch(`${h.url}/no/such/path/1`);
    await fetch(`${h.url}/no/such/path/2`);
    const res = await fetch(`${h.url}/metrics`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/plain/);
    const text = await res.text();
    expect(text).to.include('http_requests_total{method="GET",route="/price",status="200"} 2');
    expect(text).to.include('http_requests_total{method="GET",route="<unmatched>",status="404"} 2');
    expect(text).to.match(/http_request_duration_seconds_count\{method="GET",route="\/price",status="200"\} 2/);
    expect(text).not.to.include('/no/such/path');
  });
});

describe('HTTP API: rate limit', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ rateLimit: { windowMs: 60_000, max: 3 } });
  });
  after(() => h.close());

  it('answers 429 in the error shape with standard RateLimit headers once the window is spent', async () => {
    for (let i = 0; i < 3; i += 1) {
      const res = await fetch(`${h.url}/oracle`);
      expect(res.status).to.equal(200);
      expect(res.headers.get('ratelimit-policy')).to.match(/q=3; w=60/);
    }
    const res = await fetch(`${h.url}/oracle`);
    expect(res.status).to.equal(429);
    expect(res.headers.get('ratelimit')).to.match(/r=0/);
    expect(await errorBody(res)).to.deep.equal({
      code: 'rate_limited',
      message: 'too many requests: limit 3 per 60000 ms',
    });
  });

  it('serves a fresh /price from the fast path even to a throttled client: answering costs less than counting', async () => {
    h.state.publish(attestation(7, T0));
    for (let i = 0; i < 5; i += 1) expect((await fetch(`${h.url}/price`)).status).to.equal(200);
    expect((await fetch(`${h.url}/price?x=1`)).status).to.equal(429); // anything else goes through express
  });

  it('does not throttle /health and /metrics', async () => {
    expect((await fetch(`${h.url}/metrics`)).status).to.equal(200);
    expect((await fetch(`${h.url}/health`)).status).to.equal(200); // fresh quote published above
  });
});

describe('HTTP API: requests the HTTP parser rejects', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  /** Sends raw bytes and returns the raw response. */
  function raw(request: string): Promise<string> {
    const { port, hostname } = new URL(h.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => socket.end(request));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
  }

  const cases: [string, string, RegExp, string][] = [
    ['an unknown method', 'FOO /price HTTP/1.1\r\nHost: x\r\n\r\n', /^HTTP\/1\.1 400 /, 'malformed HTTP request'],
    [
      'oversized headers',
      `GET /price HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      /^HTTP\/1\.1 431 /,
      'request headers too large',
    ],
    [
      'conflicting framing',
      'POST /price HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      /^HTTP\/1\.1 400 /,
      'malformed HTTP request',
    ],
  ];
  for (const [what, request, status, message] of cases) {
    it(`answers ${what} in the one JSON error shape`, async () => {
      const response = await raw(request);
      expect(response).to.match(status);
      expect(response).to.match(/content-type: application\/json/i);
      const body = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as {
        error: { code: string; message: string };
      };
      expect(body).to.deep.equal({ error: { code: 'bad_request', message } });
    });
  }
});
