/**
 * Browser code on any origin can read every endpoint, including requests a browser preflights
 * (a conditional GET with If-None-Match, a stream resumed with Last-Event-ID). The preflight check
 * below is the one the Fetch standard makes a browser run ("CORS-preflight fetch" and "CORS
 * check"); a browser that gets anything else never sends the GET.
 */
import { expect } from 'chai';
import { T0, attestation, startHarness, type Harness } from './fake-oracle.js';

const ORIGIN = 'https://wallet.example';
const PATHS = ['/price', '/funding', '/premium', '/oracle', '/sources', '/history', '/stream', '/health', '/metrics'];

/** What a browser concludes from a preflight answer: may it send `method` with `headers`? */
function browserAllows(res: Response, method: string, headers: readonly string[]): boolean {
  if (res.status < 200 || res.status > 299) return false;
  const origin = res.headers.get('access-control-allow-origin');
  if (origin !== '*' && origin !== ORIGIN) return false;
  const list = (name: string) =>
    (res.headers.get(name) ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== '');
  const methods = list('access-control-allow-methods');
  // GET and HEAD are CORS-safelisted methods: they need no listing, but listing them is fine.
  if (!['GET', 'HEAD'].includes(method) && !methods.includes(method.toLowerCase())) return false;
  const allowed = list('access-control-allow-headers');
  return headers.every(
    (h) => allowed.includes(h.toLowerCase()) || (allowed.includes('*') && h.toLowerCase() !== 'authorization'),
  );
}

function preflight(h: Harness, path: string, requestHeaders: string): Promise<Response> {
  return fetch(`${h.url}${path}`, {
    method: 'OPTIONS',
    headers: {
      Origin: ORIGIN,
      'Access-Control-Request-Method': 'GET',
      'Access-Control-Request-Headers': requestHeaders,
    },
  });
}

describe('HTTP API: cross-origin reads', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ fundingTickIntervalMs: 60_000 });
  });
  afterEach(() => h.close());

  for (const path of PATHS) {
    it(`lets a browser on another origin send a preflighted GET ${path}`, async () => {
      const headers = ['if-none-match', 'cache-control', 'last-event-id'];
      const res = await preflight(h, path, headers.join(', '));
      expect(res.status).to.equal(204);
      expect(browserAllows(res, 'GET', headers)).to.equal(true);
      expect(res.headers.get('allow')).to.equal('GET, HEAD, OPTIONS');
      expect(res.headers.get('vary')).to.match(/access-control-request-headers/i);
      expect(Number(res.headers.get('access-control-max-age'))).to.be.greaterThan(0);
    });
  }

  it('then answers the conditional GET with the origin allowed, 304 included', async () => {
    h.state.publish(attestation(7, T0));
    const first = await fetch(`${h.url}/price`, { headers: { Origin: ORIGIN } });
    expect(first.headers.get('access-control-allow-origin')).to.equal('*');
    const etag = first.headers.get('etag') as string;
    const again = await fetch(`${h.url}/price`, { headers: { Origin: ORIGIN, 'If-None-Match': etag } });
    expect(again.status).to.equal(304);
    expect(again.headers.get('access-control-allow-origin')).to.equal('*');
    expect(again.headers.get('access-control-expose-headers')).to.match(/ETag/);
  });

  it('never allows a method that writes', async () => {
    const res = await fetch(`${h.url}/price`, {
      method: 'OPTIONS',
      headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST' },
    });
    expect(browserAllows(res, 'POST', [])).to.equal(false);
  });

  it('answers a plain OPTIONS with the methods it takes, and no preflight headers', async () => {
    const res = await fetch(`${h.url}/oracle`, { method: 'OPTIONS' });
    expect(res.status).to.equal(204);
    expect(res.headers.get('allow')).to.equal('GET, HEAD, OPTIONS');
    expect(res.headers.get('access-control-allow-methods')).to.equal(null);
  });

  it('does not echo a requested header list that is not a list of header names', async () => {
    const res = await preflight(h, '/price', 'x-a, <script>');
    expect(res.status).to.equal(204);
    expect(res.headers.get('access-control-allow-headers')).to.equal(null);
  });

  it('gives no preflight to an unknown path', async () => {
    const res = await preflight(h, '/nope', 'if-none-match');
    expect(res.status).to.equal(404);
  });
});
