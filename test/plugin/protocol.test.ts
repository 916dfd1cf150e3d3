/**
 * The pieces under the plugin: the JSON-RPC framing on stdin/stdout (messages lightningd would
 * never send are reported, never fatal), the log bridge to lightningd's `log` notification, and the
 * schedule of rounds (never two at once; a round that throws stops the schedule, not the node).
 */
import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseClientConfig } from '../../src/client/config.js';
import { Ledger } from '../../src/client/ledger.js';
import { ManualClock } from '../../src/core/clock.js';
import type { Logger } from '../../src/core/log.js';
import { HookRecords, answerHtlcAccepted } from '../../src/plugin/htlc-hook.js';
import { statusView } from '../../src/plugin/status-view.js';
import { logParams, nodeLevelOf, pluginLogger } from '../../src/plugin/plugin-log.js';
import { RoundSchedule } from '../../src/plugin/schedule.js';
import { RpcError, serveJsonRpc } from '../../src/plugin/stdio-rpc.js';
import { eventually } from '../support/wait.js';

function served(request: (method: string, params: unknown) => unknown = () => ({})) {
  const input = new PassThrough();
  const output = new PassThrough();
  const problems: string[] = [];
  const notes: string[] = [];
  const written: string[] = [];
  output.setEncoding('utf8');
  output.on('data', (chunk: string) => written.push(chunk));
  const channel = serveJsonRpc(input, output, {
    request,
    notification: (method) => {
      notes.push(method);
      if (method === 'boom') throw new Error('notification handler broke');
    },
    problem: (message, err) => problems.push(`${message}${err instanceof Error ? `: ${err.message}` : ''}`),
  });
  return { input, output, problems, notes, written, channel };
}

describe('plugin protocol: JSON-RPC 2.0 on stdin and stdout', () => {
  it('answers each request once, in the order handlers finish, each followed by a blank line', async () => {
    let release: () => void = () => undefined;
    const s = served((method) =>
      method === 'slow' ? new Promise((resolve) => (release = () => resolve({ slow: true }))) : { fast: true },
    );
    s.input.write('{"jsonrpc":"2.0","id":"a","method":"slow","params":{}}{"jsonrpc":"2.0","id":7,');
    s.input.write('"method":"fast"}\n\n');
    await eventually(async () => (s.written.length === 1 ? true : null));
    release();
    await eventually(async () => (s.written.length === 2 ? true : null));
    expect(s.written).to.deep.equal([
      '{"jsonrpc":"2.0","id":7,"result":{"fast":true}}\n\n',
      '{"jsonrpc":"2.0","id":"a","result":{"slow":true}}\n\n',
    ]);
  });

  it('answers an error with its code, and an unexpected failure as -32603 that it also reports', async () => {
    const s = served((method) => {
      if (method === 'refused') throw new RpcError(-32002, 'not yet');
      throw new TypeError('a bug');
    });
    s.input.write('{"jsonrpc":"2.0","id":1,"method":"refused"}{"jsonrpc":"2.0","id":2,"method":"buggy"}');
    await eventually(async () => (s.written.length === 2 ? true : null));
    expect(s.written.map((w) => JSON.parse(w).error)).to.deep.equal([
      { code: -32002, message: 'not yet' },
      { code: -32603, message: 'a bug' },
    ]);
    expect(s.problems).to.deep.equal(['buggy failed: a bug']);
  });

  it('reports, and survives, messages that are not JSON-RPC 2.0 and a stream that is not JSON objects', async () => {
    const s = served();
    s.input.write('{"id":1,"method":"x"}{"jsonrpc":"2.0","id":2}{"jsonrpc":"2.0","method":"boom"}');
    s.input.write('] garbage {"jsonrpc":"2.0","id":3,"method":"ok"}');
    s.input.write('{"jsonrpc":"2.0","id":4,"method":"ok"}');
    await eventually(async () => (s.written.length === 1 ? true : null));
    expect(JSON.parse(s.written[0]!)).to.deep.equal({ jsonrpc: '2.0', id: 4, result: {} });
    expect(s.notes).to.deep.equal(['boom']);
    expect(s.problems).to.deep.equal([
      'lightningd sent a message that is not a JSON-RPC 2.0 call',
      'lightningd sent a message that is not a JSON-RPC 2.0 call',
      'notification boom failed: notification handler broke',
      'lightningd sent a stream that is not JSON objects: expected a JSON object in the stream',
    ]);
    s.input.write('{"jsonrpc":"2.0", "id": 5, "method": "ok", "params": {"x": }}');
    await eventually(async () => (s.problems.length === 5 ? true : null));
    expect(s.problems[4]).to.equal('lightningd sent a message that is not JSON');
  });

  it('writes nothing once stdout has ended, and settles `ended` when stdin closes', async () => {
    const s = served();
    s.output.end();
    s.channel.notify('log', { level: 'info', message: 'after the end' });
    s.input.end();
    await s.channel.ended;
    expect(s.written).to.deep.equal([]);
  });
});

