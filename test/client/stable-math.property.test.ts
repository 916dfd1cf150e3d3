import { expect } from 'chai';
import fc from 'fast-check';
import { decide, priceTransfer, targetReceiverMsat } from '../../src/client/stable-math.js';

const MSAT_PER_BTC = 10n ** 11n;
const abs = (n: bigint): bigint => (n < 0n ? -n : n);

// Prices from 1 USD to 10 000 000 USD, stable amounts from 1 cent to 10 000 000 USD (both at 10^-8).
const price = fc.bigInt({ min: 100_000_000n, max: 1_000_000_000_000_000n });
const stableUsd = fc.bigInt({ min: 1_000_000n, max: 1_000_000_000_000_000n });
const balance = fc.bigInt({ min: 0n, max: 10n ** 15n });
const minPayment = fc.bigInt({ min: 0n, max: 100_000n });
const role = fc.constantFrom('receiver' as const, 'provider' as const);

describe('client/stable-math properties', () => {
  it('a round never moves more than is owed, and only in the owed direction', () => {
    fc.assert(
      fc.property(stableUsd, price, balance, minPayment, role, (usd, p, bal, min, r) => {
        const owed = priceTransfer({ receiverBalanceMsat: bal, stableUsd: usd, price: p });
        const d = decide({ role: r, owedByProviderMsat: owed, minPaymentMsat: min });
        expect(d.amountMsat <= abs(owed)).to.equal(true);
        expect(d.amountMsat >= 0n).to.equal(true);
        if (d.action === 'none') {
          expect(abs(owed) < min || owed === 0n).to.equal(true);
          expect(d.amountMsat).to.equal(0n);
        } else {
          const weOwe = (r === 'provider') === owed > 0n;
          expect(d.action).to.equal(weOwe ? 'pay' : 'expect');
        }
      }),
      { numRuns: 500 },
    );
  });

  it("after a payment the receiver's balance is within 1 msat of its USD target", () => {
    fc.assert(
      fc.property(stableUsd, price, balance, minPayment, (usd, p, bal, min) => {
        const owed = priceTransfer({ receiverBalanceMsat: bal, stableUsd: usd, price: p });
        const d = decide({ role: 'receiver', owedByProviderMsat: owed, minPaymentMsat: min });
        if (d.action === 'none') return;
        const after = d.action === 'expect' ? bal + d.amountMsat : bal - d.amountMsat;
        expect(after).to.equal(targetReceiverMsat(usd, p));
        // Against the exact rational usd * 10^11 / price, independent of the rounding code:
        // |after - exact| <= 1 msat  <=>  |after * price - usd * 10^11| <= price.
        expect(abs(after * p - usd * MSAT_PER_BTC) <= p).to.equal(true);
      }),
      { numRuns: 500 },
    );
  });
});
