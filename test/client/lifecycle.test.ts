/**
 * The agreement follows the channel's life (issue 10): every state Core Lightning and LND name maps
 * to one agreement state; only `active` settles; the ledger keeps every change with its time and
 * where it came from (a round's poll, or Core Lightning's notification to the plugin), and values
 * the close once, on the change that started it.
 */
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '../../src/client/ledger.js';
import { agreementStateOf, hasEnded, settlesIn, type AgreementState } from '../../src/client/lifecycle.js';
import { setup, usd } from './round-setup.js';

const TABLE: [string, AgreementState][] = [
  ['OPENINGD', 'opening'],
  ['CHANNELD_AWAITING_LOCKIN', 'opening'],
  ['DUALOPEND_AWAITING_LOCKIN', 'opening'],
  ['CHANNELD_NORMAL', 'active'],
  ['CHANNELD_AWAITING_SPLICE', 'inactive'],
  ['CHANNELD_SHUTTING_DOWN', 'closing'],
  ['CLOSINGD_SIGEXCHANGE', 'closing'],
  ['CLOSINGD_COMPLETE', 'closing'],
  ['AWAITING_UNILATERAL', 'onchain'],
  ['FUNDING_SPEND_SEEN', 'onchain'],
  ['ONCHAIN', 'onchain'],
  ['CLOSED', 'closed'],
  ['pending_open', 'opening'],
  ['active', 'active'],
  ['inactive', 'inactive'],
  ['waiting_close', 'closing'],
  ['pending_force_close', 'onchain'],
  ['closed', 'closed'],
  ['SOMETHING_NEW', 'unknown'],
  ['toString', 'unknown'],
];

describe('client/lifecycle', () => {
  for (const [nodeState, state] of TABLE)
    it(`maps ${nodeState} to ${state}, which ${settlesIn(state) ? 'settles' : 'never settles'}`, () => {
      expect(agreementStateOf(nodeState)).to.equal(state);
      expect(settlesIn(state)).to.equal(state === 'active');
      expect(hasEnded(state)).to.equal(['closing', 'onchain', 'closed'].includes(state));
    });

  it('keeps every change of state once, with its time and source, and values the close on the change that started it', () => {
    const ledger = Ledger.open(join(mkdtempSync(join(tmpdir(), 'ps-life-')), 'settle.sqlite3'));
    try {
      const at = (t: number, nodeState: string, source: 'poll' | 'notification' = 'poll') =>
        ledger.recordChannelState({ at: t, nodeState, state: agreementStateOf(nodeState), source });
      expect(ledger.lastChannelState()).to.equal(null);
      expect(at(1, 'CHANNELD_AWAITING_LOCKIN')).to.equal(true);
      expect(at(2, 'CHANNELD_NORMAL')).to.equal(true);
      expect(at(3, 'CHANNELD_NORMAL')).to.equal(false); // polled again, unchanged: nothing new
      expect(ledger.closeToValue()).to.equal(null);
      expect(at(4, 'CHANNELD_SHUTTING_DOWN', 'notification')).to.equal(true);
      expect(at(5, 'CLOSINGD_SIGEXCHANGE')).to.equal(true);
      const start = ledger.closeToValue();
      expect(start).to.include({
        at: 4,
        nodeState: 'CHANNELD_SHUTTING_DOWN',
        state: 'closing',
        source: 'notification',
      });
      ledger.valueClose(start!.id, usd('90000'), 123_000n);
      expect(ledger.closeToValue()).to.equal(null); // valued once
      expect(at(6, 'ONCHAIN')).to.equal(true);
      expect(ledger.closeToValue()).to.equal(null);
      expect(ledger.channelStates(10).map((s) => [s.at, s.state, s.closePrice, s.agreedReceiverMsat])).to.deep.equal([
        [6, 'onchain', null, null],
        [5, 'closing', null, null],
        [4, 'closing', usd('90000'), 123_000n],
        [2, 'active', null, null],
        [1, 'opening', null, null],
      ]);
    } finally {
      ledger.close();
    }
  });

  for (const [state, nodeState] of [
    ['opening', 'CHANNELD_AWAITING_LOCKIN'],
    ['onchain', 'ONCHAIN'],
    ['closed', 'CLOSED'],
  ] as const)
    it(`never pays while the channel is ${state}, and records the change`, async () => {
      const w = setup();
      await w.provider.round();
      w.oracles.price = usd('95000');
      w.channel.state = state;
      w.clock.advance(5_000);
      const r = await w.provider.round();
      expect(r.action).to.equal('refuse');
      expect(r.reason).to.include(`(the node says ${nodeState})`);
      expect(w.provider.ledger.payments(10)).to.deep.equal([]);
      expect(w.provider.ledger.lastChannelState()).to.include({ nodeState, source: 'poll' });
    });

  it('settles again once an inactive channel is active again, and values no close for it', async () => {
    const w = setup();
    await w.provider.round();
    w.oracles.price = usd('95000');
    const normal = w.channel.state;
    w.channel.state = 'opening';
    w.clock.advance(5_000);
    expect((await w.provider.round()).action).to.equal('refuse');
    w.channel.state = normal;
    w.clock.advance(5_000);
    expect((await w.provider.round()).action).to.equal('pay');
    expect(w.provider.ledger.closeToValue()).to.equal(null);
    expect(w.provider.ledger.channelStates(10).map((s) => s.state)).to.deep.equal(['active', 'opening', 'active']);
  });

  it('records a close even while a payment is in flight, and pays nothing more', async () => {
    const w = setup();
    await w.provider.round();
    w.oracles.price = usd('95000');
    w.provider.node.nextFault = { kind: 'pending' };
    w.clock.advance(5_000);
    expect(await w.provider.round()).to.include({ action: 'pay' });
    w.channel.state = 'onchain';
    w.clock.advance(5_000);
    expect(await w.provider.round()).to.include({ action: 'wait' });
    expect(w.provider.ledger.lastChannelState()).to.include({ nodeState: 'ONCHAIN', state: 'onchain' });
    expect(w.provider.ledger.channelStates(1)[0]!.closePrice).to.equal(usd('95000'));
    expect(w.provider.ledger.payments(10)).to.have.length(1);
  });
});
