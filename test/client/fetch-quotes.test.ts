import { expect } from 'chai';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_QUOTE_BYTES, fetchQuotes } from '../../src/client/fetch-quotes.js';
import type { OracleEndpoint } from '../../src/client/types.js';
import { InputError } from '../../src/core/errors.js';

const KEY = 'ab'.repeat(32);
const QUOTE = { kind: 'index_price', value: '5000000000000' };

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Streams until the client hangs up: a client that does not stop reading would never finish. */
function endless(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(16 * 1024, 0x20);
  const pump = (): void => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pump);
  };
  res.on('error', () => undefined);
  pump();
}

const waiting: (() => void)[] = [];

// Each behaviour under its own base path, so one server plays every kind of oracle.
const ROUTES: Readonly<Record<string, (res: ServerResponse, path: string) => void>> = {
  '/good': (res, path) => json(res, 200, { ...QUOTE, path }),
  '/silent': () => undefined,
  '/stall': (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"kind":');
  },
  '/huge': endless,
  '/just-under-cap': (res) => json(res, 200, { pad: ' '.repeat(MAX_QUOTE_BYTES - 20) }),
  '/refusing': (res) =>
    json(res, 503, { error: { code: 'no_trustworthy_index', message: '1 of 5 sources accepted, quorum is 3' } }),
  '/plain-500': (res) =>
    res.writeHead(500, 'Server Exploded', { 'content-type': 'text/plain' }).end('<html>oops</html>'),
  '/hostile-error': (res) => json(res, 502, { error: { message: `line\nforged ${'x'.repeat(500)}` } }),
  '/barrier': (res, path) => {
    waiting.push(() => json(res, 200, { ...QUOTE, path }));
    if (waiting.length === 3) waiting.splice(0).forEach((release) => release());
  },
  '/garbage': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind": index_price'),
};

describe('client/fetch-quotes fetchQuotes', function () {
  this.timeout(10_000);
  let server: Server;
  let base: string;
  const oracle = (route: string): OracleEndpoint => ({ url: `${base}${route}`, publicKey: KEY });

  before(async () => {
    server = createServer((req, res) => {
      const route = Object.keys(ROUTES).find((r) => req.url?.startsWith(`${r}/`));
      if (route === undefined) return json(res, 404, { error: { code: 'not_found', message: 'no such endpoint' } });
      ROUTES[route]!(res, req.url!.slice(route.length));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const CASES: readonly [name: string, route: string, expected: { body: unknown } | RegExp][] = [
    ['a 2xx JSON body is returned as parsed, unverified', '/good', { body: { ...QUOTE, path: '/price' } }],
    ['a trailing slash on the base URL is ignored', '/good/', { body: { ...QUOTE, path: '/price' } }],
    ['no answer at all times out', '/silent', /^timed out after 300 ms$/],
    ['headers then a stalled body times out too', '/stall', /^timed out after 300 ms$/],
    ['an endless body is cut off at the cap', '/huge', new RegExp(`^response larger than ${MAX_QUOTE_BYTES} bytes$`)],
    ['a body just under the cap is read', '/just-under-cap', { body: { pad: ' '.repeat(MAX_QUOTE_BYTES - 20) } }],
    [
      "503 carries the oracle's reason from its error shape",
      '/refusing',
      /^HTTP 503: 1 of 5 sources accepted, quorum is 3$/,
    ],
    ['a non-JSON error falls back to the status text', '/plain-500', /^HTTP 500: Server Exploded$/],
    ["an oracle's error text is made printable and capped", '/hostile-error', /^HTTP 502: line\?forged x{188}\.\.\.$/],
    ['invalid JSON is an error', '/garbage', /^response is not valid JSON$/],
    ['an unknown path is an HTTP error', '/nowhere', /^HTTP 404: no such endpoint$/],
  ];
  for (const [name, route, expected] of CASES) {
    it(name, async () => {
      const [answer] = await fetchQuotes([oracle(route)], '/price', { timeoutMs: 300 });
      if (expected instanceof RegExp) {
        expect(answer).to.have.property('ok', false);
        expect((answer as { error: string }).error).to.match(expected);
      } else {
        expect(answer).to.deep.equal({ ok: true, body: expected.body });
      }
    });
  }

  it('asks all oracles at once and answers in their order, one failure not sinking the rest', async () => {
    // The barrier answers only once three requests wait on it: asked one after another, the
    // first would time out instead.
    const routes = ['/silent', '/barrier', '/refusing', '/barrier', '/barrier'];
    const answers = await fetchQuotes(routes.map(oracle), '/funding', { timeoutMs: 1000 });
    expect(answers.map((a) => a.ok)).to.deep.equal([false, true, false, true, true]);
    expect(answers[1]).to.deep.equal({ ok: true, body: { ...QUOTE, path: '/funding' } });
    expect((answers[2] as { error: string }).error).to.match(/^HTTP 503/);
  });

  it('an oracle nobody listens on is a connection error, not a rejection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const [answer] = await fetchQuotes([{ url, publicKey: KEY }], '/price', { timeoutMs: 1000 });
    expect(answer).to.deep.equal({ ok: false, error: 'cannot connect: ECONNREFUSED' });
  });

  it('a malformed URL is an error for that oracle only', async () => {
    const answers = await fetchQuotes([{ url: 'not a url', publicKey: KEY }, oracle('/good')], '/price', {
      timeoutMs: 1000,
    });
    expect(answers[0]).to.have.property('ok', false);
    expect((answers[0] as { error: string }).error).to.match(/^request failed: /);
    expect(answers[1]).to.have.property('ok', true);
  });

  it('refuses a timeout that is not a positive integer', async () => {
    for (const timeoutMs of [0, -1, 1.5, Number.NaN]) {
      let caught: unknown;
      await fetchQuotes([oracle('/good')], '/price', { timeoutMs }).catch((err: unknown) => {
        caught = err;
      });
      expect(caught, String(timeoutMs)).to.be.instanceOf(InputError);
    }
  });
});
