/**
 * The DLC oracle inside the real oracle process: events announced ahead with committed nonces,
 * attested from the first signed index at or after maturity, exactly once (across a restart
 * too), and checked by the real `peer-stables verify` executable.
 */
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyFile } from '../../src/attest/keys.js';
import type { OracleConfig } from '../../src/config/schema.js';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import { eventIdFor } from '../../src/dlc/schedule.js';
import type { DlcEventView } from '../../src/dlc/views.js';
import { startOracle, type RunningOracle } from '../../src/oracle/run.js';
import { loadScenario, startSimulator, type Simulator } from '../../src/sim/index.js';
import { simulatedConfig } from '../../src/sim/oracle-config.js';
import { verifyCli } from '../support/cli.js';
import { eventually } from '../support/wait.js';

const HOUR = 3_600_000;
const MATURITY = 494_444 * HOUR; // an hour boundary in 2026

describe('DLC oracle inside the running oracle', function () {
  this.timeout(90_000);
  const clock = new ManualClock(MATURITY - 5_000);
  let sim: Simulator;
  let oracle: RunningOracle | undefined;
  let config: OracleConfig;
  let publicKey: string;
  const eventId = eventIdFor('BTC/USD', 'hourly', MATURITY);

  before(async () => {
    sim = await startSimulator(
      loadScenario(fileURLToPath(new URL('../../config/scenarios/calm.json', import.meta.url))),
      { clock },
    );
    const dir = mkdtempSync(join(tmpdir(), 'ps-dlc-'));
    config = simulatedConfig({
      baseUrlFor: (id) => sim.baseUrlFor(id),
      dir,
      tickIntervalMs: 200,
      pollIntervalMs: 100,
      dlc: true,
      dlcPassMs: 100,
      logLevel: 'silent',
    });
    publicKey = generateKeyFile(config.oracle.keyFile).publicKeyHex;
    generateKeyFile(config.dlc.nonceSecretFile);
    oracle = await startOracle(config, { logger: silentLogger, clock });
  });

  after(async () => {
    await oracle?.close();
    await sim.close();
  });

  it('announces the coming events ahead, with the oracle key, and has not attested them', async () => {
    const pub = (await (await fetch(`${oracle!.url}/dlc/pubkey`)).json()) as {
      publicKey: string;
      signingVersion: string;
    };
    expect(pub).to.deep.equal({ publicKey, signingVersion: 'tagged-v0' });
    const view = await eventually(
      async () => {
        const res = await fetch(`${oracle!.url}/dlc/announcements/${encodeURIComponent(eventId)}`);
        return res.ok ? ((await res.json()) as DlcEventView) : null;
      },
      { ms: 20_000 },
    );
    expect([view.eventId, view.maturityEpoch, view.status]).to.deep.equal([eventId, MATURITY / 1000, 'announced']);
    expect(view.announcement.json.oracleEvent.oracleNonces).to.have.length(20);
    expect((await fetch(`${oracle!.url}/dlc/attestations/${encodeURIComponent(eventId)}`)).status).to.equal(404);
    const verified = await verifyCli(`${oracle!.url}/dlc/announcements/${encodeURIComponent(eventId)}`, publicKey);
    expect(verified.out).to.match(
      /^valid DLC announcement of btcusd-hourly-.* \(signing version tagged-v0, .*\); not attested yet/,
    );
  });

  it('attests at maturity from the first index signed at or after it, and verify accepts it', async () => {
    clock.set(MATURITY);
    const view = await eventually(
      async () => {
        const res = await fetch(`${oracle!.url}/dlc/attestations/${encodeURIComponent(eventId)}`);
        return res.ok ? ((await res.json()) as DlcEventView) : null;
      },
      { ms: 20_000 },
    );
    expect(view.status).to.equal('attested');
    expect(Date.parse(view.attestation!.indexObservedAt)).to.be.at.least(MATURITY);
    expect(view.attestation!.json.outcomes).to.have.length(20);
    const verified = await verifyCli(`${oracle!.url}/dlc/attestations/${encodeURIComponent(eventId)}`, publicKey);
    expect(verified.out).to.match(/attested 970\d\d BTC\/USD \(outcomes [01]{20}\)/);
    expect(verified.code).to.equal(0);
    const forged = await verifyCli(`${oracle!.url}/dlc/attestations/${encodeURIComponent(eventId)}`, '1'.repeat(64));
    expect(forged.code).to.equal(1);
  });

  it('attests an event once, ever: later ticks and a restart serve the same bytes', async () => {
    const read = async () =>
      ((await (await fetch(`${oracle!.url}/dlc/attestations/${encodeURIComponent(eventId)}`)).json()) as DlcEventView)
        .attestation!.hex;
    const first = await read();
    clock.set(MATURITY + 30_000); // the price has moved on
    await new Promise((r) => setTimeout(r, 500));
    expect(await read()).to.equal(first);
    await oracle!.close();
    oracle = await startOracle(config, { logger: silentLogger, clock });
    expect(await read()).to.equal(first);
  });
});
