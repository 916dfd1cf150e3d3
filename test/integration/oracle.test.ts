/**
 * The whole oracle, through real ccxt parsing and real HTTP, against the exchange simulator on
 * loopback; what /price serves is checked with the real `peer-stables verify` executable.
 * Simulator and oracle share a manual clock, so the scenario's faults are switched on by moving
 * time, not by waiting.
 */
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyFile } from '../../src/attest/keys.js';
import type { AttestationJson } from '../../src/attest/types.js';
import { ManualClock } from '../../src/core/clock.js';
import { acquireLockFile } from '../../src/core/lock-file.js';
import { silentLogger } from '../../src/core/log.js';
import { startOracle, type RunningOracle } from '../../src/oracle/run.js';
import type { SourcesReport } from '../../src/server/types.js';
import { loadScenario, startSimulator, type Simulator } from '../../src/sim/index.js';
import { simulatedConfig } from '../../src/sim/oracle-config.js';
import { verifyCli } from '../support/cli.js';
import { eventuallyAnswers } from '../support/wait.js';
import type { OracleConfig } from '../../src/config/schema.js';

const scenario = (name: string) =>
  loadScenario(fileURLToPath(new URL(`../../config/scenarios/${name}.json`, import.meta.url)));
const T0 = 1_780_000_000_000;

const verdicts = (report: SourcesReport) =>
  Object.fromEntries(report.markets[0]!.sources.map((s) => [s.source, s.verdict]));

