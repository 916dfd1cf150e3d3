/** paymentBlocker(): every reason a payment waits, one row each, in the order they are checked. */
import { expect } from 'chai';
import { paymentBlocker, type PaymentConditions } from '../../src/client/payment-blocker.js';

const HTLC = { amountMsat: 5_000n, paymentHash: 'ab'.repeat(32) };
const CLEAR: PaymentConditions = {
  amountMsat: 1_000_000n,
  maxPaymentMsat: undefined,
  maxFeeMsat: 5_000n,
  channel: { normal: true, peerConnected: true, pendingHtlcs: [], spendableMsat: 1_005_000n },
  unexplained: {
    amountMsat: 0n,
    acknowledgedMsat: 0n,
    policy: 'pause',
    observedReceiverMsat: 100_000_000n,
    agreedReceiverMsat: 100_000_000n,
  },
};
const unexplained = (over: Partial<PaymentConditions['unexplained']>) => ({
  unexplained: { ...CLEAR.unexplained, ...over },
});
const channel = (over: Partial<PaymentConditions['channel']>) => ({ channel: { ...CLEAR.channel, ...over } });

const TABLE: readonly [string, Partial<PaymentConditions>, RegExp | null][] = [
  ['nothing in the way', {}, null],
  ['exactly the spendable balance with the fee cap', channel({ spendableMsat: 1_005_000n }), null],
  ['at maxPaymentMsat', { maxPaymentMsat: 1_000_000n }, null],
  ['above maxPaymentMsat', { maxPaymentMsat: 999_999n }, /^that is above maxPaymentMsat \(999999 msat\)/],
  [
    'an unexplained move not acknowledged',
    unexplained({ amountMsat: -10_000_000n, observedReceiverMsat: 90_000_000n }),
    new RegExp(
      '^the channel moved by -10000000 msat that no settlement explains \\(the receiver holds 90000000 msat, ' +
        'the agreement explains 100000000 msat; 0 msat acknowledged\\).*peer-stables acknowledge',
    ),
  ],
  ['an unexplained move acknowledged', unexplained({ amountMsat: -10_000_000n, acknowledgedMsat: -10_000_000n }), null],
  [
    'an unexplained move that grew after the acknowledgement',
    unexplained({ amountMsat: -15_000_000n, acknowledgedMsat: -10_000_000n }),
    /moved by -15000000 msat.*-10000000 msat acknowledged/,
  ],
  ['an unexplained move under "continue"', unexplained({ amountMsat: 7n, policy: 'continue' }), null],
  ['a channel not in its normal state', channel({ normal: false }), /^the channel is not in its normal state$/],
  ['a disconnected peer', channel({ peerConnected: false }), /^the peer is not connected$/],
  [
    'two HTLCs toward the peer',
    channel({
      pendingHtlcs: [
        { ...HTLC, direction: 'out' },
        { ...HTLC, direction: 'out' },
      ],
    }),
    /^2 HTLC\(s\) toward the peer are pending$/,
  ],
  ['an HTLC from the peer (not ours to wait for)', channel({ pendingHtlcs: [{ ...HTLC, direction: 'in' }] }), null],
  [
    'one msat short of amount plus fee cap',
    channel({ spendableMsat: 1_004_999n }),
    /^spendable 1004999 msat is less than 1000000 msat plus the 5000 msat fee cap$/,
  ],
  [
    'above the cap and paused: the cap is named first',
    { maxPaymentMsat: 1n, ...unexplained({ amountMsat: 5n }) },
    /^that is above maxPaymentMsat/,
  ],
];

describe('client/payment-blocker', () => {
  for (const [name, over, expected] of TABLE) {
    it(`${expected === null ? 'pays' : 'does not pay'} with ${name}`, () => {
      const reason = paymentBlocker({ ...CLEAR, ...over });
      if (expected === null) expect(reason).to.equal(null);
      else expect(reason).to.match(expected);
    });
  }
});
