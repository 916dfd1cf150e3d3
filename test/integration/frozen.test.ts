/**
 * A frozen venue end to end: the simulator pins Kraken's BTC/USD ticker (which carries no
 * timestamp, so no age limit can see it) while the market drifts up 0.5 % in two minutes, well
 * inside the 1 % deviation band. The real oracle, through real ccxt parsing, must call Kraken
 * `frozen` once its answer has stood still for longer than frozenAfterMs while the median moved
 * beyond frozenMoveBps, and go on signing from the other five venues. Simulator and oracle share
 * a manual clock, so time moves only when the test says so.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyFile } from '../../src/attest/keys.js';
import type { AttestationJson } from '../../src/attest/types.js';
import { ManualClock } from '../../src/core/clock.js';
import { PRICE_EXPONENT, formatDecimal, parseDecimal } from '../../src/core/fixed.js';
import { silentLogger } from '../../src/core/log.js';
import { startOracle, type RunningOracle } from '../../src/oracle/run.js';
import type { SourceReport, SourcesReport } from '../../src/server/types.js';
import { parseScenario, startSimulator, type Simulator } from '../../src/sim/index.js';
import { simulatedConfig } from '../../src/sim/oracle-config.js';
import { eventually } from '../support/wait.js';

const T0 = 1_780_000_000_000;
const SPOT = new Set(['BTC/USD', 'BTC/USDT']);

interface RawMarket {
  path: { atMs: number; price: string }[];
  faults?: unknown[];
}

/** The calm scenario with every BTC spot market drifting up 0.5 % over 120 s, and Kraken's frozen from 10 s. */
function driftingWithKrakenFrozen(): unknown {
  const file = fileURLToPath(new URL('../../config/scenarios/calm.json', import.meta.url));
  const raw = JSON.parse(readFileSync(file, 'utf8')) as {
    exchanges: Record<string, { markets: Record<string, RawMarket> }>;
  };
  for (const [exchange, { markets }] of Object.entries(raw.exchanges)) {
    for (const [symbol, market] of Object.entries(markets)) {
      if (!SPOT.has(symbol)) continue;
      const start = parseDecimal((market.path[0] as { price: string }).price, PRICE_EXPONENT);
      market.path = [
        { atMs: 0, price: formatDecimal(start, PRICE_EXPONENT) },
        { atMs: 120_000, price: formatDecimal((start * 1005n) / 1000n, PRICE_EXPONENT) },
      ];
      if (exchange === 'kraken') market.faults = [{ kind: 'frozen', fromMs: 10_000 }];
    }
  }
  return raw;
}

async function sources(url: string): Promise<SourcesReport> {
  return (await (await fetch(`${url}/sources`)).json()) as SourcesReport;
}

/** Polls /sources until the index market satisfies `accept`; returns its verdicts. */
function indexVerdicts(url: string, accept: (index: readonly SourceReport[]) => boolean): Promise<SourceReport[]> {
  let last: SourceReport[] = [];
  return eventually(
    async () => {
      last = (await sources(url)).markets[0]?.sources ?? [];
      return accept(last) ? last : null;
    },
    { lastSeen: () => `index verdicts ${JSON.stringify(last.map((s) => [s.source, s.verdict, s.reason]))}` },
  );
}

const verdictOf = (index: readonly SourceReport[], source: string) => index.find((s) => s.source === source)?.verdict;
const allFresh = (index: readonly SourceReport[]) =>
  index.length === 6 && index.every((s) => s.verdict === 'accepted' || s.verdict === 'frozen');

describe('a frozen venue against the exchange simulator', function () {
  this.timeout(60_000);
  const clock = new ManualClock(T0);
  let sim: Simulator;
  let oracle: RunningOracle;

  before(async () => {
    sim = await startSimulator(parseScenario(driftingWithKrakenFrozen()), { clock });
    const dir = mkdtempSync(join(tmpdir(), 'ps-frozen-'));
    const config = simulatedConfig({
      baseUrlFor: (id) => sim.baseUrlFor(id),
      dir,
      tickIntervalMs: 200,
      pollIntervalMs: 100,
      timeoutMs: 2000,
      logLevel: 'silent',
    });
    generateKeyFile(config.oracle.keyFile);
    clock.set(T0 + 10_000); // Kraken's answer stops here
    oracle = await startOracle(config, { logger: silentLogger, clock });
  });

  after(async () => {
    await oracle.close();
    await sim.close();
  });

  it('accepts the venue while its answer has stood still for less than frozenAfterMs', async () => {
    await indexVerdicts(oracle.url, (index) => allFresh(index) && verdictOf(index, 'kraken:BTC/USD') === 'accepted');
    clock.set(T0 + 40_000); // 30 s still, the median up 0.125 %
    const index = await indexVerdicts(
      oracle.url,
      (i) => allFresh(i) && i.every((s) => (s.receivedAt ?? 0) >= T0 + 40_000),
    );
    expect(verdictOf(index, 'kraken:BTC/USD')).to.equal('accepted');
  });

  it('calls it frozen once it stood still for longer while the median moved beyond the limit, and signs without it', async () => {
    clock.set(T0 + 75_000); // 65 s still, the median up about 0.27 %, Kraken within 0.3 % of it
    const index = await indexVerdicts(oracle.url, (i) => allFresh(i) && verdictOf(i, 'kraken:BTC/USD') === 'frozen');
    const kraken = index.find((s) => s.source === 'kraken:BTC/USD') as SourceReport;
    expect(kraken.reason).to.match(
      /^value unchanged for 65(\.\d)? s \(limit 60 s\) while the preliminary median moved 0\.2\d% \(limit 0\.20%\), from 970\d\d\.\d\d on the tick 65 s ago to 973\d\d\.\d\d$/,
    );
    expect(index.filter((s) => s.verdict === 'accepted')).to.have.length(5);
    const price = (await (await fetch(`${oracle.url}/price`)).json()) as AttestationJson;
    expect(price.sourceCount).to.equal(5);
    const metrics = await (await fetch(`${oracle.url}/metrics`)).text();
    expect(metrics).to.contain(
      'peer_stables_source_verdict{kind="index_price",source="kraken:BTC/USD",verdict="frozen"} 1',
    );
  });
});
