/**
 * Funding end to end: the real oracle polls the simulator's perpetuals through real ccxt parsing,
 * signs the funding rate and the premium on their own tick, and the real `verify` executable
 * checks what /funding and /premium serve.
 */
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyFile } from '../../src/attest/keys.js';
import type { AttestationJson } from '../../src/attest/types.js';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
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
): Promise<{ sim: Simulator; oracle: RunningOracle; publicKey: string }> {
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
  const oracle = await startOracle(config, { logger: silentLogger, clock });
  return { sim, oracle, publicKey };
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
      expect(info.kinds).to.deep.equal(['index_price', 'funding_rate', 'perp_premium']);
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
});
