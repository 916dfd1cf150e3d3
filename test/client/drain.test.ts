/**
 * Issue 9's attack on the paying side, as a hostile peer would run it: something other than a
 * settlement moves the channel (the peer pays an invoice of its own through us, or holds an HTLC
 * that the node leaves out of the balance it reports), and the client must not pay for it. What is
 * owed comes from the price, the agreed funding and the settlement payments in the ledger, never
 * from the channel's balance.
 */
import { expect } from 'chai';
import type { ChannelState, LightningBackend } from '../../src/lightning/types.js';
import { overriding, setup, settledBy, type Side } from './round-setup.js';

/** Moves `msat` from one side of `channel` to the other, as a forwarded payment settles. */
function forward(world: ReturnType<typeof setup>, from: 'receiver' | 'provider', msat: bigint): void {
  const accomplice = world.network.nodes.find((n) => n.alias === 'accomplice') ?? world.network.addNode('accomplice');
  const onward =
    world.network.channels.find((c) => c.a === world.provider.node && c.b === accomplice) ??
    world.network.openChannel(world.provider.node, accomplice, 500_000_000n, 500_000_000n);
  const other =
    world.network.channels.find((c) => c.a === world.receiver.node && c.b === accomplice) ??
    world.network.openChannel(world.receiver.node, accomplice, 500_000_000n, 500_000_000n);
  if (from === 'receiver') {
    // receiver -> provider -> accomplice
    world.channel.balanceA -= msat;
    world.channel.balanceB += msat;
    onward.balanceA -= msat;
    onward.balanceB += msat;
  } else {
    // provider -> receiver -> accomplice
    world.channel.balanceB -= msat;
    world.channel.balanceA += msat;
    other.balanceA -= msat;
    other.balanceB += msat;
  }
}

/** The backend of `side`, reporting an HTLC the peer offered and holds, left out of its balance (LND). */
function holdingAnHtlc(side: Side, amountMsat: bigint): LightningBackend {
  return overriding(side.fake, {
    getChannel: async (id: string): Promise<ChannelState | null> => {
      const channel = await side.fake.getChannel(id);
      if (channel === null) return null;
      return {
        ...channel,
        remoteBalanceMsat: channel.remoteBalanceMsat - amountMsat,
        pendingHtlcs: [...channel.pendingHtlcs, { direction: 'in', amountMsat, paymentHash: 'ab'.repeat(32) }],
      };
    },
  });
}

describe('client/round: whatever else moves the channel, a client pays only what the price and funding owe', () => {
  it('a receiver paying an invoice through the provider is never refunded: 3 fixed-price rounds pay 0', async () => {
    const w = setup();
    expect((await w.provider.round()).action).to.equal('none');
    expect((await w.receiver.round()).action).to.equal('none');
    for (let i = 0; i < 3; i += 1) {
      forward(w, 'receiver', 10_000_000n); // 10 000 sat to the accomplice
      w.clock.advance(5_000);
      await w.provider.round();
      await w.receiver.round();
    }
    expect(settledBy(w.provider.node), 'paid by the provider').to.equal(0n);
    expect(settledBy(w.receiver.node), 'paid by the receiver').to.equal(0n);
  });

  it('a provider paying an invoice through the receiver is never refunded by the receiver', async () => {
    const w = setup();
    await w.receiver.round();
    await w.provider.round();
    for (let i = 0; i < 3; i += 1) {
      forward(w, 'provider', 10_000_000n);
      w.clock.advance(5_000);
      await w.receiver.round();
      await w.provider.round();
    }
    expect(settledBy(w.receiver.node), 'paid by the receiver').to.equal(0n);
    expect(settledBy(w.provider.node), 'paid by the provider').to.equal(0n);
  });

  it('an HTLC the receiver routes out and holds (left out of the balance LND reports) is never refunded', async () => {
    const w = setup();
    await w.provider.round();
    w.provider.backend = holdingAnHtlc(w.provider, 10_000_000n);
    for (let i = 0; i < 3; i += 1) {
      w.clock.advance(5_000);
      await w.provider.round();
    }
    w.provider.backend = w.provider.fake; // the receiver cancels the HTLC
    w.clock.advance(5_000);
    await w.provider.round();
    expect(settledBy(w.provider.node)).to.equal(0n);
  });
});
