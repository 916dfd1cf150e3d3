/**
 * The whole product, end to end, with no network: the exchange simulator, two independent oracles
 * with their own keys, and two settlement clients (the receiver on a fake Core Lightning reached
 * through its JSON-RPC socket, the provider on a fake LND reached through its REST API) sharing
 * one channel. The price path moves up and down; after every round both clients used the same
 * price and the receiver's balance is worth its USD amount to within one millisatoshi.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyFile } from '../../src/attest/keys.js';
import { parseClientConfig, type ClientConfig } from '../../src/client/config.js';
import { fetchQuotes } from '../../src/client/fetch-quotes.js';
import { Ledger } from '../../src/client/ledger.js';
import { runRound, type RoundReport } from '../../src/client/round.js';
import { targetReceiverMsat } from '../../src/client/stable-math.js';
import { ManualClock } from '../../src/core/clock.js';
import { PRICE_EXPONENT, parseDecimal } from '../../src/core/fixed.js';
import { silentLogger } from '../../src/core/log.js';
import { createBackend } from '../../src/lightning/index.js';
import type { LightningBackend } from '../../src/lightning/types.js';
import { startOracle, type RunningOracle } from '../../src/oracle/run.js';
import type { SourcesReport } from '../../src/server/types.js';
import { loadScenario, startSimulator, type Simulator } from '../../src/sim/index.js';
import { simulatedConfig } from '../../src/sim/oracle-config.js';
import { startFakeClnRpc } from '../support/fake-cln.js';
import { FakeLightningNetwork, type FakeChannel } from '../support/fake-lightning.js';
import { FAKE_LND_TLS_CERT, startFakeLnd } from '../support/fake-lnd.js';
import { runCli } from '../support/cli.js';
import { eventually } from '../support/wait.js';
import { childEnv } from '../support/child-env.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
// In the past of the real clock, so the settle executable (a separate process on the real clock)
// accepts the quotes the oracles sign on this test's manual clock.
const T0 = Date.now() - 600_000;

describe('settlement end to end: simulator, two oracles, two clients on two fake nodes', function () {
  this.timeout(120_000);
  const clock = new ManualClock(T0);
  const dir = mkdtempSync(join(tmpdir(), 'ps-e2e-'));
  let sim: Simulator;
  const oracles: { oracle: RunningOracle; publicKey: string }[] = [];
  let channel: FakeChannel;
  const closers: (() => Promise<void>)[] = [];
  let receiver: { config: ClientConfig; backend: LightningBackend; ledger: Ledger };
  let provider: { config: ClientConfig; backend: LightningBackend; ledger: Ledger };
  let providerConfigFile: string;
  let providerRaw: Record<string, unknown>;

  /**
   * The running oracles have settled at the current clock: they tick on real timers, priced by the
   * manual clock, and a source not yet polled since the clock moved still holds its old price. So
   * wait until a tick at the new time found every spot source observed at the new time.
   */
  async function oraclesCaughtUp(running = oracles): Promise<void> {
    for (const { oracle } of running) {
      for (let i = 0; ; i += 1) {
        const report = (await (await fetch(`${oracle.url}/sources`)).json()) as SourcesReport;
        const spot = report.markets.filter((m) => m.kind === 'index_price' || m.kind === 'conversion');
        if (report.at === clock.now() && spot.every((m) => m.sources.every((x) => x.receivedAt === clock.now()))) break;
        if (i > 400) throw new Error('oracle did not catch up with the new time');
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  }

  const round = (side: typeof receiver): Promise<RoundReport> =>
    runRound({
      config: side.config,
      backend: side.backend,
      ledger: side.ledger,
      clock,
      logger: silentLogger,
      fetchQuotes: (path) => fetchQuotes(side.config.oracles, path, { timeoutMs: 5_000 }),
    });

  before(async () => {
    sim = await startSimulator(
      loadScenario(fileURLToPath(new URL('../../config/scenarios/calm.json', import.meta.url))),
      { clock },
    );
    for (const name of ['a', 'b']) {
      const config = simulatedConfig({
        baseUrlFor: (id) => sim.baseUrlFor(id),
        dir: join(dir, `oracle-${name}`),
        tickIntervalMs: 100,
        pollIntervalMs: 50,
        fundingTickIntervalMs: 100,
        fundingPollIntervalMs: 50,
        logLevel: 'silent',
      });
      const publicKey = generateKeyFile(config.oracle.keyFile).publicKeyHex;
      // Keys made here: each oracle starts its own funding index (docs/METHODOLOGY.md 8.8).
      const oracle = await startOracle(config, { logger: silentLogger, clock, newFundingIndex: true });
      oracles.push({ oracle, publicKey });
    }

    const network = new FakeLightningNetwork(() => clock.now());
    const receiverNode = network.addNode('receiver');
    const providerNode = network.addNode('provider');
    receiverNode.routeFeeMsat = 0n; // a keysend to the direct peer crosses no other node
    providerNode.routeFeeMsat = 0n;
    channel = network.openChannel(receiverNode, providerNode, 103_000_000n, 400_000_000n);
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

    const agreement = (role: 'receiver' | 'provider', peerId: string, lightning: unknown) =>
      parseClientConfig({
        role,
        stableUsd: '100.00',
        channel: { id: channel.shortChannelId, peerId },
        oracles: oracles.map(({ oracle, publicKey }) => ({ url: oracle.url, publicKey })),
        threshold: 2,
        maxQuoteAgeMs: 30_000,
        maxSpreadBps: 50,
        minPaymentMsat: '1000',
        maxFeeMsat: '5000',
        paymentTimeoutMs: 5_000,
        ledgerFile: join(dir, `${role}.sqlite3`),
        lightning,
        log: { level: 'silent' },
      });
    const receiverConfig = agreement('receiver', providerNode.id, { kind: 'cln-rpc', socket: cln.socketPath });
    providerRaw = {
      role: 'provider',
      stableUsd: '100.00',
      channel: { id: channel.shortChannelId, peerId: receiverNode.id },
      oracles: oracles.map(({ oracle, publicKey }) => ({ url: oracle.url, publicKey })),
      threshold: 2,
      maxQuoteAgeMs: 3_600_000,
      maxSpreadBps: 50,
      minPaymentMsat: '1000',
      maxFeeMsat: '5000',
      paymentTimeoutMs: 5_000,
      ledgerFile: join(dir, 'provider.sqlite3'),
      lightning: { kind: 'lnd-rest', url: lnd.url, macaroonFile, caFile },
      log: { level: 'silent' },
    };
    providerConfigFile = join(dir, 'provider.json');
    writeFileSync(providerConfigFile, JSON.stringify(providerRaw));
    const providerConfig = parseClientConfig(providerRaw);
    for (const [config, set] of [
      [receiverConfig, (s: typeof receiver) => (receiver = s)],
      [providerConfig, (s: typeof provider) => (provider = s)],
    ] as const) {
      const backend = await createBackend(config.lightning, { logger: silentLogger });
      const ledger = Ledger.open(config.ledgerFile);
      closers.push(async () => {
        ledger.close();
        await backend.close();
      });
      set({ config, backend, ledger });
    }
  });

  after(async () => {
    for (const close of closers) await close();
    for (const { oracle } of oracles) await oracle.close();
    await sim.close();
  });

  it('keeps the receiver worth 100 USD as the price moves up and down, both sides agreeing each round', async () => {
    const prices: bigint[] = [];
    for (const at of [0, 30_000, 60_000, 90_000, 120_000, 150_000]) {
      clock.set(T0 + at);
      await oraclesCaughtUp();
      const [r, p] = [await round(receiver), await round(provider)];
      expect(r.price, 'both sides settle on the same price').to.equal(p.price);
      const price = p.price as bigint;
      prices.push(price);
      const target = targetReceiverMsat(parseDecimal('100', PRICE_EXPONENT), price);
      if (p.action === 'pay' || r.action === 'pay') {
        const paid = p.action === 'pay' ? p : r;
        expect(paid.payment?.status, paid.reason).to.equal('complete');
      } else {
        expect([r.action, p.action]).to.deep.equal(['none', 'none']);
      }
      // Below the 1000 msat minimum nothing moves. LND reports channel balances in whole satoshis,
      // so when the LND side (the provider) pays it settles to within 1 sat; Core Lightning
      // reports msat, and settles to within 1 msat.
      const tolerance = r.action === 'pay' ? 1 : 1_000;
      expect(Number(channel.balanceA - target), `after settling at ${price}`).to.be.within(-tolerance, tolerance);
      // Nothing but settlements moved the channel: both sides explain every change of it.
      expect([r.unexplainedMsat, p.unexplainedMsat], `${r.reason} / ${p.reason}`).to.deep.equal([0n, 0n]);
    }
    // The path did move both ways, and money moved both ways.
    expect(prices.some((x, i) => i > 0 && x > prices[i - 1]!)).to.equal(true);
    expect(prices.some((x, i) => i > 0 && x < prices[i - 1]!)).to.equal(true);
    const paidBy = (l: Ledger) => l.payments(100).filter((x) => x.status === 'complete').length;
    expect(paidBy(receiver.ledger)).to.be.greaterThan(0);
    expect(paidBy(provider.ledger)).to.be.greaterThan(0);
  });

  it("a settle process killed between its intent and the payment's outcome pays once after a restart", async () => {
    clock.set(T0 + 200_000);
    await oraclesCaughtUp();
    // A new agreement on the same channel, at 102 USD: its first round owes the receiver the
    // difference from the balance it starts from (its baseline), about 2 000 000 msat.
    const configFile = join(dir, 'provider-102.json');
    const ledgerFile = join(dir, 'provider-102.sqlite3');
    writeFileSync(configFile, JSON.stringify({ ...providerRaw, stableUsd: '102.00', ledgerFile }));
    const providerNode = channel.b;
    const sentBefore = providerNode.payments.size;
    providerNode.nextFault = { kind: 'hang' }; // the node takes the payment and goes quiet
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'settle', '--config', configFile, '--once'], {
      env: childEnv(),
      stdio: 'ignore',
    });
    for (let i = 0; providerNode.payments.size === sentBefore; i += 1) {
      if (i > 400) throw new Error('the settle process never sent its payment');
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const [hash] = [...providerNode.payments.keys()].slice(-1);
    const open = () => {
      const ledger = Ledger.openShared(ledgerFile);
      try {
        return ledger.payments(100).map((p) => [p.paymentHash, p.status]);
      } finally {
        ledger.close();
      }
    };
    expect(open()).to.deep.equal([[hash, 'intent']]);

    const restarted = await runCli(['settle', '--config', configFile, '--once']);
    expect(restarted.out).to.match(/ wait: 1 payment\(s\) still in flight/);
    expect(providerNode.payments.size).to.equal(sentBefore + 1);

    providerNode.resolvePending(hash!, 'complete');
    const after = await runCli(['settle', '--config', configFile, '--once']);
    expect(after.code, after.out).to.equal(0);
    expect(open()).to.deep.equal([[hash, 'complete']]);
    // Never paid twice: no other payment of the same debt.
    const paid = providerNode.payments.get(hash!)!;
    expect(paid.amountMsat > 1_900_000n && paid.amountMsat < 2_100_000n, String(paid.amountMsat)).to.equal(true);
    expect([...providerNode.payments.values()].filter((p) => p.amountMsat === paid.amountMsat)).to.have.length(1);
  });

  it('with funding on, one side stopped for a stretch: both agree on funding to the msat when it is back', async () => {
    // Two new agreements on the same channel, funding on, on the oracles' signed funding index.
    const withFunding = (s: typeof receiver, name: string) => {
      const ledger = Ledger.open(join(dir, name));
      closers.push(async () => ledger.close());
      // The agreement's 1 000 msat minimum stays: the provider's LND baseline is read in whole sats
      // (README "Precision"), a difference that is not funding's. The funding totals are compared exactly.
      // Both files name the same agreed start: the instant of the first round below.
      const config = { ...s.config, funding: true, fundingStart: T0 + 210_000, ledgerFile: join(dir, name) };
      return { ...s, config, ledger };
    };
    const r2 = withFunding(receiver, 'receiver-funding.sqlite3');
    const p2 = withFunding(provider, 'provider-funding.sqlite3');
    const at = async (ms: number) => {
      clock.set(T0 + ms);
      await oraclesCaughtUp();
    };
    await at(210_000);
    await round(r2);
    await round(p2); // the agreed start
    for (let ms = 215_000; ms < 250_000; ms += 5_000) {
      await at(ms);
      await round(p2); // the receiver is stopped
    }
    await at(250_000);
    const [r, p] = [await round(r2), await round(p2)];
    expect(r.price, 'both sides settle on the same price').to.equal(p.price);
    const seen = `${r.action} ${r.amountMsat}: ${r.reason} / ${p.action} ${p.amountMsat}: ${p.reason}`;
    if (r.action === 'expect') expect([p.action, p.amountMsat], seen).to.deep.equal(['pay', r.amountMsat]);
    else expect(p.action, seen).to.equal('none');
    const [rf, pf] = [r2.ledger.funding()!, p2.ledger.funding()!];
    expect(rf.indexUsd, 'the funding both agreed').to.equal(pf.indexUsd);
    expect(rf.oracles.size, 'each oracle anchored').to.equal(2);
    expect(rf.indexUsd > 0n, `funding accrued over the stretch (${rf.indexUsd})`).to.equal(true);
    expect(r.reason).to.match(/USD from the index/);
  });

  it('pays nothing when one of the two oracles is down (threshold 2), and says why', async () => {
    await oracles[1]!.oracle.close();
    clock.set(T0 + 260_000);
    await oraclesCaughtUp(oracles.slice(0, 1));
    const before = channel.balanceA;
    const r = await round(provider);
    expect(r.action).to.equal('refuse');
    expect(r.reason).to.match(/1 of 2 oracles/);
    expect(channel.balanceA).to.equal(before);
  });

  it('the settle and status commands work on a real configuration file', async () => {
    const dry = await runCli(['settle', '--config', providerConfigFile, '--once', '--dry-run']);
    expect(dry.out).to.match(/^\S+ refuse: no trustworthy price: 1 of 2 oracles gave a valid quote/m);
    expect(dry.code).to.equal(0);
    const status = await runCli(['status', '--config', providerConfigFile]);
    expect(status.code).to.equal(0);
    expect(status.out).to.match(/^agreement: provider of 100\.00000000 USD on channel/);
    expect(status.out).to.match(/complete/);
    expect(status.out).to.match(/^unexplained: 0 msat \(acknowledged: 0 msat\)/m);
    const acknowledged = await runCli(['acknowledge', '--config', providerConfigFile, '--msat', '0']);
    expect(acknowledged.code, acknowledged.out).to.equal(0);
    expect(acknowledged.out).to.match(/^acknowledged an unexplained change of 0 msat/);
    const wrong = await runCli(['acknowledge', '--config', providerConfigFile, '--msat', '12.5']);
    expect([wrong.code, wrong.out.trim()]).to.deep.equal([
      1,
      "error: option '--msat <amount>' argument '12.5' is invalid. expected an integer number of msat, e.g. -10000000",
    ]);
  });
  it('the settle daemon serves its metrics when configured, and stops on SIGTERM', async () => {
    const configFile = join(dir, 'provider-metrics.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        ...providerRaw,
        stableUsd: '102.00',
        ledgerFile: join(dir, 'provider-102.sqlite3'),
        intervalMs: 200,
        metrics: { host: '127.0.0.1', port: 0 },
        log: { level: 'info' },
      }),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'settle', '--config', configFile], {
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const url = await eventually(async () => /"url":"(http:[^"]+)"/.exec(out)?.[1], { lastSeen: () => out });
      const text = await eventually(
        async () => {
          const body = await (await fetch(url)).text();
          return /peer_stables_settle_rounds_total\{action="refuse"\} [2-9]/.test(body) ? body : null;
        },
        { lastSeen: () => out },
      );
      expect(text).to.contain('peer_stables_settle_paused');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).to.equal(0);
  });
});
