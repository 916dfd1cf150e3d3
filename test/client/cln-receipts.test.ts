/**
 * Receipts on Core Lightning (issue 10): the receiver's node keeps no TLVs of the keysends it
 * receives and stamps `paid_at` in whole seconds; it files each keysend as an invoice labelled
 * `keysend-<s>.<ns>` and described by its longest text record. Both clients run on the real Core
 * Lightning backend against the fake v26.06 node, rounds a few hundred ms apart, so payments land
 * in the same second as the expectation they answer.
 */
import { expect } from 'chai';
import { backendHarnesses, type StartedBackend } from '../support/backend-harness.js';
import { setup, usd } from './round-setup.js';

for (const harness of backendHarnesses.filter((h) => h.name.startsWith('cln'))) {
  describe(`client receipts on Core Lightning (${harness.name})`, () => {
    let started: StartedBackend[] = [];
    afterEach(async () => {
      for (const s of started) await s.close();
      started = [];
    });

    async function world() {
      const w = setup();
      for (const side of [w.receiver, w.provider]) {
        const one = await harness.start(side.node, { now: () => w.clock.now() });
        started.push(one);
        side.backend = one.backend;
      }
      await w.receiver.round();
      await w.provider.round();
      return w;
    }

    it('never counts a settlement that arrived as missed, even in the same second and after the price moved on', async () => {
      const w = await world();
      w.oracles.price = usd('99000');
      w.clock.advance(1_100);
      expect((await w.receiver.round()).action).to.equal('expect');
      // The price falls further before the provider pays: it pays more than the receiver asked.
      w.oracles.price = usd('98000');
      w.clock.advance(200);
      expect((await w.provider.round()).action).to.equal('pay');
      // And climbs back before the receiver looks: the payment matches no amount it could guess.
      w.oracles.price = usd('99000');
      w.clock.advance(200);
      await w.receiver.round();
      w.clock.advance(61_000);
      await w.receiver.round();
      const [receipt] = w.receiver.ledger.receipts(1);
      expect(receipt).to.include({ matchedBy: 'record' });
      expect(w.receiver.ledger.missCount()).to.equal(0);
      expect(w.receiver.ledger.openExpectations()).to.deep.equal([]);
    });

    it('a settlement recorded before an expectation was made never answers it', async () => {
      const w = await world();
      w.oracles.price = usd('99000');
      w.clock.advance(1_100);
      await w.receiver.round(); // expects what the fall owes
      w.clock.advance(200);
      await w.provider.round(); // pays it
      w.oracles.price = usd('97000');
      w.clock.advance(200);
      // In the same second: this round records the payment, then expects what the new fall owes.
      expect((await w.receiver.round()).action).to.equal('expect');
      const [open] = w.receiver.ledger.openExpectations();
      expect(w.receiver.ledger.settlementReceivedFor(open!)).to.equal(0n);
      w.clock.advance(61_000);
      await w.receiver.round();
      // The provider never paid the second fall: that is a miss, and only one.
      expect(w.receiver.ledger.missCount()).to.equal(1);
    });
  });
}
