/**
 * The plugin as lightningd runs it: the harness (./lightningd.ts) plays lightningd's side of the
 * protocol, the plugin reaches a fake Core Lightning v26.06 node through the JSON-RPC socket that
 * init names, and the peer's client runs beside it on the same fake network.
 */
import Database from 'better-sqlite3';
import { expect } from 'chai';
import type { FetchedQuote } from '../../src/client/types.js';
import { HookRecords } from '../../src/plugin/htlc-hook.js';
import { startFakeClnRpc } from '../support/fake-cln.js';
import { eventually } from '../support/wait.js';
import { setup, usd } from '../client/round-setup.js';
import { Lightningd } from './lightningd.js';
import { pluginSettings } from './settings.js';

type Role = 'receiver' | 'provider';

/** The plugin on `role`'s node of a fresh world, initialised; the peer's client is the world's other side. */
async function pluginWorld(role: Role, extra: Record<string, unknown> = {}, records?: HookRecords) {
  const w = setup();
  const node = w[role].node;
  const server = await startFakeClnRpc(node);
  const settings = pluginSettings(w, role, {
    maxQuoteAgeMs: 30_000,
    minPaymentMsat: '1000',
    maxFeeMsat: '5000',
    receiptGraceMs: 60_000,
    ...extra,
  });
  const { ledgerFile } = settings;
  const cln = Lightningd.inMemory({
    clock: w.clock,
    fetchQuotes: () => w.oracles.fetch,
    ...(records ? { records } : {}),
  });
  await cln.call('getmanifest', { 'allow-deprecated-apis': false });
  const init = await cln.init({ 'peer-stables-settings': JSON.stringify(settings) }, server.socketPath);
  expect(init.result).to.deep.equal({});
  const close = async () => {
    cln.notify('shutdown', { shutdown: {} });
    await cln.plugin.done;
    await server.close();
  };
  return { w, cln, server, ledgerFile, close };
}

/** The receipts the plugin's ledger recorded, by payment hash. */
function receipts(ledgerFile: string): Map<string, { matched_by: string; record: string | null }> {
  const db = new Database(ledgerFile, { readonly: true });
  try {
    const rows = db.prepare('SELECT payment_hash, matched_by, record FROM received').all() as {
      payment_hash: string;
      matched_by: string;
      record: string | null;
    }[];
    return new Map(rows.map((r) => [r.payment_hash, r]));
  } finally {
    db.close();
  }
}

const settled = (cln: Lightningd) => cln.call('stable-settle');