describe('oracle against the exchange simulator', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let oracle: RunningOracle | undefined;
  let config: OracleConfig;
  let publicKey: string;
  const clock = new ManualClock(T0);

  before(async () => {
    sim = await startSimulator(scenario('faults'), { clock });
    const dir = mkdtempSync(join(tmpdir(), 'ps-int-'));
    config = simulatedConfig({
      baseUrlFor: (id) => sim.baseUrlFor(id),
      dir,
      tickIntervalMs: 200,
      pollIntervalMs: 100,
      timeoutMs: 2000,
      logLevel: 'silent',
    });
    publicKey = generateKeyFile(config.oracle.keyFile).publicKeyHex;
  });

  after(async () => {
    await oracle?.close();
    await sim.close();
  });

  it('signs a verifiable index from the healthy venues and says why it left out the others', async () => {
    clock.set(T0 + 15_000); // bitfinex answers 503, bitstamp's ticker is 5 minutes old
    oracle = await startOracle(config, { logger: silentLogger, clock });
    const { body } = await eventuallyAnswers(
      `${oracle.url}/price`,
      (status, b) => status === 200 && (JSON.parse(b) as AttestationJson).sourceCount === 4,
    );
    const attestation = JSON.parse(body) as AttestationJson;
    expect(attestation.publicKey).to.equal(publicKey);
    expect(attestation.kind).to.equal('index_price');
    // Within the honest venues' range, around 97000 USD
    expect(BigInt(attestation.value) > 9_690_000_000_000n && BigInt(attestation.value) < 9_710_000_000_000n).to.equal(
      true,
    );

    const verified = await verifyCli(`${oracle.url}/price`, publicKey);
    expect(verified.out).to.match(/^valid index_price BTC\/USD = 970\d\d\.\d{8} .*4 sources/);
    expect(verified.code).to.equal(0);

    const report = (await (await fetch(`${oracle.url}/sources`)).json()) as SourcesReport;
    expect(verdicts(report)).to.deep.equal({
      'coinbaseexchange:BTC/USD': 'accepted',
      'kraken:BTC/USD': 'accepted',
      'bitstamp:BTC/USD': 'stale',
      'gemini:BTC/USD': 'accepted',
      'bitfinex:BTC/USD': 'error',
      'binance:BTC/USDT': 'accepted',
    });
    const bitstamp = report.markets[0]!.sources.find((s) => s.source === 'bitstamp:BTC/USD')!;
    expect(bitstamp.reason).to.match(/exchange/i);
    const usdt = report.markets.find((m) => m.pair === 'USDT/USD')!;
    expect(usdt.ok).to.equal(true);
    expect(usdt.price).to.not.equal('100000000'); // observed, never assumed to be 1
  });

  it('refuses to sign once too many venues fail, and never serves the old quote as fresh', async () => {
    // Now also gemini absurd and kraken malformed: 2 of 6 left once the poller has caught up
    // (right after the jump every observation is briefly stale, which refuses too).
    clock.set(T0 + 50_000);
    const refused = await eventuallyAnswers(
      `${oracle!.url}/price`,
      (status, b) => status === 503 && b.includes('2 of 6 sources accepted'),
    );
    const error = (
      JSON.parse(refused.body) as { error: { code: string; message: string; lastSignedAgeMs: number | null } }
    ).error;
    expect(error.code).to.equal('no_trustworthy_index');
    expect(error.message).to.match(/2 of 6 sources accepted, quorum is 3/);
    expect(error.lastSignedAgeMs).to.be.at.least(30_000);
    const caughtUp = (b: string) => {
      const now = verdicts(JSON.parse(b) as SourcesReport);
      return now['binance:BTC/USDT'] === 'accepted' && now['gemini:BTC/USD'] === 'implausible';
    };
    const { body: sources } = await eventuallyAnswers(`${oracle!.url}/sources`, (_s, b) => caughtUp(b));
    const report = JSON.parse(sources) as SourcesReport;
    expect(verdicts(report)).to.deep.equal({
      'coinbaseexchange:BTC/USD': 'accepted', // frozen 10 s ago: its only timestamp is a last-trade time
      'kraken:BTC/USD': 'stale', // malformed answers since; its last good price has aged out
      'bitstamp:BTC/USD': 'stale',
      'gemini:BTC/USD': 'implausible',
      'bitfinex:BTC/USD': 'error',
      'binance:BTC/USDT': 'accepted',
    });
    const kraken = report.markets[0]!.sources.find((s) => s.source === 'kraken:BTC/USD')!;
    expect(kraken.reason).to.match(/received 35(\.0)? s ago/);
    const health = await fetch(`${oracle!.url}/health`);
    expect(health.status).to.equal(503);
  });

  it('publishes every rule it applies on /oracle, so an auditor sees the whole method', async () => {
    const info = (await (await fetch(`${oracle!.url}/oracle`)).json()) as {
      config: Record<string, Record<string, unknown>>;
    };
    const published = (section: Record<string, unknown> | undefined) => Object.keys(section ?? {});
    expect(published(info.config['index'])).to.include.members(Object.keys(config.index.rules));
    for (const [quote, market] of Object.entries(config.conversions)) {
      expect(
        published((info.config['conversions'] as Record<string, Record<string, unknown>>)[quote]),
      ).to.include.members(Object.keys(market.rules));
    }
    expect(published(info.config['funding'])).to.include.members(Object.keys(config.funding!.rules));
  });

  it('keeps its sequence increasing across a restart on the same data', async () => {
    const history = (await (await fetch(`${oracle!.url}/history?from=0&limit=1000`)).json()) as {
      attestations: AttestationJson[];
    };
    expect(history.attestations.length).to.be.greaterThan(0);
    const highest = history.attestations.map((a) => BigInt(a.sequence)).reduce((a, b) => (a > b ? a : b));
    await oracle!.close();
    oracle = undefined;
    clock.set(T0 + 15_000); // even with the clock set back, numbers are not reused
    oracle = await startOracle(config, { logger: silentLogger, clock });
    const { body } = await eventuallyAnswers(
      `${oracle.url}/price`,
      (status, b) => status === 200 && BigInt((JSON.parse(b) as AttestationJson).sequence) > highest,
    );
    expect(BigInt((JSON.parse(body) as AttestationJson).sequence) > highest).to.equal(true);
  });

  it('refuses to start on a taken port, and gives its data directory back', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
    const port = (busy.address() as AddressInfo).port;
    const taken = {
      ...config,
      server: { ...config.server, port },
      oracle: { ...config.oracle, dataDir: join(config.oracle.dataDir, 'other') },
    };
    try {
      await startOracle(taken, { logger: silentLogger, clock }).then(
        () => expect.fail('should not start'),
        (err: Error) => expect(err.message).to.match(/^cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE$/),
      );
      acquireLockFile(join(taken.oracle.dataDir, 'oracle.lock'))(); // free: nothing of the failed start holds it
    } finally {
      busy.close();
    }
  });
});
