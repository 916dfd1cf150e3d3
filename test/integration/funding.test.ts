/**
 * Funding end to end: the real oracle polls the simulator's perpetuals through real ccxt parsing,
 * signs the funding rate and the premium on their own tick, and the real `verify` executable
 * checks what /funding and /premium serve.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyFile } from '../../src/attest/keys.js';
import type { AttestationJson } from '../../src/attest/types.js';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import { recordFundingIndex } from '../../src/cli/funding-index.js';
import { fetchQuotes } from '../../src/client/fetch-quotes.js';
import { anchorPath } from '../../src/client/funding-anchors.js';
import type { OracleConfig } from '../../src/config/schema.js';
import { toJson, verifyJson } from '../../src/attest/json.js';
import { DATABASE_FILE } from '../../src/store/sqlite.js';
import { startOracle, type RunningOracle } from '../../src/oracle/run.js';
import type { MarketReport, SourcesReport } from '../../src/server/types.js';
import { loadScenario, startSimulator, type Simulator } from '../../src/sim/index.js';
import { simulatedConfig } from '../../src/sim/oracle-config.js';
import { verifyCli } from '../support/cli.js';
import { eventuallyAnswers } from '../support/wait.js';

const T0 = 1_780_000_000_000;

async function runOracleOn(
  scenarioName: string,
  at: number,
  newFundingIndex = false,
): Promise<{ sim: Simulator; oracle: RunningOracle; publicKey: string; config: OracleConfig; clock: ManualClock }> {
  const clock = new ManualClock(T0);
  const sim = await startSimulator(
    loadScenario(fileURLToPath(new URL(`../../config/scenarios/${scenarioName}.json`, import.meta.url))),
    { clock },
  );
  clock.set(at);
  const dir = mkdtempSync(join(tmpdir(), 'ps-funding-'));
  const config = simulatedConfig({
    baseUrlFor: (id) => sim.baseUrlFor(id),
    dir,
    tickIntervalMs: 200,
    pollIntervalMs: 100,
    fundingTickIntervalMs: 300,
    fundingPollIntervalMs: 100,
    timeoutMs: 2000,
    logLevel: 'silent',
  });
  const publicKey = generateKeyFile(config.oracle.keyFile).publicKeyHex;
  const oracle = await startOracle(config, { logger: silentLogger, clock, newFundingIndex });
  return { sim, oracle, publicKey, config, clock };
}

const fundingMarket = (report: SourcesReport, kind: MarketReport['kind']) =>
  report.markets.find((m) => m.kind === kind)!;

describe('funding against the exchange simulator', function () {
  this.timeout(60_000);

  describe('calm markets', () => {
    let run: Awaited<ReturnType<typeof runOracleOn>>;
    before(async () => {
      run = await runOracleOn('calm', T0);
    });
    after(async () => {
      await run.oracle.close();
      await run.sim.close();
    });

    it('signs the median rate per 8 h of five perpetuals, 1 h and 8 h venues alike', async () => {
      const { body } = await eventuallyAnswers(
        `${run.oracle.url}/funding`,
        (status, b) => status === 200 && (JSON.parse(b) as AttestationJson).sourceCount === 5,
      );
      const rate = JSON.parse(body) as AttestationJson;
      // 0.0001, 0.0001, 0.00009, 0.00011 per 8 h and Kraken's 0.0000125 per hour (= 0.0001 per 8 h)
      expect([rate.kind, rate.value, rate.exponent]).to.deep.equal(['funding_rate', '1000000', -10]);
      const verified = await verifyCli(`${run.oracle.url}/funding`, run.publicKey);
      expect(verified.out).to.match(/^valid funding_rate BTC\/USD = 0\.0001000000 .*5 sources/);
      expect(verified.code).to.equal(0);
    });

    it('signs the perpetuals premium over its own index', async () => {
      const { body } = await eventuallyAnswers(`${run.oracle.url}/premium`, (status) => status === 200);
      const premium = JSON.parse(body) as AttestationJson;
      expect(premium.kind).to.equal('perp_premium');
      expect(premium.sourceCount).to.be.at.least(2);
      expect(Math.abs(Number(premium.value))).to.be.below(10_000_000); // under 0.1 % in a calm market
      expect((await verifyCli(`${run.oracle.url}/premium`, run.publicKey)).code).to.equal(0);
    });

    it('lists funding verdicts in /sources and funding kinds in /oracle', async () => {
      const report = (await (await fetch(`${run.oracle.url}/sources`)).json()) as SourcesReport;
      const funding = fundingMarket(report, 'funding_rate');
      expect(funding.sources.map((s) => [s.source, s.verdict])).to.deep.equal([
        ['binance:BTC/USDT:USDT', 'accepted'],
        ['bybit:BTC/USDT:USDT', 'accepted'],
        ['okx:BTC/USDT:USDT', 'accepted'],
        ['deribit:BTC/USD:BTC', 'accepted'],
        ['krakenfutures:BTC/USD:USD', 'accepted'],
      ]);
      const info = (await (await fetch(`${run.oracle.url}/oracle`)).json()) as {
        kinds: string[];
        config: { funding: { periodMs: number } };
      };
      expect(info.kinds).to.deep.equal(['index_price', 'funding_rate', 'perp_premium', 'funding_index']);
      expect(info.config.funding.periodMs).to.equal(8 * 3_600_000);
    });
  });

  describe('faulty venues', () => {
    let run: Awaited<ReturnType<typeof runOracleOn>>;
    before(async () => {
      run = await runOracleOn('faults', T0 + 25_000); // bybit down, okx absurd, binance's perpetual stale
    });
    after(async () => {
      await run.oracle.close();
      await run.sim.close();
    });

    it('refuses the rate below quorum and says which venue failed how', async () => {
      const { body } = await eventuallyAnswers(
        `${run.oracle.url}/funding`,
        (status, b) => status === 503 && b.includes('quorum'),
      );
      expect((JSON.parse(body) as { error: { code: string } }).error.code).to.equal('no_trustworthy_funding');
      const sources = await eventuallyAnswers(
        `${run.oracle.url}/sources`,
        (_s, b) =>
          fundingMarket(JSON.parse(b) as SourcesReport, 'funding_rate')?.sources.some(
            (s) => s.verdict === 'implausible',
          ) ?? false,
      );
      const report = JSON.parse(sources.body) as SourcesReport;
      const verdicts = Object.fromEntries(
        fundingMarket(report, 'funding_rate').sources.map((s) => [s.source, s.verdict]),
      );
      expect(verdicts).to.deep.equal({
        'binance:BTC/USDT:USDT': 'stale',
        'bybit:BTC/USDT:USDT': 'error',
        'okx:BTC/USDT:USDT': 'implausible',
        'deribit:BTC/USD:BTC': 'accepted',
        'krakenfutures:BTC/USD:USD': 'accepted',
      });
      expect((await fetch(`${run.oracle.url}/premium`)).status).to.equal(503);
    });
  });

  describe('the funding index across a restart and a lost database (docs/METHODOLOGY.md 8.8)', () => {
    let run: Awaited<ReturnType<typeof runOracleOn>>;
    const restart = async () => {
      await run.oracle.close();
      run.oracle = await startOracle(run.config, { logger: silentLogger, clock: run.clock });
    };
    const served = async (after: bigint) => {
      const { body } = await eventuallyAnswers(
        `${run.oracle.url}/funding-index`,
        (status, b) => status === 200 && BigInt((JSON.parse(b) as AttestationJson).observedAt) > after,
      );
      return verifyJson(JSON.parse(body), run.publicKey);
    };
    /** Each step of the history is the rate signed with it, over min(elapsed, three ticks) / 8 h, floored. */
    const checkSteps = async () => {
      const page = async (kind: string) =>
        (
          (await (await fetch(`${run.oracle.url}/history?kind=${kind}&from=0&limit=1000`)).json()) as {
            attestations: AttestationJson[];
          }
        ).attestations.map((a) => verifyJson(a, run.publicKey));
      const [index, rates] = [await page('funding_index'), await page('funding_rate')];
      const maxStepMs = 3n * BigInt(run.config.funding!.tickIntervalMs);
      for (let i = 1; i < index.length; i += 1) {
        const [prev, next] = [index[i - 1]!, index[i]!];
        const rate = rates.find((r) => r.observedAt === next.observedAt)!;
        const elapsed = next.observedAt - prev.observedAt;
        const exact = prev.value * 72n + rate.value * (elapsed < maxStepMs ? elapsed : maxStepMs) * 25n;
        expect(Number(next.value * 72n - exact), `step ${i}`).to.be.within(-71, 71);
      }
      return index;
    };
    before(async () => {
      run = await runOracleOn('calm', T0, true);
    });
    after(async () => {
      await run.oracle.close();
      await run.sim.close();
    });

    it('starts at 0 for a new key, continues after a restart, and every step follows the rule', async () => {
      const epoch = await served(0n);
      expect([epoch.kind, epoch.value, epoch.exponent]).to.deep.equal(['funding_index', 0n, -17]);
      run.clock.advance(60_000);
      const minute = await served(epoch.observedAt);
      expect(minute.value > 0n).to.equal(true);
      await restart();
      run.clock.advance(60_000);
      const after = await served(minute.observedAt);
      expect(after.value > minute.value).to.equal(true);
      expect((await checkSteps())[0]!.value).to.equal(0n);
      // What a settlement client asks for its anchor: the first index at or after its start.
      const oracle = [{ url: run.oracle.url, publicKey: run.publicKey }];
      const [page] = await fetchQuotes(oracle, anchorPath(Number(minute.observedAt)), { timeoutMs: 5_000 });
      const first = (page as { ok: true; body: { attestations: AttestationJson[] } }).body.attestations;
      expect(first.map((a) => [a.kind, a.observedAt, a.value])).to.deep.equal([
        ['funding_index', String(minute.observedAt), String(minute.value)],
      ]);
    });

    it('after the database is lost, refuses the index until the operator restores it, then continues it', async () => {
      const last = await served(0n);
      await run.oracle.close();
      for (const suffix of ['', '-wal', '-shm'])
        rmSync(join(run.config.oracle.dataDir, DATABASE_FILE + suffix), { force: true });
      run.oracle = await startOracle(run.config, { logger: silentLogger, clock: run.clock });
      const refused = await eventuallyAnswers(`${run.oracle.url}/funding-index`, (status) => status === 503);
      expect(JSON.parse(refused.body)).to.have.nested.property('error.code', 'no_funding_index');
      expect(refused.body).to.include('no funding index to continue');
      expect((await fetch(`${run.oracle.url}/funding`)).status).to.equal(200); // the rate is still signed
      await run.oracle.close();
      const file = join(run.config.oracle.dataDir, 'last-index.json');
      writeFileSync(file, JSON.stringify(toJson(last)));
      expect(await recordFundingIndex(run.config, file)).to.match(/^the funding index for BTC\/USD continues from /);
      run.oracle = await startOracle(run.config, { logger: silentLogger, clock: run.clock });
      run.clock.advance(60_000);
      const next = await served(last.observedAt);
      expect(next.value > last.value).to.equal(true);
    });
  });
});
