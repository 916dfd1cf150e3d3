/**
 * Start-up is a list of steps, each registering the closer of what it opened: whichever step
 * fails, the oracle throws a clear error and leaves nothing behind (no lock file, no open file of
 * its data directory), so the operator can fix the cause and start again at once; a stopped
 * oracle signs nothing more.
 */
import { expect } from 'chai';
import { mkdtempSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyFile } from '../../src/attest/keys.js';
import type { OracleConfig } from '../../src/config/schema.js';
import { ManualClock } from '../../src/core/clock.js';
import { acquireLockFile } from '../../src/core/lock-file.js';
import { silentLogger } from '../../src/core/log.js';
import { startOracle } from '../../src/oracle/run.js';
import { openStore } from '../../src/store/sqlite.js';
import { loadScenario, startSimulator, type Simulator } from '../../src/sim/index.js';
import { simulatedConfig } from '../../src/sim/oracle-config.js';

const T0 = 1_780_000_000_000;

/** Files of `dir` this process holds open (Linux: /proc/self/fd). */
function openFilesUnder(dir: string): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target.startsWith(dir) ? [target] : [];
    } catch {
      return []; // closed while we looked
    }
  });
}

/** How many attestations the oracle's database holds, read by a connection of our own. */
function storedAttestations(config: OracleConfig): number {
  const store = openStore({ dataDir: config.oracle.dataDir, historyCacheSize: 1 });
  try {
    return store.range({ from: 0, to: Number.MAX_SAFE_INTEGER, limit: 100_000 }).length;
  } finally {
    store.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('oracle start-up', function () {
  this.timeout(60_000);
  const clock = new ManualClock(T0);
  let sim: Simulator;
  let busy: Server;
  let busyPort: number;

  before(async () => {
    sim = await startSimulator(
      loadScenario(fileURLToPath(new URL('../../config/scenarios/calm.json', import.meta.url))),
      { clock },
    );
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
    busyPort = (busy.address() as AddressInfo).port;
  });

  after(async () => {
    busy.close();
    await sim.close();
  });

  function freshConfig(dlc = false): { dir: string; config: OracleConfig } {
    const dir = mkdtempSync(join(tmpdir(), 'ps-startup-'));
    const config = simulatedConfig({
      baseUrlFor: (id) => sim.baseUrlFor(id),
      dir,
      tickIntervalMs: 200,
      pollIntervalMs: 100,
      dlc,
      logLevel: 'silent',
    });
    generateKeyFile(config.oracle.keyFile);
    return { dir, config };
  }

  // Each failure happens at a later step than the one before it.
  const failures: { step: string; breakIt: (c: OracleConfig, dir: string) => OracleConfig; error: RegExp }[] = [
    {
      step: 'opening a client of an exchange ccxt does not know',
      breakIt: (c) => ({
        ...c,
        index: { ...c.index, sources: [...c.index.sources, { exchange: 'nosuchvenue', symbol: 'BTC/USD' }] },
      }),
      error: /unknown exchange "nosuchvenue"/,
    },
    {
      step: 'building pollers on timings they refuse (a configuration that skipped validation)',
      breakIt: (c) => ({ ...c, polling: { ...c.polling, backoffInitialMs: 5_000, backoffMaxMs: 1_000 } }),
      error: /backoffMaxMs must not be below backoffInitialMs/,
    },
    {
      step: 'opening the DLC oracle without its nonce secret',
      breakIt: (c, dir) => ({ ...c, dlc: { ...c.dlc, nonceSecretFile: join(dir, 'missing-nonce.key') } }),
      error: /nonce|missing|not exist/i,
    },
    {
      step: 'listening on a taken port',
      breakIt: (c) => ({ ...c, server: { ...c.server, port: busyPort } }),
      error: /^cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE$/,
    },
  ];

  for (const { step, breakIt, error } of failures) {
    it(`fails at ${step} with a clear error, leaving no lock or open file behind`, async () => {
      const { dir, config } = freshConfig(true);
      generateKeyFile(config.dlc.nonceSecretFile);
      await startOracle(breakIt(config, dir), { logger: silentLogger, clock }).then(
        () => expect.fail('should not start'),
        (err: Error) => expect(err.message).to.match(error),
      );
      acquireLockFile(join(config.oracle.dataDir, 'oracle.lock'))(); // free: nothing of the failed start holds it
      expect(openFilesUnder(dir), 'open files').to.deep.equal([]);

      // Nothing is left to stop the corrected configuration from starting on the same data.
      const oracle = await startOracle(config, { logger: silentLogger, clock });
      await oracle.close();
      expect(openFilesUnder(dir), 'open files after close').to.deep.equal([]);
      acquireLockFile(join(config.oracle.dataDir, 'oracle.lock'))();
    });
  }

  it('closes everything it opened when stopped, stops ticking, and a second close is harmless', async () => {
    const { dir, config } = freshConfig(true);
    generateKeyFile(config.dlc.nonceSecretFile);
    const oracle = await startOracle(config, { logger: silentLogger, clock });
    expect(openFilesUnder(dir).length).to.be.greaterThan(0);
    await oracle.close();
    await oracle.close();
    expect(openFilesUnder(dir)).to.deep.equal([]);
    const signed = storedAttestations(config);
    expect(signed).to.be.greaterThan(0);
    await sleep(5 * config.oracle.tickIntervalMs);
    expect(storedAttestations(config), 'no tick after close').to.equal(signed);
    await fetch(`${oracle.url}/price`).then(
      () => expect.fail('the server should be closed'),
      (err: Error) => expect(err).to.be.instanceOf(TypeError),
    );
  });
});
