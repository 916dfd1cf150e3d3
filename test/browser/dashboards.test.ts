/**
 * Both dashboards in a real browser (Debian's Chromium through playwright-core), against the real
 * thing: the exchange simulator, two oracles and two settlement clients on the fake nodes (Core
 * Lightning and LND) sharing a channel, all on one manual clock that the browser's clock follows.
 * Twenty minutes of ticks and rounds are played before the pages open, so the chart has a line to
 * show. Each page's screenshot is taken at the end of its tests; with UPDATE_SCREENSHOTS=1 it is
 * written to docs/img/, where the README and docs/DASHBOARDS.md show it (else it is only taken).
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { publicKeyOf } from '../../src/attest/keys.js';
import { parseClientConfig, type ClientConfig } from '../../src/client/config.js';
import { serveAgreementDashboard, type AgreementDashboard } from '../../src/client/dashboard-server.js';
import { fetchQuotes } from '../../src/client/fetch-quotes.js';
import { Ledger } from '../../src/client/ledger.js';
import { runRound } from '../../src/client/round.js';
import { agreementStatus, type AgreementStatus } from '../../src/client/status-report.js';
import { loadDashboard } from '../../src/dashboard/files.js';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import { createBackend } from '../../src/lightning/index.js';
import type { LightningBackend } from '../../src/lightning/types.js';
import { startOracle, type RunningOracle } from '../../src/oracle/run.js';
import type { SourcesReport } from '../../src/server/types.js';
import { parseScenario, startSimulator, type Simulator } from '../../src/sim/index.js';
import { simulatedConfig } from '../../src/sim/oracle-config.js';
import { buildDashboards } from '../../scripts/build-dashboards.js';
import { headlineFigures } from '../../web/agreement/figures.js';
import { btc, formatDecimal, usd } from '../../web/shared/format.js';
import { launchChromium, openPage, startTamperingProxy } from '../support/browser.js';
import { runCli } from '../support/cli.js';
import { startFakeClnRpc } from '../support/fake-cln.js';
import { FakeLightningNetwork } from '../support/fake-lightning.js';
import { FAKE_LND_TLS_CERT, startFakeLnd } from '../support/fake-lnd.js';
import { eventually } from '../support/wait.js';
import { childEnv } from '../support/child-env.js';

const MINUTE = 60_000;
/**
 * 2026-01-15 10:45 UTC: a fixed clock, so the screenshots show the same times on every run; the
 * hourly DLC fixing of 11:00 is attested while the ticks are played.
 */
const T0 = Date.UTC(2026, 0, 15, 10, 45, 0);
/** Minutes of ticks (one a minute) and rounds (every five) played before the pages open. */
const PLAYED = 20;
/** Four of the six index venues answer 503 for two minutes after that: the index refuses (quorum 3). */
const OUTAGE = { fromMs: (PLAYED + 2) * MINUTE, toMs: (PLAYED + 4) * MINUTE };
const DOWN = [
  ['gemini', 'BTC/USD'],
  ['bitfinex', 'BTC/USD'],
  ['bitstamp', 'BTC/USD'],
  ['binance', 'BTC/USDT'],
] as const;
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/img/', import.meta.url));

/** Takes a screenshot of the whole page; writes it to docs/img/`name` only with UPDATE_SCREENSHOTS=1. */
async function screenshot(page: Page, name: string): Promise<void> {
  const png = await page.screenshot({ fullPage: true });
  expect(png.subarray(1, 4).toString(), 'a PNG').to.equal('PNG');
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  mkdirSync(SHOTS, { recursive: true });
  writeFileSync(join(SHOTS, name), png);
}

/** GET `url` with a Host header of the test's (fetch sends the URL's own). */
function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Host: host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject).end();
  });
}

function scenario() {
  const raw = JSON.parse(readFileSync(new URL('../../config/scenarios/calm.json', import.meta.url), 'utf8'));
  const down = { kind: 'http', status: 503, ...OUTAGE };
  for (const [venue, market] of DOWN) raw.exchanges[venue].markets[market].faults = [down];
  return parseScenario(raw);
}

