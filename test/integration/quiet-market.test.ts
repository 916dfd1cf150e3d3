/**
 * A quiet market is not a stale one. Coinbase's ticker `time` and Kraken Futures' `lastTime` are
 * last-trade times: when nobody trades they age while the book stays current (a recorded Kraken
 * Futures answer had lastTime 104 s behind the server's clock). The whole oracle, through real
 * ccxt parsing, against the calm scenario with those venues' last trades minutes old.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyFile } from '../../src/attest/keys.js';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import { startOracle, type RunningOracle } from '../../src/oracle/run.js';
import type { SourcesReport } from '../../src/server/types.js';
import { parseScenario, startSimulator, type Simulator } from '../../src/sim/index.js';
import { simulatedConfig } from '../../src/sim/oracle-config.js';
import { eventually } from '../support/wait.js';

const T0 = 1_780_000_000_000;
const COINBASE_LAST_TRADE_AGE_MS = 180_000; // three minutes: beyond the index's 60 s and USDT's 120 s
const KRAKEN_FUTURES_LAST_TRADE_AGE_MS = 900_000; // a quiet quarter hour: beyond funding's 600 s

/** config/scenarios/calm.json with Coinbase's and Kraken Futures' last trades long ago. */
function quietScenario(): ReturnType<typeof parseScenario> {
  type Raw = { exchanges: Record<string, { markets: Record<string, Record<string, unknown>> }> };
  const raw = JSON.parse(readFileSync('config/scenarios/calm.json', 'utf8')) as Raw;
  for (const market of Object.values(raw.exchanges['coinbaseexchange']!.markets)) {
    market['lastTradeAgeMs'] = COINBASE_LAST_TRADE_AGE_MS;
  }
  raw.exchanges['krakenfutures']!.markets['BTC/USD:USD']!['lastTradeAgeMs'] = KRAKEN_FUTURES_LAST_TRADE_AGE_MS;
  return parseScenario(raw);
}

describe('a quiet but live market', function () {
  this.timeout(60_000);
  const clock = new ManualClock(T0);
  let sim: Simulator;
  let oracle: RunningOracle;
  let report: SourcesReport;

  before(async () => {
    sim = await startSimulator(quietScenario(), { clock });
    clock.set(T0 + 5_000);
    const dir = mkdtempSync(join(tmpdir(), 'ps-quiet-'));
    const config = simulatedConfig({
      baseUrlFor: (id) => sim.baseUrlFor(id),
      dir,
      tickIntervalMs: 200,
      pollIntervalMs: 100,
      fundingTickIntervalMs: 300,
      fundingPollIntervalMs: 100,
      timeoutMs: 2_000,
      logLevel: 'silent',
    });
    generateKeyFile(config.oracle.keyFile);
    oracle = await startOracle(config, { logger: silentLogger, clock });
    report = await eventually(async () => {
      const answer = (await (await fetch(`${oracle.url}/sources`)).json()) as SourcesReport;
      // Marks judged for the premium can be an error (OKX and Deribit give none); every fetch cannot.
      const fetched = answer.markets.filter((m) => m.kind !== 'perp_premium');
      return fetched.every((m) => m.sources.every((s) => s.verdict !== 'error')) ? answer : null;
    });
  });
  after(async () => {
    await oracle?.close();
    await sim?.close();
  });

  const verdictOf = (pairOrKind: string, source: string) => {
    const market = report.markets.find((m) => m.pair === pairOrKind || m.kind === pairOrKind);
    return market?.sources.find((s) => s.source === source);
  };

  const quiet: [string, string][] = [
    ['BTC/USD', 'coinbaseexchange:BTC/USD'],
    ['USDT/USD', 'coinbaseexchange:USDT/USD'],
    ['funding_rate', 'krakenfutures:BTC/USD:USD'],
  ];
  for (const [market, source] of quiet) {
    it(`never calls ${source} stale only because its last trade is minutes old`, () => {
      const verdict = verdictOf(market, source);
      expect(verdict?.verdict, verdict?.reason).to.equal('accepted');
      expect(verdict?.exchangeTs).to.equal(null); // a last-trade time is not offered as the quote's time
    });
  }

  it('still judges venues whose timestamp is a quote time by it', () => {
    expect(verdictOf('BTC/USD', 'bitstamp:BTC/USD')?.exchangeTs).to.be.a('number');
    expect(verdictOf('funding_rate', 'bybit:BTC/USDT:USDT')?.exchangeTs).to.be.a('number');
  });
});