describe("plugin log: our logger's lines as lightningd's log notifications", () => {
  const levels: [number, string][] = [
    [10, 'debug'],
    [20, 'debug'],
    [30, 'info'],
    [40, 'warn'],
    [50, 'error'],
    [60, 'error'],
  ];
  for (const [pino, node] of levels)
    it(`logs pino level ${pino} as ${node}`, () => expect(nodeLevelOf(pino)).to.equal(node));

  it('puts the message first, the other fields as JSON, and leaves out what lightningd adds itself', () => {
    const line = JSON.stringify({ level: 30, time: 1, pid: 2, hostname: 'h', name: 'n', msg: 'round', action: 'pay' });
    expect(logParams(line)).to.deep.equal({ level: 'info', message: 'round {"action":"pay"}' });
    expect(logParams('{"level":40}')).to.deep.equal({ level: 'warn', message: '' });
  });

  it('sends each line as a log notification, below the level nothing, and key material redacted', () => {
    const sent: [string, Record<string, unknown>][] = [];
    const logger = pluginLogger('info', (method, params) => sent.push([method, { ...params }]));
    logger.debug('hidden');
    logger.error({ err: new Error('boom'), secretKey: 'deadbeef' }, 'failed');
    expect(sent).to.have.length(1);
    expect(sent[0]![0]).to.equal('log');
    expect(sent[0]![1].level).to.equal('error');
    expect(String(sent[0]![1].message)).to.match(/^failed \{"err":\{"type":"Error","message":"boom","stack":/);
    expect(String(sent[0]![1].message)).to.include('"secretKey":"[redacted]"').and.not.include('deadbeef');
  });
});

describe('plugin schedule: rounds inside the node', () => {
  it('never runs two rounds at once: one asked for during another runs after it', async () => {
    const order: string[] = [];
    let n = 0;
    const schedule = new RoundSchedule(
      async () => {
        n += 1;
        const me = n;
        order.push(`start ${me}`);
        await new Promise((r) => setTimeout(r, 20));
        order.push(`end ${me}`);
        return me;
      },
      3_600_000,
      new ManualClock(0),
      () => undefined,
    );
    const [a, b] = await Promise.all([schedule.settleNow(), schedule.settleNow()]);
    expect([a, b]).to.deep.equal([1, 2]);
    expect(order).to.deep.equal(['start 1', 'end 1', 'start 2', 'end 2']);
    schedule.resume(); // not paused: nothing changes
    expect(schedule.state()).to.deep.equal({ paused: false, stoppedBy: null, nextRoundAt: null, running: false });
    await schedule.stop();
  });

  it('stops scheduling when a round throws, says why, and refuses rounds after', async () => {
    const failures: unknown[] = [];
    const schedule = new RoundSchedule(
      () => Promise.reject(new Error('the ledger cannot be written')),
      10,
      new ManualClock(0),
      (err) => failures.push(err),
    );
    schedule.start();
    await eventually(async () => (failures.length === 1 ? true : null));
    expect(schedule.state().stoppedBy).to.equal('the ledger cannot be written');
    await new Promise((r) => setTimeout(r, 50));
    expect(failures).to.have.length(1);
    schedule.resume();
    expect(schedule.state().nextRoundAt).to.equal(null);
    await schedule.stop();
    let refused = '';
    await schedule.settleNow().catch((err: Error) => (refused = err.message));
    expect(refused).to.equal('rounds have stopped: the ledger cannot be written');
  });
});

describe('plugin hook and status: the pieces on their own', () => {
  const keysend = {
    onion: { payload: '00' },
    htlc: { payment_hash: 'cd'.repeat(32) },
  };

  it('keeps no records of an HTLC it forwards (it names the next channel): that payment is not ours', () => {
    const records = new HookRecords();
    expect(records.take({ ...keysend, onion: { payload: '00', short_channel_id: '1x2x3' } })).to.equal(false);
    expect(records.size).to.equal(0);
    // The same HTLC ending here, without custom records: seen, and known to carry none.
    expect(records.take(keysend)).to.equal(false);
    expect(records.recordsOf('cd'.repeat(32))).to.deep.equal({});
  });

  it('answers continue even when logging the failure fails too', () => {
    const broken = {
      warn: () => {
        throw new Error('stdout closed');
      },
    } as unknown as Logger;
    expect(answerHtlcAccepted({ onion: { payload: 'zz' } }, new HookRecords(), broken)).to.deep.equal({
      result: 'continue',
    });
  });

  it('shows the price at close and the receiver position it valued, once valued', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ps-plugin-status-')), 'settle.sqlite3');
    const ledger = Ledger.open(file);
    try {
      ledger.recordChannelState({
        at: 0,
        nodeState: 'CHANNELD_SHUTTING_DOWN',
        state: 'closing',
        source: 'notification',
      });
      const start = ledger.closeToValue();
      ledger.valueClose(start!.id, 9_000_000_000_000n, 111_111_111n);
      const config = parseClientConfig({
        role: 'receiver',
        stableUsd: '100.00',
        channel: { id: '103x1x0', peerId: `02${'ab'.repeat(32)}` },
        oracles: [{ url: 'http://127.0.0.1:1/', publicKey: 'ab'.repeat(32) }],
        threshold: 1,
        ledgerFile: file,
        lightning: { kind: 'cln-plugin' },
      });
      const view = statusView(config, ledger, { paused: false, stoppedBy: null, nextRoundAt: 0, running: false }, 0);
      expect(view.channel).to.deep.equal([
        {
          at: '1970-01-01T00:00:00.000Z',
          state: 'closing',
          node_state: 'CHANNELD_SHUTTING_DOWN',
          source: 'notification',
          close_price: '90000.00000000',
          agreed_receiver_msat: '111111111',
        },
      ]);
      expect(view.rounds).to.deep.include({ next_round_at: '1970-01-01T00:00:00.000Z' });
    } finally {
      ledger.close();
    }
  });
});
