/**
 * The agreement's status as data (src/client/status-report.ts), what `status --json` prints and the
 * agreement dashboard shows: the position and the provider's leverage from the last measured round,
 * every oracle's quote with why it was left out, changes of the unexplained amount, and nothing
 * secret (no credential in an oracle URL, no path to the node's socket or to the ledger).
 */
import { expect } from 'chai';
import type { RoundRecord } from '../../src/client/ledger-types.js';
import { agreementStatus, unexplainedChanges } from '../../src/client/status-report.js';
import { KEYS, setup, usd } from './round-setup.js';

const measured = (at: number, unexplainedMsat: bigint | null): RoundRecord => ({
  at,
  action: 'none',
  amountMsat: 0n,
  price: null,
  receiverBalanceMsat: null,
  agreedReceiverMsat: null,
  unexplainedMsat,
  paused: false,
  commitment: null,
  reason: 'nothing is owed',
  quotes: [],
  channel: null,
});

describe('client/status-report', () => {
  it('lists each change of the unexplained amount once, newest first, skipping rounds that did not measure it', () => {
    // Newest first, as the ledger returns them.
    const rounds = [
      measured(6, 5n),
      measured(5, null),
      measured(4, 5n),
      measured(3, 2n),
      measured(2, 0n),
      measured(1, 0n),
    ];
    expect(unexplainedChanges(rounds)).to.deep.equal([
      { at: 4, fromMsat: 2n, toMsat: 5n },
      { at: 3, fromMsat: 0n, toMsat: 2n },
    ]);
    expect(unexplainedChanges([])).to.deep.equal([]);
  });

  it('shows the position at the last round, the leverage and every quote, with no secret in it', async () => {
    const oracles = KEYS.map((publicKey, i) => ({ url: `http://settle:hunter2@127.0.0.1:1/${i}`, publicKey }));
    const w = setup({ extra: { oracles } });
    expect(agreementStatus(w.provider.config, w.provider.ledger).position, 'no round yet').to.equal(null);
    w.oracles.down.add(2);
    await w.provider.round();
    w.clock.advance(2_000);
    w.oracles.price = usd('80000');
    await w.provider.round();
    const s = agreementStatus(w.provider.config, w.provider.ledger);
    const text = JSON.stringify(s);
    for (const secret of ['hunter2', 'settle:', w.provider.config.ledgerFile, '/unused', 'cln-rpc'])
      expect(text, secret).not.to.contain(secret);
    expect(s.agreement.oracles.map((o) => o.url)).to.deep.equal([0, 1, 2].map((i) => `http://127.0.0.1:1/${i}`));
    expect(s.agreement.stableUsd).to.equal('10000000000');
    const [last] = s.rounds;
    expect(last?.quotes.map((q) => [q.kind, q.oracle, q.accepted])).to.deep.equal([
      ['index_price', 'http://127.0.0.1:1/0', true],
      ['index_price', 'http://127.0.0.1:1/1', true],
      ['index_price', 'http://127.0.0.1:1/2', false],
    ]);
    expect(last?.quotes[2]?.reason).to.match(/ECONNREFUSED/);
    const p = s.position;
    expect(p?.price).to.equal(usd('80000').toString());
    // The receiver's balance at 80 000 USD/BTC, to the cent: msat × price / 10^11.
    expect(BigInt(p!.receiverUsd)).to.equal((BigInt(p!.observedReceiverMsat) * usd('80000')) / 10n ** 11n);
    const capacity = BigInt(p!.channel!.capacityMsat);
    expect(p?.providerMsat).to.equal((capacity - BigInt(p!.observedReceiverMsat)).toString());
    // Leverage in hundredths: capacity / the provider's own side, rounded half to even.
    const hundredths = (capacity * 1000n) / BigInt(p!.providerMsat!);
    expect(BigInt(p!.providerLeverage!)).to.equal((hundredths + 5n) / 10n);
    expect(p?.channel).to.deep.equal({
      normal: true,
      peerConnected: true,
      pendingHtlcs: 0,
      capacityMsat: String(capacity),
    });
    // Whatever backend the agreement names, its credentials stay out: the status never reads them.
    for (const lightning of [
      { kind: 'cln-rest', url: 'https://127.0.0.1:3010', runeFile: '/secret/rune', caFile: '/secret/ca.pem' },
      { kind: 'lnd-rest', url: 'https://127.0.0.1:8080', macaroonFile: '/secret/admin.macaroon' },
    ] as const) {
      const shown = JSON.stringify(agreementStatus({ ...w.provider.config, lightning }, w.provider.ledger));
      expect(shown).not.to.match(/secret|rune|macaroon|3010/);
    }
  });
});
