/**
 * The whole oracle publishing on Nostr, against a real relay on loopback (@nostr-relay/core) and
 * the exchange simulator: the operator lists the relay in the config, and the relay is down at
 * start, comes up, drops the connection, and stops answering. Throughout, the oracle goes on
 * signing (publishing never holds a tick), what it missed is sent once the relay is back, and what
 * reaches the relay is what wallets and clients use: the figures exactly as /price serves them, the
 * profile binding the Nostr key to the oracle key, kind 88 announcements and kind 89 attestations
 * naming them. A settlement client and `peer-stables verify` take a quote from the relay.
 */
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyJson } from '../../src/attest/json.js';
import { generateKeyFile } from '../../src/attest/keys.js';
import type { AttestationJson } from '../../src/attest/types.js';
import { verifyCommand } from '../../src/cli/verify.js';
import { fetchQuotes } from '../../src/client/fetch-quotes.js';
import { selectQuotes } from '../../src/client/quotes.js';
import type { OracleConfig } from '../../src/config/schema.js';
import { ManualClock } from '../../src/core/clock.js';
import { VerifyError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/log.js';
import { eventIdFor } from '../../src/dlc/schedule.js';
import { verifyAttestation } from '../../src/dlc/sign.js';
import { decodeAnnouncement, decodeAttestationRustDlc } from '../../src/dlc/tlv.js';
import { nostrConfigSchema } from '../../src/nostr/config.js';
import { isKeyBinding } from '../../src/nostr/key-binding.js';
import { startOracle, type RunningOracle } from '../../src/oracle/run.js';
import { loadScenario, startSimulator, type Simulator } from '../../src/sim/index.js';
import { simulatedConfig } from '../../src/sim/oracle-config.js';
import { freePort, startRelay, type TestRelay } from '../support/nostr-relay.js';
import { eventually as eventuallyWithin } from '../support/wait.js';

const HOUR = 3_600_000;
/** The oracle ticks on its own timers on a machine shared with other work: waits are generous. */
const WAIT_MS = 40_000;
const eventually = <T>(probe: () => Promise<T | null | undefined>, o: { ms?: number } = {}): Promise<T> =>
  eventuallyWithin(probe, { ms: o.ms ?? WAIT_MS });
const MATURITY = 494_445 * HOUR;
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const fromBase64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

interface NostrInfo {
  publicKey: string;
  keyBinding: string;
  relays: string[];
  kinds: { figures: number; dlcAnnouncement: number; dlcAttestation: number };
}

describe('oracle publishing on a Nostr relay', function () {
  this.timeout(180_000);
  const clock = new ManualClock(MATURITY - 5_000);
  let sim: Simulator;
  let oracle: RunningOracle | undefined;
  let relay: TestRelay | undefined;
  let port: number;
  let url: string;
  let publicKey: string;
  let nostr: NostrInfo;

  const metric = async (name: string, label = ''): Promise<number> => {
    const text = await (await fetch(`${oracle!.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`${name}{`) && l.includes(`relay="${url}"`) && l.includes(label));
    return line === undefined ? 0 : Number(line.split(' ').pop());
  };
  const price = async (): Promise<{ body: string; json: AttestationJson }> => {
    const body = await (await fetch(`${oracle!.url}/price`)).text();
    return { body, json: JSON.parse(body) as AttestationJson };
  };
  const figures = async (kind: string) =>
    relay!.find({ kinds: [30078], authors: [nostr.publicKey], '#d': [`peer-stables:${kind}:BTC/USD`] });

  before(async () => {
    sim = await startSimulator(
      loadScenario(fileURLToPath(new URL('../../config/scenarios/calm.json', import.meta.url))),
      { clock },
    );
    const dir = mkdtempSync(join(tmpdir(), 'ps-nostr-'));
    port = await freePort();
    url = `ws://127.0.0.1:${port}`;
    const base = simulatedConfig({
      baseUrlFor: (id) => sim.baseUrlFor(id),
      dir,
      tickIntervalMs: 200,
      pollIntervalMs: 100,
      dlc: true,
      dlcPassMs: 100,
      logLevel: 'silent',
    });
    const config: OracleConfig = {
      ...base,
      nostr: nostrConfigSchema.parse({
        relays: [url],
        keyFile: join(dir, 'nostr.key'),
        queueSize: 50,
        publishTimeoutMs: 500,
        connectTimeoutMs: 500,
        backoffInitialMs: 50,
        backoffMaxMs: 200,
      }),
    };
    publicKey = generateKeyFile(config.oracle.keyFile).publicKeyHex;
    generateKeyFile(config.dlc.nonceSecretFile);
    generateKeyFile(config.nostr.keyFile);
    oracle = await startOracle(config, { logger: silentLogger, clock });
  });

  after(async () => {
    await oracle?.close();
    await relay?.stop();
    await sim.close();
  });

  it('with the relay down at start, signs on; publishing costs a bounded queue and a metric', async () => {
    await eventually(async () => ((await fetch(`${oracle!.url}/price`)).ok ? true : null), { ms: WAIT_MS });
    await eventually(async () => ((await metric('peer_stables_nostr_connect_failures_total')) >= 2 ? true : null));
    expect(await metric('peer_stables_nostr_relay_connected')).to.equal(0);
    expect(await metric('peer_stables_nostr_queue_depth')).to.be.within(1, 50);
    const info = (await (await fetch(`${oracle!.url}/oracle`)).json()) as { publicKey: string; nostr: NostrInfo };
    nostr = info.nostr;
    expect(info.publicKey).to.equal(publicKey);
    expect(nostr.relays).to.deep.equal([url]);
    expect(nostr.kinds).to.deep.equal({ figures: 30078, dlcAnnouncement: 88, dlcAttestation: 89 });
    expect(nostr.publicKey).to.not.equal(publicKey);
    // /oracle's binding is the oracle key's signature over the Nostr key: checkable by any client.
    expect(isKeyBinding(bytes(publicKey), bytes(nostr.publicKey), bytes(nostr.keyBinding))).to.equal(true);
  });

  it('once the relay is up, sends what it missed: the profile, the figures, the announcements', async () => {
    relay = await startRelay(port);
    const [profile] = await eventually(async () => {
      const found = await relay!.find({ kinds: [0], authors: [nostr.publicKey] });
      return found.length > 0 ? found : null;
    });
    const binding = (JSON.parse(profile!.content) as { peer_stables: { oraclePublicKey: string; keyBinding: string } })
      .peer_stables;
    expect(binding.oraclePublicKey).to.equal(publicKey);
    expect(isKeyBinding(bytes(publicKey), bytes(profile!.pubkey), bytes(binding.keyBinding))).to.equal(true);

    // The figure's content is the very body /price serves (same bytes, so the same oracle signature).
    await eventually(async () => {
      const [event] = await figures('index_price');
      return event !== undefined && event.content === (await price()).body ? true : null;
    });
    const announcements = await eventually(async () => {
      const found = await relay!.find({ kinds: [88], authors: [nostr.publicKey] });
      return found.length > 0 ? found : null;
    });
    const eventIds = announcements.map((e) => decodeAnnouncement(fromBase64(e.content)).event.eventId);
    expect(eventIds).to.include(eventIdFor('BTC/USD', 'hourly', MATURITY));
    expect(await metric('peer_stables_nostr_relay_connected')).to.equal(1);
  });

  it('a settlement client and peer-stables verify take the quote from the relay and verify it', async () => {
    const source = `nostr:${url}#${nostr.publicKey}`;
    const oracles = [{ url: source, publicKey }];
    const fetched = await fetchQuotes(oracles, '/price', { timeoutMs: 5_000 });
    const selection = selectQuotes({
      oracles,
      fetched,
      rules: { kind: 'index_price', pair: 'BTC/USD', maxAgeMs: 60_000, threshold: 1, maxSpreadBps: 50, exponent: -8 },
      now: clock.now(),
      lastSequence: () => null,
    });
    expect(selection.ok, JSON.stringify(selection.checks)).to.equal(true);
    // peer-stables verify's own code, in this process: a child process would load the relay code
    // transpiled apart, which the coverage merge cannot line up (test/nostr/source.test.ts covers the rest).
    const verified = await verifyCommand(source, { pubkey: publicKey }, () => clock.now());
    expect(verified).to.match(/^valid index_price BTC\/USD = 970\d\d\.\d{8} /);
    let forged: unknown;
    try {
      await verifyCommand(source, { pubkey: nostr.publicKey });
    } catch (err) {
      forged = err;
    }
    expect(forged).to.be.instanceOf(VerifyError);
  });

  it('at maturity, publishes the kind 89 attestation, rust-dlc layout, naming its kind 88', async () => {
    clock.set(MATURITY);
    const eventId = eventIdFor('BTC/USD', 'hourly', MATURITY);
    const [attestationEvent] = await eventually(
      async () => {
        const found = await relay!.find({ kinds: [89], authors: [nostr.publicKey] });
        return found.length > 0 ? found : null;
      },
      { ms: WAIT_MS },
    );
    const attestation = decodeAttestationRustDlc(fromBase64(attestationEvent!.content));
    expect(attestation.eventId).to.equal(eventId);
    const eTags = attestationEvent!.tags.filter((t) => t[0] === 'e');
    expect(eTags).to.have.length(1);
    const [announcementEvent] = await relay!.find({ ids: [eTags[0]![1]!] });
    expect(announcementEvent?.kind).to.equal(88);
    const announcement = decodeAnnouncement(fromBase64(announcementEvent!.content));
    expect(announcement.event.eventId).to.equal(eventId);
    expect(verifyAttestation(announcement, attestation, 'tagged-v0')).to.equal(true);
  });

  it('after the relay drops the connection, the newer figures reach it on reconnect', async () => {
    relay!.dropConnections();
    clock.set(MATURITY + 10_000);
    await eventually(async () => {
      const [event] = await figures('index_price');
      return event !== undefined &&
        BigInt(verifyJson(JSON.parse(event.content), publicKey).observedAt) >= BigInt(MATURITY + 10_000)
        ? true
        : null;
    });
  });

  it('a relay that never answers holds no tick: the oracle signs on, and catches up later', async () => {
    relay!.mode = { kind: 'silent' };
    const before = (await figures('index_price'))[0]!;
    clock.set(MATURITY + 20_000);
    // The oracle signs the new price while the relay swallows everything.
    await eventually(async () =>
      BigInt((await price()).json.observedAt ?? 0) >= BigInt(MATURITY + 20_000) ? true : null,
    );
    await eventually(async () =>
      (await metric('peer_stables_nostr_events_total', 'outcome="retried"')) >= 1 ? true : null,
    );
    expect((await figures('index_price'))[0]!.id).to.equal(before.id);
    expect(await metric('peer_stables_nostr_queue_depth')).to.be.at.most(50);
    relay!.mode = { kind: 'accept' };
    await eventually(
      async () => {
        const [event] = await figures('index_price');
        return event !== undefined &&
          BigInt((JSON.parse(event.content) as AttestationJson).observedAt) >= BigInt(MATURITY + 20_000)
          ? true
          : null;
      },
      { ms: WAIT_MS },
    );
  });
});
