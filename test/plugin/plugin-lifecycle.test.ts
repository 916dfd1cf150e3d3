/**
 * The plugin's life inside the node: settings that cannot work disable it (lightningd goes on
 * without it), methods wait for init, pause and resume govern the scheduled rounds, and shutdown
 * (the notification, or lightningd closing stdin) closes the ledger and ends the process cleanly.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ledger } from '../../src/client/ledger.js';
import { startFakeClnRpc } from '../support/fake-cln.js';
import { eventually } from '../support/wait.js';
import { setup } from '../client/round-setup.js';
import { Lightningd } from './lightningd.js';
import { pluginSettings } from './settings.js';
import { childEnv } from '../support/child-env.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

const settingsFor = (w: ReturnType<typeof setup>, extra: Record<string, unknown> = {}) =>
  pluginSettings(w, 'receiver', extra);

describe('Core Lightning plugin: its life inside the node', () => {
  it('disables itself, saying why, when its settings cannot work; it never stops lightningd', async () => {
    const w = setup();
    const dir = mkdtempSync(join(tmpdir(), 'ps-plugin-config-'));
    const file = join(dir, 'settle.json');
    writeFileSync(file, JSON.stringify(settingsFor(w)));
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'set exactly one of peer-stables-config (a file) and peer-stables-settings (JSON)'],
      [
        { 'peer-stables-config': file, 'peer-stables-settings': '{}' },
        'set exactly one of peer-stables-config (a file) and peer-stables-settings (JSON)',
      ],
      [{ 'peer-stables-settings': '{"role":' }, 'peer-stables-settings is not valid JSON (8 characters)'],
      [{ 'peer-stables-config': join(dir, 'missing.json') }, 'cannot read settlement configuration'],
      [
        { 'peer-stables-settings': JSON.stringify(settingsFor(w, { lightning: { kind: 'cln-rpc', socket: '/x' } })) },
        'lightning.kind is "cln-rpc"; inside Core Lightning it must be "cln-plugin"',
      ],
      [{ 'peer-stables-settings': JSON.stringify({ ...settingsFor(w), threshold: 9 }) }, 'threshold exceeds'],
    ];
    for (const [options, reason] of cases) {
      const cln = Lightningd.inMemory();
      const { result } = (await cln.init(options, '/tmp/nowhere/lightning-rpc')) as { result: { disable: string } };
      expect(result.disable, JSON.stringify(options)).to.include(reason);
      expect(cln.logs('error').some((m) => m.startsWith('peer-stables disabled'))).to.equal(true);
      expect((await cln.call('stable-status')).error?.message).to.include('not running');
      cln.hangUp();
      await cln.plugin.done;
    }
  });

  it('disables itself when init lacks the rpc-file, and when another client holds the ledger', async () => {
    const w = setup();
    const cln = Lightningd.inMemory();
    const bare = (await cln.call('init', { options: {}, configuration: {} })) as { result: { disable: string } };
    expect(bare.result.disable).to.include('configuration.lightning-dir').and.to.include('configuration.rpc-file');
    cln.hangUp();
    const settings = settingsFor(w);
    const holder = Ledger.open(settings.ledgerFile);
    try {
      const second = Lightningd.inMemory();
      const init = await second.init(
        { 'peer-stables-config': '', 'peer-stables-settings': JSON.stringify(settings) },
        '/x/y',
      );
      expect((init.result as { disable: string }).disable).to.include('one settlement client per ledger');
      second.hangUp();
    } finally {
      holder.close();
    }
  });

  it('refuses its methods before init, a second init, and methods it does not have (-32601)', async () => {
    const w = setup();
    const server = await startFakeClnRpc(w.receiver.node);
    const cln = Lightningd.inMemory({ clock: w.clock, fetchQuotes: () => w.oracles.fetch });
    for (const method of ['stable-status', 'stable-settle', 'stable-pause', 'stable-resume'])
      expect((await cln.call(method)).error).to.deep.include({ code: -32002 });
    expect((await cln.call('getinfo')).error).to.deep.equal({
      code: -32601,
      message: 'peer-stables has no method getinfo',
    });
    const file = join(mkdtempSync(join(tmpdir(), 'ps-plugin-config-')), 'settle.json');
    writeFileSync(file, JSON.stringify(settingsFor(w)));
    // rpc-file as an absolute path this time: lightning-dir is then not joined to it.
    const init = await cln.call('init', {
      options: { 'peer-stables-config': file },
      configuration: { 'lightning-dir': '/elsewhere', 'rpc-file': server.socketPath },
    });
    expect(init.result).to.deep.equal({});
    expect((await cln.call('stable-settle')).result).to.have.property('action');
    expect((await cln.init({ 'peer-stables-config': file }, server.socketPath)).error?.message).to.equal(
      'peer-stables is already initialised',
    );
    cln.notify('shutdown', { shutdown: {} });
    await cln.plugin.done;
    await server.close();
  });

  it('runs the first round at once, none while paused, and one again on resume', async () => {
    const w = setup();
    const server = await startFakeClnRpc(w.receiver.node);
    const cln = Lightningd.inMemory({ clock: w.clock, fetchQuotes: () => w.oracles.fetch });
    const settings = settingsFor(w, { intervalMs: 50 });
    await cln.init({ 'peer-stables-settings': JSON.stringify(settings) }, server.socketPath);
    const rounds = async () =>
      ((await cln.call('stable-status')).result as { last_rounds: unknown[]; rounds: { paused: boolean } }).last_rounds
        .length;
    await eventually(async () => ((await rounds()) >= 2 ? true : null));
    expect((await cln.call('stable-pause')).result).to.deep.equal({ paused: true });
    // The round under way when paused finishes; no other starts.
    await eventually(async () =>
      ((await cln.call('stable-status')).result as { rounds: { running: boolean } }).rounds.running ? null : true,
    );
    const paused = await rounds();
    expect(paused).to.be.below(5); // status shows the last 5: room to see the next one
    await new Promise((r) => setTimeout(r, 300));
    expect(await rounds()).to.equal(paused);
    const status = (await cln.call('stable-status')).result as { rounds: { paused: boolean; next_round_at: null } };
    expect(status.rounds).to.deep.include({ paused: true, next_round_at: null });
    // A round asked for while paused still runs: the operator asked for it.
    expect((await cln.call('stable-settle')).result).to.have.property('action');
    expect((await cln.call('stable-resume')).result).to.deep.equal({ paused: false });
    await eventually(async () => ((await rounds()) > paused ? true : null));
    cln.hangUp();
    await cln.plugin.done;
    await server.close();
  });

  it('on shutdown closes its ledger, releasing it for the next client, and finishes', async () => {
    const w = setup();
    const server = await startFakeClnRpc(w.receiver.node);
    // The configured oracles themselves, on a port nothing listens on: the round refuses, the node is fine.
    const cln = Lightningd.inMemory({ clock: w.clock, randomBytes: (n) => new Uint8Array(n).fill(7) });
    const settings = settingsFor(w);
    await cln.init({ 'peer-stables-settings': JSON.stringify(settings) }, server.socketPath);
    const first = (await cln.call('stable-settle')).result as { action: string; reason: string };
    expect(first.action).to.equal('refuse');
    expect(() => Ledger.open(settings.ledgerFile)).to.throw('one settlement client per ledger');
    cln.notify('shutdown', { shutdown: {} });
    await cln.plugin.done;
    expect((await cln.call('stable-settle')).error?.message).to.include('rounds have stopped');
    Ledger.open(settings.ledgerFile).close();
    expect(cln.garbage).to.deep.equal([]);
    await server.close();
  });

  it('runs as lightningd starts it (no arguments, LIGHTNINGD_PLUGIN set) and exits 0 when stdin closes', async function () {
    this.timeout(60_000);
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: childEnv({ LIGHTNINGD_PLUGIN: '1', LIGHTNINGD_VERSION: 'v26.06' }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const cln = new Lightningd(child.stdin, child.stdout);
    const manifest = (await cln.call('getmanifest', {})) as { result: { rpcmethods: { name: string }[] } };
    expect(manifest.result.rpcmethods.map((m) => m.name)).to.include('stable-settle');
    const init = (await cln.init({}, '/tmp/nowhere/lightning-rpc')) as { result: { disable: string } };
    expect(init.result.disable).to.include('set exactly one of');
    cln.hangUp();
    expect(await exited).to.equal(0);
    expect(cln.garbage).to.deep.equal([]);
  });
});
