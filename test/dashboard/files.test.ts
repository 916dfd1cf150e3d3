/**
 * The dashboards' files as the oracle serves them (src/dashboard/files.ts, src/server/dashboard.ts):
 * the page with its own content security policy, content-hashed assets, revalidation, a clear 404
 * when the page was not built, and the JSON API's headers exactly as they are without a dashboard.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDashboard, PAGE_CSP, type DashboardFiles } from '../../src/dashboard/files.js';
import { T0, attestation, errorBody, startHarness, type Harness } from '../server/fake-oracle.js';

/** A built page in a folder of its own: oracle.html naming one script and one style. */
function builtPage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ps-web-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'oracle.html'),
    '<link rel="stylesheet" href="/assets/oracle-AB12.css">' +
      '<script type="module" src="/assets/oracle-CD34.js"></script>',
  );
  writeFileSync(join(dir, 'assets', 'oracle-AB12.css'), 'body{}');
  writeFileSync(join(dir, 'assets', 'oracle-CD34.js'), 'console.log(1)');
  return dir;
}

/** Every header of `res` but the ones that change per request. */
function stableHeaders(res: Response): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of res.headers)
    if (!['date', 'x-ratelimit-reset', 'ratelimit'].includes(name)) kept[name] = value;
  return kept;
}

describe('dashboard/files and the oracle page at /', () => {
  const harnesses: Harness[] = [];
  const start = async (dashboard?: DashboardFiles | null) => {
    const h = await startHarness({}, dashboard === undefined ? {} : { dashboard });
    harnesses.push(h);
    return h;
  };
  after(async () => {
    for (const h of harnesses) await h.close();
  });

  it('reads a built page and the assets its HTML names; none when the page was not built', () => {
    const files = loadDashboard('oracle', builtPage());
    expect([...(files?.keys() ?? [])]).to.deep.equal(['/', '/assets/oracle-AB12.css', '/assets/oracle-CD34.js']);
    expect(files?.get('/')?.headers['Content-Security-Policy']).to.equal(PAGE_CSP);
    expect(files?.get('/assets/oracle-CD34.js')?.headers['Content-Type']).to.equal('text/javascript; charset=utf-8');
    expect(loadDashboard('agreement', builtPage())).to.equal(null);
  });

  it('refuses a build whose HTML names an asset that is missing', () => {
    const dir = builtPage();
    writeFileSync(join(dir, 'oracle.html'), '<script type="module" src="/assets/oracle-GONE.js"></script>');
    expect(() => loadDashboard('oracle', dir)).to.throw(/ENOENT/);
  });

  it('serves the page with a policy allowing only its own scripts, and revalidates it by ETag', async () => {
    const h = await start(loadDashboard('oracle', builtPage()));
    const page = await fetch(`${h.url}/`);
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-type')).to.equal('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).to.equal(PAGE_CSP);
    expect(PAGE_CSP).to.match(/script-src 'self';/);
    expect(PAGE_CSP).not.to.match(/unsafe|http|\*/);
    const etag = page.headers.get('etag') as string;
    expect((await fetch(`${h.url}/`, { headers: { 'If-None-Match': `W/${etag}` } })).status).to.equal(304);
    expect((await fetch(`${h.url}/`, { headers: { 'If-None-Match': '"other"' } })).status).to.equal(200);
    const head = await fetch(`${h.url}/assets/oracle-CD34.js`, { method: 'HEAD' });
    expect([head.status, head.headers.get('cache-control'), await head.text()]).to.deep.equal([
      200,
      'public, max-age=31536000, immutable',
      '',
    ]);
    const missing = await fetch(`${h.url}/assets/oracle-EF56.js`);
    expect([missing.status, (await errorBody(missing)).message]).to.deep.equal([404, 'no such asset']);
    expect((await fetch(`${h.url}/?x=1`)).status).to.equal(400);
  });

  it('says the page was not built, with a 404, when the oracle has no build', async () => {
    const h = await start(null);
    const res = await fetch(`${h.url}/`);
    expect(res.status).to.equal(404);
    expect((await errorBody(res)).message).to.match(/not built \(npm run build\)/);
  });

  it('never changes the headers of the JSON API: /price, /oracle, /sources and a 404 answer alike', async () => {
    const plain = await start();
    const withPage = await start(loadDashboard('oracle', builtPage()));
    for (const h of [plain, withPage]) h.state.publish(attestation(7, T0));
    for (const path of ['/price', '/oracle', '/sources', '/nothing-here']) {
      const [a, b] = await Promise.all([fetch(`${plain.url}${path}`), fetch(`${withPage.url}${path}`)]);
      expect(stableHeaders(b), path).to.deep.equal(stableHeaders(a));
      expect(b.headers.get('content-security-policy'), path).to.equal("default-src 'none';frame-ancestors 'none'");
    }
  });
});