describe('Core Lightning plugin: lightningd runs peer-stables', () => {
  let world: Awaited<ReturnType<typeof pluginWorld>> | null = null;
  afterEach(async () => {
    await world?.close();
    world = null;
  });

  it('answers getmanifest with its options, its four methods, its subscriptions and the htlc_accepted hook', async () => {
    const cln = Lightningd.inMemory();
    const { result } = (await cln.call('getmanifest', { 'allow-deprecated-apis': false })) as {
      result: { options: unknown[]; rpcmethods: unknown[]; subscriptions: string[]; hooks: unknown[] };
    };
    expect(result.options.map((o) => (o as { name: string; type: string }).name)).to.deep.equal([
      'peer-stables-config',
      'peer-stables-settings',
    ]);
    for (const o of result.options) expect(o).to.include({ type: 'string' }).and.to.have.property('description');
    const methods = result.rpcmethods as { name: string; usage: string; description: string }[];
    expect(methods.map((m) => m.name)).to.deep.equal([
      'stable-status',
      'stable-settle',
      'stable-pause',
      'stable-resume',
    ]);
    for (const m of methods) expect(m.usage).to.be.a('string') && expect(m.description).to.be.a('string');
    expect(result.subscriptions).to.deep.equal(['channel_state_changed', 'shutdown']);
    expect(result.hooks).to.deep.equal([{ name: 'htlc_accepted' }]);
    expect(result).to.include({ dynamic: true, nonnumericids: true });
    cln.hangUp();
    await cln.plugin.done;
    expect(cln.garbage).to.deep.equal([]);
  });

  it('settles a round on stable-settle: the provider pays what a price fall owes through the node', async () => {
    world = await pluginWorld('provider');
    const { w, cln } = world;
    expect((await settled(cln)).result).to.include({ action: 'none' });
    w.oracles.price = usd('90000');
    w.clock.advance(60_000);
    const { result } = (await settled(cln)) as { result: { action: string; amount_msat: string; price: string } };
    expect(result.action).to.equal('pay');
    expect(result.price).to.equal('90000.00000000');
    // $100 at 90 000 USD/BTC is 111 111 111 msat: the receiver had 100 000 000.
    expect(BigInt(result.amount_msat)).to.equal(11_111_111n);
    expect(w.receiver.node.receipts.map((r) => r.amountMsat)).to.deep.equal([11_111_111n]);
    expect(world.server.cln.calls.map((c) => c.method)).to.include('xkeysend');
    const status = (await cln.call('stable-status')).result as { last_rounds: { action: string }[] };
    expect(status.last_rounds[0]).to.include({ action: 'pay' });
    expect(cln.garbage).to.deep.equal([]);
  });

  it('matches a settlement keysend by the record 65537 the hook read, exactly; one the hook never saw is not', async () => {
    world = await pluginWorld('receiver');
    const { w, cln, server, ledgerFile } = world;
    await settled(cln); // the baseline
    // Two keysends from the peer whose records no invoice description can show (not UTF-8).
    const seen = w.provider.node.pay([w.receiver.node], 5_000_000n, {
      kind: 'keysend',
      customRecords: { '65537': 'ff'.repeat(32) },
    });
    const unseen = w.provider.node.pay([w.receiver.node], 4_000_000n, {
      kind: 'keysend',
      customRecords: { '65537': 'fe'.repeat(32) },
    });
    const hook = await cln.call('htlc_accepted', server.cln.hookParams(w.receiver.node.receipts[0]!));
    expect(hook.result).to.deep.equal({ result: 'continue' });
    w.clock.advance(60_000);
    await settled(cln);
    const got = receipts(ledgerFile);
    expect(got.get(seen.paymentHash)).to.deep.include({ matched_by: 'record', record: 'ff'.repeat(32) });
    expect(got.get(unseen.paymentHash)?.matched_by).to.not.equal('record');
    const status = (await cln.call('stable-status')).result as { keysends_seen_by_hook: number };
    expect(status.keysends_seen_by_hook).to.equal(1);
  });

  it('records the settlement channel changing state from channel_state_changed, and no other channel', async () => {
    world = await pluginWorld('provider');
    const { w, cln } = world;
    await settled(cln); // the poll records CHANNELD_NORMAL
    const change = (id: string, peer: string, state: string) => ({
      channel_state_changed: {
        peer_id: peer,
        channel_id: 'a2'.repeat(32),
        short_channel_id: id,
        timestamp: '2026-12-02T15:00:00.123Z',
        old_state: 'CHANNELD_NORMAL',
        new_state: state,
        cause: 'remote',
        message: 'Peer closes channel',
      },
    });
    cln.notify('channel_state_changed', change('999x9x9', w.receiver.node.id, 'ONCHAIN'));
    cln.notify('channel_state_changed', change(w.channel.shortChannelId, '02'.repeat(33), 'ONCHAIN'));
    cln.notify('channel_state_changed', change(w.channel.shortChannelId, w.receiver.node.id, 'CHANNELD_SHUTTING_DOWN'));
    const states = await eventually(async () => {
      const s = (await cln.call('stable-status')).result as { channel: { node_state: string }[] };
      return s.channel.length === 2 ? s.channel : null;
    });
    expect(states[0]).to.deep.include({
      at: '2026-12-02T15:00:00.123Z',
      state: 'closing',
      node_state: 'CHANNELD_SHUTTING_DOWN',
      source: 'notification',
    });
    expect(states[1]).to.deep.include({ state: 'active', node_state: 'CHANNELD_NORMAL', source: 'poll' });
    expect(cln.logs('info').some((m) => m.startsWith('the channel changed state'))).to.equal(true);
    // No timestamp (or one that does not parse): the plugin's own clock dates the change.
    const { timestamp: _, ...untimed } = change(
      w.channel.shortChannelId,
      w.receiver.node.id,
      'ONCHAIN',
    ).channel_state_changed;
    cln.notify('channel_state_changed', { channel_state_changed: { ...untimed, timestamp: 'yesterday' } });
    const latest = await eventually(async () => {
      const s = (await cln.call('stable-status')).result as { channel: { at: string; state: string }[] };
      return s.channel[0]?.state === 'onchain' ? s.channel[0] : null;
    });
    expect(latest.at).to.equal(new Date(w.clock.now()).toISOString());
    cln.notify('channel_state_changed', { channel_state_changed: { ...untimed, new_state: 'CLOSED' } });
    await eventually(async () => {
      const s = (await cln.call('stable-status')).result as { channel: { at: string; state: string }[] };
      return s.channel[0]?.state === 'closed' ? true : null;
    });
    cln.notify('channel_state_changed', { unexpected: true });
    await eventually(async () =>
      cln.logs('warn').some((m) => m.startsWith('notification channel_state_changed failed')) ? true : null,
    );
  });

  it('answers the hook with continue at once, even when reading the HTLC throws, and logs why', async () => {
    const failing = new (class extends HookRecords {
      override take(): boolean {
        throw new Error('the record store broke');
      }
    })();
    world = await pluginWorld('receiver', {}, failing);
    const { w, cln, server } = world;
    w.provider.node.pay([w.receiver.node], 5_000_000n, {
      kind: 'keysend',
      customRecords: { '65537': 'ff'.repeat(32) },
    });
    const params = server.cln.hookParams(w.receiver.node.receipts[0]!);
    const answers = await Promise.all([
      cln.call('htlc_accepted', params),
      cln.call('htlc_accepted', { onion: { payload: 'zz' }, htlc: {} }),
      cln.call('htlc_accepted', null),
    ]);
    expect(answers).to.deep.equal(answers.map((a) => ({ ...a, result: { result: 'continue' } })));
    expect(answers.every((a) => a.error === undefined)).to.equal(true);
    expect(cln.logs('warn').filter((m) => m.startsWith('htlc_accepted: could not read the HTLC'))).to.have.length(3);
    expect(cln.logs('warn').join()).to.include('the record store broke');
  });

  it('keeps answering hooks, status and pause while a round waits on a slow oracle', async () => {
    let release: (q: FetchedQuote[]) => void = () => undefined;
    const w = setup();
    const server = await startFakeClnRpc(w.receiver.node);
    const cln = Lightningd.inMemory({
      clock: w.clock,
      fetchQuotes: () => () => new Promise<FetchedQuote[]>((resolve) => (release = resolve)),
    });
    const settings = pluginSettings(w);
    await cln.init({ 'peer-stables-settings': JSON.stringify(settings) }, server.socketPath);
    const round = await eventually(async () => {
      const s = (await cln.call('stable-status')).result as { rounds: { running: boolean } };
      return s.rounds.running ? s.rounds : null;
    });
    expect(round.running).to.equal(true);
    w.provider.node.pay([w.receiver.node], 5_000_000n, { kind: 'keysend', customRecords: {} });
    const hook = await cln.call('htlc_accepted', server.cln.hookParams(w.receiver.node.receipts[0]!));
    expect(hook.result).to.deep.equal({ result: 'continue' });
    expect((await cln.call('stable-pause')).result).to.deep.equal({ paused: true });
    release([{ ok: false, error: 'connect ECONNREFUSED' }]);
    cln.notify('shutdown', { shutdown: {} });
    await cln.plugin.done;
    await server.close();
  });
});
