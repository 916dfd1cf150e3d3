/**
 * Replays the worked example of docs/METHODOLOGY.md section 9.3 on two clients over a fake channel
 * and checks every number of its table, so the doc cannot drift from what the clients do.
 */
import { expect } from 'chai';
import { acknowledge } from '../../src/cli/acknowledge.js';
import { targetReceiverMsat } from '../../src/client/stable-math.js';
import { repoFile } from '../attest/fixtures.js';
import { setup, usd, type World } from './round-setup.js';

interface Row {
  step: number;
  price: string;
  target: bigint;
  agreed: bigint;
  observed: bigint;
  unexplained: bigint;
  owed: bigint;
  receiver: string;
  provider: string;
}

function table(): Row[] {
  const match = /<!-- accounting-example -->\n((?:\|.*\n)+)/.exec(repoFile('docs/METHODOLOGY.md'));
  expect(match, 'the accounting-example table in docs/METHODOLOGY.md').to.not.equal(null);
  const int = (cell: string) => BigInt(cell.replace(/ /g, ''));
  return match![1]!
    .trim()
    .split('\n')
    .slice(2)
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    )
    .map(([step, price, target, agreed, observed, unexplained, owed, receiver, provider]) => ({
      step: Number(step),
      price: price!.replace(/ /g, ''),
      target: int(target!),
      agreed: int(agreed!),
      observed: int(observed!),
      unexplained: int(unexplained!),
      owed: int(owed!),
      receiver: receiver!,
      provider: provider!,
    }));
}

/** What happens before each step's rounds (section 9.3's list). */
const EVENTS: Record<number, (w: World) => void> = {
  0: () => undefined,
  1: (w) => {
    w.channel.balanceA -= 10_000_000n; // the receiver pays an invoice of its own through the provider
    w.channel.balanceB += 10_000_000n;
  },
  2: (w) => {
    for (const side of [w.receiver, w.provider]) acknowledge(side.configFile, { msat: -10_000_000n, clock: w.clock });
  },
  3: (w) => {
    w.channel.balanceA -= 5_000_000n; // an HTLC held in flight, left out of the reported balance
  },
  4: (w) => {
    w.channel.balanceA += 5_000_000n; // the HTLC fails
  },
  5: (w) => {
    w.channel.balanceA -= 1_530_000n; // the commitment fee the opener's node reports out of its balance
  },
};

describe('docs/METHODOLOGY.md 9.3: the worked example of the settlement accounting', () => {
  it('replays every step and finds every number of the table', async () => {
    const w = setup({ receiverBalanceMsat: 100_000_000n });
    const rows = table();
    expect(rows.map((r) => r.step)).to.deep.equal([0, 1, 2, 3, 4, 5]);
    for (const row of rows) {
      EVENTS[row.step]!(w);
      w.oracles.price = usd(row.price);
      w.clock.advance(5_000);
      expect(targetReceiverMsat(usd('100'), w.oracles.price), `step ${row.step} target`).to.equal(row.target);
      // The side that is owed runs first, so both compute before any payment of this step.
      const order = row.owed < 0n ? (['provider', 'receiver'] as const) : (['receiver', 'provider'] as const);
      for (const who of order) {
        const r = await w[who].round();
        const seen = {
          agreed: r.agreedReceiverMsat,
          observed: r.receiverBalanceMsat,
          unexplained: r.unexplainedMsat,
          owed: row.target - (r.agreedReceiverMsat ?? 0n),
          action: `${r.action}${r.paused ? ', paused' : ''}`,
        };
        const pays = row[who] === 'pay';
        expect(seen, `step ${row.step}, ${who}: ${r.reason}`).to.deep.equal({
          agreed: row.agreed,
          observed: row.observed,
          unexplained: row.unexplained,
          owed: row.owed,
          action: row[who],
        });
        if (pays) expect(r.amountMsat).to.equal(row.owed < 0n ? -row.owed : row.owed);
      }
    }
  });
});
