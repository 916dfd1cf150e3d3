/**
 * The agreement dashboard's server (src/client/dashboard-server.ts): read-only, answering only
 * requests addressed to an IP address, localhost or its own host (no DNS rebinding), the status as
 * JSON with bigints as strings, and a failing status answered without its message.
 */
import { expect } from 'chai';
import { request } from 'node:http';
import { isAllowedHost, serveAgreementDashboard, type AgreementDashboard } from '../../src/client/dashboard-server.js';
import type { AgreementStatus } from '../../src/client/status-report.js';
import { silentLogger } from '../../src/core/log.js';
import { PAGE_CSP, type DashboardFile } from '../../src/dashboard/files.js';

const PAGE: DashboardFile = {
  body: Buffer.from('<p>page</p>'),
  etag: '"e"',
  headers: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': PAGE_CSP, ETag: '"e"' },
};

function send(url: string, o: { method?: string; host?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.host ? { Host: o.host } : {} }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject).end();
  });
}

describe('client/dashboard-server', () => {
  let server: AgreementDashboard;
  let failing = false;
  before(async () => {
    server = await serveAgreementDashboard({
      files: new Map([['/', PAGE]]),
      status: () => {
        if (failing) throw new Error('SQLITE_CANTOPEN /secret/path/settle.sqlite3');
        return { version: 1 } as unknown as AgreementStatus;
      },
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger,
    });
  });
  after(() => server.close());

  it('accepts only a Host that names an address, localhost or the host it is bound to', () => {
    const table: [string | undefined, string, boolean][] = [
      ['127.0.0.1:8081', '127.0.0.1', true],
      ['localhost:8081', '127.0.0.1', true],
      ['LOCALHOST', '127.0.0.1', true],
      ['[::1]:8081', '::1', true],
      ['10.0.0.5', '0.0.0.0', true],
      ['dash.example:8081', 'dash.example', true],
      ['attacker.example:8081', '127.0.0.1', false],
      ['127.0.0.1.attacker.example', '127.0.0.1', false],
      [undefined, '127.0.0.1', false],
    ];
    for (const [header, bound, allowed] of table)
      expect(isAllowedHost(header, bound), String(header)).to.equal(allowed);
  });

  it('is read-only: anything but GET and HEAD is refused, and nothing else is served', async () => {
    expect(server.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const method of ['POST', 'PUT', 'DELETE'])
      expect((await send(`${server.url}/`, { method })).status).to.equal(405);
    expect((await send(`${server.url}/`)).body).to.equal('<p>page</p>');
    expect((await send(`${server.url}/status.json`)).body).to.equal('{"version":1}');
    expect(await send(`${server.url}/status.json`, { method: 'HEAD' })).to.deep.equal({ status: 200, body: '' });
    expect((await send(`${server.url}/ledger.sqlite3`)).status).to.equal(404);
    expect((await send(`${server.url}/`, { host: 'rebound.example' })).status).to.equal(421);
  });

  it('answers 500 without the error when the status cannot be read: no path reaches the page', async () => {
    failing = true;
    const answer = await send(`${server.url}/status.json`);
    failing = false;
    expect(answer.status).to.equal(500);
    expect(answer.body).not.to.match(/secret|sqlite/i);
  });

  it('refuses to start on an address it cannot bind', async () => {
    const taken = Number(new URL(server.url).port);
    const files = new Map([['/', PAGE]]);
    const status = () => ({}) as AgreementStatus;
    const o = { files, status, host: '127.0.0.1', port: taken, logger: silentLogger };
    let failed: unknown = null;
    await serveAgreementDashboard(o).catch((err: unknown) => (failed = err));
    expect(String(failed)).to.match(/EADDRINUSE/);
  });
});