/** An oracle on the simulator with a fixed test key (never use it), ticking only when told to. */
async function oracleOn(sim: Simulator, clock: ManualClock, dir: string, secretHex: string) {
  const simulated = simulatedConfig({
    baseUrlFor: (id) => sim.baseUrlFor(id),
    dir,
    // The tests tick by hand, one tick a simulated minute; the oracle's own timers stay quiet.
    tickIntervalMs: MINUTE,
    fundingTickIntervalMs: MINUTE,
    pollIntervalMs: 40,
    fundingPollIntervalMs: 40,
    dlc: true,
    dlcPassMs: 200,
    logLevel: 'silent',
  });
  // A venue back from the outage is polled again within a tick, not after a back-off of seconds.
  const config = { ...simulated, polling: { ...simulated.polling, backoffInitialMs: 50, backoffMaxMs: 100 } };
  mkdirSync(dir, { recursive: true });
  writeFileSync(config.oracle.keyFile, `${secretHex}\n`, { mode: 0o600 });
  writeFileSync(config.dlc.nonceSecretFile, `${secretHex.replace(/./g, (c) => (c === '1' ? '3' : '4'))}\n`, {
    mode: 0o600,
  });
  const publicKey = Buffer.from(publicKeyOf(Buffer.from(secretHex, 'hex'))).toString('hex');
  // A new key, as `oracle --init-key` makes one: it starts its funding index at zero.
  const oracle = await startOracle(config, { logger: silentLogger, clock, newFundingIndex: true });
  return { oracle, publicKey };
}

