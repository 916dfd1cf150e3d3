/** `peer-stables status`: the accounting, the pause, and outages, as an operator reads them. */
import { expect } from 'chai';
import type { RoundRecord } from '../../src/client/ledger-types.js';
import { findOutages, statusText } from '../../src/cli/status.js';
import { KEYS, T0, overriding, setup, usd } from '../client/round-setup.js';

const round = (at: number, action: RoundRecord['action'], reason: string = action): RoundRecord => ({
  at,
  action,
  amountMsat: 0n,
  price: null,
  receiverBalanceMsat: null,
  agreedReceiverMsat: null,
  unexplainedMsat: null,
  paused: false,
  commitment: null,
  reason,
  quotes: [],
  channel: null,
});

describe('cli/status', () => {
  it('finds runs of failed rounds, newest first, and whether one is still going on', () => {
    // Newest first, as the ledger returns them.
    const rounds = [
      round(9, 'error', 'e9'),
      round(8, 'error', 'e8'),
      round(7, 'none'),
      round(6, 'error', 'e6'),
      round(5, 'pay'),
    ];
    expect(findOutages(rounds)).to.deep.equal([
      { from: 8, to: 9, rounds: 2, reason: 'e9', ongoing: true },
      { from: 6, to: 6, rounds: 1, reason: 'e6', ongoing: false },
    ]);
    expect(findOutages([round(2, 'none'), round(1, 'error')])).to.deep.equal([
      { from: 1, to: 1, rounds: 1, reason: 'error', ongoing: false },
    ]);
    expect(findOutages([])).to.deep.equal([]);
  });

  it('shows a node outage while it lasts, and after it ended', async () => {
    const w = setup();
    await w.provider.round();
    w.provider.backend = overriding(w.provider.fake, {
      getChannel: async () => {
        throw new Error('connect ECONNREFUSED /run/lightning-rpc');
      },
    });
    for (let i = 0; i < 13; i += 1) {
      w.clock.advance(2_000);
      await w.provider.round();
    }
    expect(statusText(w.provider.configFile)).to.match(
      /^OUTAGE: 13 round\(s\) failed since \S+, none succeeded since: reading the channel's state failed: connect ECONNREF/m,
    );
    w.provider.backend = w.provider.fake;
    w.clock.advance(2_000);
    await w.provider.round();
    expect(statusText(w.provider.configFile)).to.match(
      /^outage: 13 round\(s\) failed from \S+ to \S+: reading the channel's state/m,
    );
  });

  it("never shows an oracle URL's user and password, in the agreement or in a failed round's reason", async () => {
    const oracles = KEYS.map((publicKey, i) => ({ url: `http://settle:hunter2@127.0.0.1:1/${i}`, publicKey }));
    const s = setup({ extra: { oracles } });
    await s.provider.round();
    for (const i of [0, 1, 2]) s.oracles.down.add(i);
    s.clock.advance(2_000);
    await s.provider.round();
    const text = statusText(s.provider.configFile);
    expect(text).to.contain('http://127.0.0.1:1/0');
    expect(text).to.match(/ refuse .*\(http:\/\/127\.0\.0\.1:1\/0: no quote/);
    for (const secret of ['hunter2', 'settle:']) expect(text, secret).not.to.contain(secret);
  });

  it('shows the baseline, both balances, the unexplained amount and that payment is paused', async () => {
    const w = setup();
    expect(statusText(w.provider.configFile)).to.match(/^accounting: no baseline yet/m);
    await w.provider.round();
    w.channel.balanceA -= 10_000_000n;
    w.channel.balanceB += 10_000_000n;
    w.receiver.node.keysend({
      destination: w.provider.node.id,
      amountMsat: 2_000n,
      maxFeeMsat: 0n,
      preimage: '77'.repeat(32),
      customRecords: {},
      label: 'not a settlement',
    });
    w.clock.advance(2_000);
    await w.provider.round();
    const text = statusText(w.provider.configFile);
    expect(text).to.match(
      /^baseline: receiver 100000000 msat at \S+; settlements since: 0 msat paid, 0 msat received$/m,
    );
    expect(text).to.match(/^receiver balance: 100000000 msat as the agreement explains it, 89998000 msat as the node/m);
    expect(text).to.match(/^unexplained: -10002000 msat \(acknowledged: 0 msat\)/m);
    expect(text).to.match(/^PAUSED: automatic payment waits until you check the channel/m);
    expect(text).to.match(/^keysends received that are not settlements: 1, 2000 msat in all$/m);
    expect(text).to.match(/unexplained -10002000 msat/);
  });

  it("shows the channel's state, every change with its time, and what the close left each side at the price at close", async () => {
    const w = setup();
    expect(statusText(w.receiver.configFile)).to.match(/^channel state: not seen yet/m);
    await w.receiver.round(); // the baseline: $100 is 100 000 000 msat at 100 000 USD/BTC
    w.oracles.price = usd('125000');
    w.channel.state = 'closing';
    w.clock.advance(5_000);
    const r = await w.receiver.round();
    expect(r.action).to.equal('refuse');
    const text = statusText(w.receiver.configFile);
    expect(text).to.match(
      /^channel state: closing \(CHANNELD_SHUTTING_DOWN\): the channel is closing: the stable pos/m,
    );
    // 100 000 000 msat at 125 000 USD/BTC is $125: the receiver kept $25 the rally owed the provider.
    expect(text).to.include(
      "at close: the receiver's last settled balance 100000000 msat was worth 125.00000000 USD at " +
        '125000.00000000 USD/BTC, against 100.00000000 USD agreed: the receiver gained 25.00000000 USD ' +
        'and the provider lost as much',
    );
    const history = text.split('\n').filter((l) => /^  \S+Z (active|closing) /.test(l));
    expect(history).to.deep.equal([
      `  ${new Date(T0 + 5_000).toISOString()} closing  CHANNELD_SHUTTING_DOWN (poll)`,
      `  ${new Date(T0).toISOString()} active   CHANNELD_NORMAL (poll)`,
    ]);
  });

  it("shows the node's payment hash and proof of payment, never only the hash of the client's own preimage", async () => {
    const w = setup();
    await w.provider.round();
    w.oracles.price = usd('99000');
    w.clock.advance(5_000);
    const r = await w.provider.round();
    expect(r.action).to.equal('pay');
    const [paid] = w.provider.ledger.payments(1);
    expect(paid!.nodePreimage).to.match(/^[0-9a-f]{64}$/);
    expect(statusText(w.provider.configFile)).to.include(
      `hash ${paid!.nodePaymentHash}  preimage ${paid!.nodePreimage}`,
    );
  });
});