describe('dashboards in a real browser', function () {
  this.timeout(180_000);
  const clock = new ManualClock(T0);
  const dir = mkdtempSync(join(tmpdir(), 'ps-dash-'));
  let sim: Simulator;
  let oracles: { oracle: RunningOracle; publicKey: string }[] = [];
  let browser: Browser;
  const closers: (() => Promise<unknown> | unknown)[] = [];
  const clients: { config: ClientConfig; backend: LightningBackend; ledger: Ledger }[] = [];
  let providerConfigFile: string;
  let providerRaw: Record<string, unknown>;

  /** Ticks every oracle at the clock's time once each source has been polled at that time. */
  async function tickAll(): Promise<void> {
    for (const { oracle } of oracles) {
      for (let i = 0; ; i++) {
        oracle.service.tick();
        oracle.service.fundingTick();
        const report = (await (await fetch(`${oracle.url}/sources`)).json()) as SourcesReport;
        const spot = report.markets.filter((m) => m.kind === 'index_price' || m.kind === 'conversion');
        const down = clock.now() - T0 >= OUTAGE.fromMs && clock.now() - T0 < OUTAGE.toMs;
        const isDown = (source: string) => down && DOWN.some(([venue, market]) => source === `${venue}:${market}`);
        const polled = spot.every((m) => m.sources.every((s) => s.receivedAt === clock.now() || isDown(s.source)));
        if (polled) break;
        if (i > 200) throw new Error('the oracle never polled every source at the new time');
        await new Promise((r) => setTimeout(r, 30));
      }
    }
  }

  async function step(to: number, pages: Page[] = []): Promise<void> {
    clock.set(to);
    for (const page of pages) await page.clock.setFixedTime(to);
    await new Promise((r) => setTimeout(r, 60));
    await tickAll();
  }

  before(async () => {
    await buildDashboards();
    browser = await launchChromium();
    closers.push(() => browser.close());
    sim = await startSimulator(scenario(), { clock });
    closers.push(() => sim.close());
    oracles = [
      await oracleOn(sim, clock, join(dir, 'oracle-a'), '11'.repeat(32)),
      await oracleOn(sim, clock, join(dir, 'oracle-b'), '22'.repeat(32)),
    ];
    for (const { oracle } of oracles) closers.push(() => oracle.close());

    const network = new FakeLightningNetwork(() => clock.now());
    const receiverNode = network.addNode('receiver');
    const providerNode = network.addNode('provider');
    const channel = network.openChannel(receiverNode, providerNode, 103_000_000n, 400_000_000n);
    const cln = await startFakeClnRpc(receiverNode);
    const lnd = await startFakeLnd(providerNode);
    closers.push(
      () => cln.close(),
      () => lnd.close(),
    );
    const macaroonFile = join(dir, 'settle.macaroon');
    writeFileSync(macaroonFile, lnd.macaroon, { mode: 0o600 });
    const caFile = join(dir, 'tls.cert');
    writeFileSync(caFile, FAKE_LND_TLS_CERT);
    const agreement = (role: 'receiver' | 'provider', peerId: string, lightning: unknown) => ({
      role,
      stableUsd: '100.00',
      channel: { id: channel.shortChannelId, peerId },
      // A third oracle that is down: every round names it as left out, and why.
      oracles: [
        ...oracles.map(({ oracle, publicKey }) => ({ url: oracle.url, publicKey })),
        { url: 'http://127.0.0.1:9', publicKey: '33'.repeat(32) },
      ],
      threshold: 2,
      maxQuoteAgeMs: 120_000,
      funding: true,
      fundingStart: new Date(T0).toISOString(), // the agreed start: the simulated clock's
      fundingMaxQuoteAgeMs: 120_000,
      minPaymentMsat: '1000',
      maxFeeMsat: '5000',
      paymentTimeoutMs: 5_000,
      ledgerFile: join(dir, `${role}.sqlite3`),
      lightning,
      log: { level: 'silent' },
    });
    providerRaw = agreement('provider', receiverNode.id, { kind: 'lnd-rest', url: lnd.url, macaroonFile, caFile });
    providerConfigFile = join(dir, 'provider.json');
    writeFileSync(providerConfigFile, JSON.stringify(providerRaw));
    for (const config of [
      parseClientConfig(agreement('receiver', providerNode.id, { kind: 'cln-rpc', socket: cln.socketPath })),
      parseClientConfig(providerRaw),
    ]) {
      const backend = await createBackend(config.lightning, { logger: silentLogger });
      const ledger = Ledger.open(config.ledgerFile);
      closers.push(async () => {
        ledger.close();
        await backend.close();
      });
      clients.push({ config, backend, ledger });
    }

    // A tick a minute, and a settlement round on both sides every five minutes.
    for (let minute = 0; minute <= PLAYED; minute++) {
      await step(T0 + minute * MINUTE);
      if (minute % 5 !== 0) continue;
      for (const side of clients)
        await runRound({
          ...side,
          clock,
          logger: silentLogger,
          fetchQuotes: (path) => fetchQuotes(side.config.oracles, path, { timeoutMs: 5_000 }),
        });
    }
  });

  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  describe('the oracle dashboard', () => {
    let page: Page;
    let errors: string[];
    let proxy: Awaited<ReturnType<typeof startTamperingProxy>>;
    const oracleUrl = () => oracles[0]!.oracle.url;
    const text = (selector: string) => page.locator(selector).innerText();
    const hasText = (selector: string, wanted: string) =>
      eventually(async () => ((await text(selector)) === wanted ? true : null), {
        lastSeen: () => `${selector} not showing ${wanted}`,
      });

    before(async () => {
      // The page is reached through a proxy that can inject into /stream; everything else is the oracle's.
      proxy = await startTamperingProxy(oracleUrl());
      closers.push(() => proxy.close());
      ({ page, errors } = await openPage(browser, clock.now()));
      await page.goto(`${proxy.url}/`);
      await page.locator('#connection .live').waitFor();
    });

    it('is served with a policy that allows only its own scripts, and the API keeps its headers', async () => {
      const html = await fetch(`${oracleUrl()}/`);
      expect(html.status).to.equal(200);
      expect(html.headers.get('content-security-policy')).to.match(/script-src 'self';/);
      expect(html.headers.get('content-security-policy')).to.match(/connect-src 'self'/);
      expect(await html.text()).not.to.match(/<script>|<script [^>]*>[^<]/);
      const price = await fetch(`${oracleUrl()}/price`);
      expect(price.headers.get('content-security-policy')).to.equal("default-src 'none';frame-ancestors 'none'");
      const script = /src="(\/assets\/oracle-[A-Za-z0-9]+\.js)"/.exec(
        await (await fetch(`${oracleUrl()}/`)).text(),
      )?.[1];
      const asset = await fetch(`${oracleUrl()}${script}`);
      expect([asset.status, asset.headers.get('cache-control')]).to.deep.equal([
        200,
        'public, max-age=31536000, immutable',
      ]);
    });

    it('shows the price /price serves, verified in the browser', async () => {
      const served = (await (await fetch(`${oracleUrl()}/price`)).json()) as { value: string; exponent: number };
      await hasText('#index-price', usd(served.value, served.exponent));
      expect(await text('#index-verdict')).to.contain('signature verified');
      expect(await text('#oracle-key')).to.equal(oracles[0]!.publicKey);
    });

    it('shows a new attestation as it is signed, without a reload', async () => {
      await step(T0 + (PLAYED + 1) * MINUTE, [page]);
      const served = (await (await fetch(`${oracleUrl()}/price`)).json()) as {
        value: string;
        exponent: number;
        sequence: string;
      };
      await page.locator(`#entries tr[data-sequence="${served.sequence}"][data-verified="true"]`).waitFor();
      await hasText('#index-price', usd(served.value, served.exponent));
    });

    it('shows a refused tick with its reason, and a gap', async () => {
      await step(T0 + OUTAGE.fromMs + 30_000, [page]);
      const report = (await (await fetch(`${oracleUrl()}/sources`)).json()) as SourcesReport;
      const index = report.markets.find((m) => m.kind === 'index_price')!;
      expect(index.ok, 'the outage makes the index refuse').to.equal(false);
      await page.locator('#refusals .refusal', { hasText: index.reason! }).waitFor();
      await eventually(async () => {
        const gaps = (await page.locator('#chart').getAttribute('data-gaps')) ?? '';
        return gaps.split(' ').includes(String(index.at)) ? true : null;
      });
      await step(T0 + OUTAGE.toMs + MINUTE, [page]);
      await page.locator('#index-verdict').getByText('signature verified').waitFor();
    });

    it('shows a tampered attestation from the stream as invalid, never as the price', async () => {
      const served = (await (await fetch(`${oracleUrl()}/price`)).json()) as {
        value: string;
        exponent: number;
        sequence: string;
      };
      const shown = usd(served.value, served.exponent);
      const tampered = { ...served, value: (BigInt(served.value) + 100_000_000_000n).toString() };
      expect(proxy.inject(`event: attestation\ndata: ${JSON.stringify(tampered)}\n\n`)).to.equal(1);
      const row = page.locator(`#entries tr[data-sequence="${served.sequence}"][data-verified="false"]`);
      await row.waitFor();
      expect(await row.innerText()).to.match(/invalid.*bad signature/s);
      expect(await text('#index-price')).to.equal(shown);
      expect(await text('#entries')).not.to.contain(usd(tampered.value, served.exponent));
    });

    it('lists sources with verdicts, the USDT/USD conversion, DLC events and the protocol version', async () => {
      expect(await page.locator('#sources .market[data-kind="conversion"]').innerText()).to.contain('USDT/USD');
      expect(await page.locator('#sources table').first().innerText()).to.match(/kraken:BTC\/USD/);
      await page.locator('#dlc table').nth(1).locator('tbody tr').first().waitFor();
      expect(await text('#protocol-version')).to.equal('1');
    });

    it('logs no error in the browser console, and looks as docs/DASHBOARDS.md shows it', async () => {
      // The sources are read every few seconds: the picture shows the tick after the outage, signed.
      await page.locator('#sources .market[data-kind="index_price"] > p .badge-ok').waitFor();
      await screenshot(page, 'oracle-dashboard.png');
      expect(errors).to.deep.equal([]);
    });
  });

  describe('the agreement dashboard', () => {
    let page: Page;
    let errors: string[];
    let dashboard: AgreementDashboard;
    const provider = () => clients[1]!;

    before(async () => {
      const files = loadDashboard('agreement');
      if (files === null) throw new Error('buildDashboards() built no agreement page');
      dashboard = await serveAgreementDashboard({
        files,
        status: () => agreementStatus(provider().config, provider().ledger),
        host: '127.0.0.1',
        port: 0,
        logger: silentLogger,
      });
      closers.push(() => dashboard.close());
      ({ page, errors } = await openPage(browser, clock.now()));
      await page.goto(`${dashboard.url}/`);
      await page.locator('[data-field="receiver-usd"]').waitFor();
    });

    it('shows the same figures as `peer-stables status --json`', async () => {
      const cli = await runCli(['status', '--json', '--config', providerConfigFile]);
      expect(cli.code, cli.out).to.equal(0);
      const status = JSON.parse(cli.out) as AgreementStatus;
      expect(status.position, 'rounds have read the channel').not.to.equal(null);
      const shown = async (field: string) => page.locator(`[data-field="${field}"]`).innerText();
      expect(await shown('stable-usd')).to.equal(`${usd(status.agreement.stableUsd)} USD`);
      expect(await shown('receiver-btc')).to.equal(btc(status.position!.observedReceiverMsat));
      expect(await shown('receiver-usd')).to.equal(`${usd(status.position!.receiverUsd)} USD`);
      expect(await shown('leverage')).to.equal(`${formatDecimal(BigInt(status.position!.providerLeverage!), -2)}×`);
      expect(await shown('misses')).to.equal(String(status.misses));
      for (const f of headlineFigures(status)) expect(await shown(f.field), f.label).to.equal(f.value);
      // The receiver holds its 100 USD at the last round's price, to the cent.
      expect(Math.abs(Number(formatDecimal(BigInt(status.position!.receiverUsd), -8)) - 100)).to.be.below(0.01);
    });

    it('names the quotes each round used and the oracle left out, with why', async () => {
      const rounds = page.locator('#rounds tbody tr');
      expect(await rounds.count(), 'a round every five minutes').to.equal(PLAYED / 5 + 1);
      const first = await rounds.first().innerText();
      expect(first).to.match(/used/);
      expect(first).to.match(/left out\s+http:\/\/127\.0\.0\.1:9/);
      expect(await page.locator('#payments').innerText()).to.match(/complete/);
    });

    it('shows nothing secret: no macaroon, no path to a credential or to the ledger', async () => {
      const body = await (await fetch(`${dashboard.url}/status.json`)).text();
      const html = await page.content();
      for (const secret of [readFileSync(join(dir, 'settle.macaroon'), 'utf8'), 'settle.macaroon', 'tls.cert', dir])
        for (const shown of [body, html]) expect(shown).not.to.contain(secret);
      expect(body).not.to.match(/preimage/);
    });

    it('answers only its own address, and only GET', async () => {
      expect(await getWithHost(`${dashboard.url}/status.json`, 'attacker.example:80')).to.equal(421);
      expect(await getWithHost(`${dashboard.url}/status.json`, 'localhost:80')).to.equal(200);
      expect((await fetch(`${dashboard.url}/status.json`, { method: 'POST' })).status).to.equal(405);
    });

    it('logs no error in the browser console, and looks as docs/DASHBOARDS.md shows it', async () => {
      await screenshot(page, 'agreement-dashboard.png');
      expect(errors).to.deep.equal([]);
    });

    it('is served by `peer-stables settle --dashboard HOST:PORT`, read-only, with the page policy', async () => {
      const configFile = join(dir, 'provider-cli.json');
      writeFileSync(
        configFile,
        JSON.stringify({ ...providerRaw, ledgerFile: join(dir, 'cli.sqlite3'), log: { level: 'info' } }),
      );
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', MAIN, 'settle', '--config', configFile, '--dashboard', '127.0.0.1:0'],
        { env: childEnv(), stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      try {
        const url = await eventually(
          async () => /"url":"(http:[^"]+)","msg":"serving the agreement dashboard"/.exec(out)?.[1],
          {
            lastSeen: () => out,
          },
        );
        expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
        const html = await fetch(`${url}/`);
        expect(html.status).to.equal(200);
        expect(html.headers.get('content-security-policy')).to.match(/^default-src 'none'; script-src 'self'/);
        const status = (await (await fetch(`${url}/status.json`)).json()) as AgreementStatus;
        expect(status.agreement.role).to.equal('provider');
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).to.equal(0);
    });
  });
});
