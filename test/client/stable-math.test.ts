import { expect } from 'chai';
import { InputError } from '../../src/core/errors.js';
import { PRICE_EXPONENT, parseDecimal } from '../../src/core/fixed.js';
import { decide, priceTransfer, targetReceiverMsat } from '../../src/client/stable-math.js';

const usd = (text: string): bigint => parseDecimal(text, PRICE_EXPONENT);

// One row per case people reason about. Expected amounts computed by hand (exact rational, then
// half to even), independently of the code: e.g. 100 USD at 40 000 USD/BTC = 0.0025 BTC = 250 000 000 msat.
const GOLDEN: readonly {
  name: string;
  stable: string;
  price: string;
  balance: bigint;
  min: bigint;
  owed: bigint;
  receiver: 'pay' | 'expect' | 'none';
  provider: 'pay' | 'expect' | 'none';
  moved: bigint;
}[] = [
  {
    name: 'unchanged price',
    stable: '100',
    price: '50000',
    balance: 200_000_000n,
    min: 1000n,
    owed: 0n,
    receiver: 'none',
    provider: 'none',
    moved: 0n,
  },
  {
    name: 'price down 20%: provider pays',
    stable: '100',
    price: '40000',
    balance: 200_000_000n,
    min: 1000n,
    owed: 50_000_000n,
    receiver: 'expect',
    provider: 'pay',
    moved: 50_000_000n,
  },
  {
    name: 'price up 25%: receiver pays',
    stable: '100',
    price: '62500',
    balance: 200_000_000n,
    min: 1000n,
    owed: -40_000_000n,
    receiver: 'pay',
    provider: 'expect',
    moved: 40_000_000n,
  },
  {
    name: 'one cent up: 40 msat, below the minimum',
    stable: '100',
    price: '50000.01',
    balance: 200_000_000n,
    min: 1000n,
    owed: -40n,
    receiver: 'none',
    provider: 'none',
    moved: 0n,
  },
  {
    name: 'exactly the minimum moves',
    stable: '100',
    price: '50000',
    balance: 200_001_000n,
    min: 1000n,
    owed: -1000n,
    receiver: 'pay',
    provider: 'expect',
    moved: 1000n,
  },
  {
    name: 'one msat below the minimum',
    stable: '100',
    price: '50000',
    balance: 200_000_999n,
    min: 1000n,
    owed: -999n,
    receiver: 'none',
    provider: 'none',
    moved: 0n,
  },
  {
    name: 'crash to 1 000 USD',
    stable: '100',
    price: '1000',
    balance: 200_000_000n,
    min: 1000n,
    owed: 9_800_000_000n,
    receiver: 'expect',
    provider: 'pay',
    moved: 9_800_000_000n,
  },
  {
    name: 'rally to 1 000 000 USD',
    stable: '100',
    price: '1000000',
    balance: 200_000_000n,
    min: 1000n,
    owed: -190_000_000n,
    receiver: 'pay',
    provider: 'expect',
    moved: 190_000_000n,
  },
  {
    name: 'tie .5 rounds to even (down)',
    stable: '100.0000002',
    price: '40000',
    balance: 250_000_000n,
    min: 0n,
    owed: 0n,
    receiver: 'none',
    provider: 'none',
    moved: 0n,
  },
  {
    name: 'tie 1.5 rounds to even (up)',
    stable: '100.0000006',
    price: '40000',
    balance: 250_000_000n,
    min: 0n,
    owed: 2n,
    receiver: 'expect',
    provider: 'pay',
    moved: 2n,
  },
  {
    name: 'just above a tie rounds up',
    stable: '100.00000021',
    price: '40000',
    balance: 250_000_000n,
    min: 0n,
    owed: 1n,
    receiver: 'expect',
    provider: 'pay',
    moved: 1n,
  },
  {
    name: 'empty receiver side',
    stable: '100',
    price: '50000',
    balance: 0n,
    min: 1000n,
    owed: 200_000_000n,
    receiver: 'expect',
    provider: 'pay',
    moved: 200_000_000n,
  },
  {
    name: 'no rounding to whole sats',
    stable: '1000',
    price: '97000',
    balance: 1_030_000_000n,
    min: 1n,
    owed: 927_835n,
    receiver: 'expect',
    provider: 'pay',
    moved: 927_835n,
  },
];

describe('client/stable-math', () => {
  describe('golden table: price, balance -> payment', () => {
    for (const row of GOLDEN) {
      it(row.name, () => {
        const owed = priceTransfer({
          receiverBalanceMsat: row.balance,
          stableUsd: usd(row.stable),
          price: usd(row.price),
        });
        expect(owed).to.equal(row.owed);
        const r = decide({ role: 'receiver', owedByProviderMsat: owed, minPaymentMsat: row.min });
        const p = decide({ role: 'provider', owedByProviderMsat: owed, minPaymentMsat: row.min });
        expect([r.action, p.action]).to.deep.equal([row.receiver, row.provider]);
        expect([r.amountMsat, p.amountMsat]).to.deep.equal([row.moved, row.moved]);
      });
    }
  });

  describe('targetReceiverMsat', () => {
    it('is the stable USD amount in msat at the price (METHODOLOGY 8.6 notional)', () => {
      expect(targetReceiverMsat(usd('1000'), usd('97000'))).to.equal(1_030_927_835n);
    });
    for (const [name, price] of [
      ['zero', 0n],
      ['negative', -1n],
    ] as const) {
      it(`refuses a ${name} price`, () => {
        expect(() => targetReceiverMsat(usd('100'), price)).to.throw(InputError, /price must be a positive/);
      });
    }
    it('refuses a negative stable amount and a negative balance', () => {
      expect(() => targetReceiverMsat(-1n, usd('1'))).to.throw(InputError, /stableUsd/);
      expect(() => priceTransfer({ receiverBalanceMsat: -1n, stableUsd: 1n, price: 1n })).to.throw(
        InputError,
        /receiverBalanceMsat/,
      );
    });
  });

  describe('decide', () => {
    const DECISIONS: readonly [
      role: 'receiver' | 'provider',
      owed: bigint,
      min: bigint,
      action: string,
      amount: bigint,
      reason: RegExp,
    ][] = [
      ['provider', 5000n, 1000n, 'pay', 5000n, /we owe the receiver 5000 msat \(5\.000 sat\)/],
      ['receiver', 5000n, 1000n, 'expect', 5000n, /the provider owes us 5000 msat/],
      ['receiver', -5000n, 1000n, 'pay', 5000n, /we owe the provider 5000 msat/],
      ['provider', -5000n, 1000n, 'expect', 5000n, /the receiver owes us 5000 msat/],
      [
        'provider',
        999n,
        1000n,
        'none',
        0n,
        /provider owes the receiver 999 msat .* below the minimum payment of 1000 msat .*nothing moves/,
      ],
      ['receiver', -999n, 1000n, 'none', 0n, /receiver owes the provider 999 msat .* below the minimum/],
      ['receiver', 0n, 0n, 'none', 0n, /nothing is owed/],
      ['provider', 1n, 0n, 'pay', 1n, /we owe the receiver 1 msat/],
    ];
    for (const [role, owed, min, action, amount, reason] of DECISIONS) {
      it(`${role}, owed by provider ${owed}, minimum ${min} -> ${action} ${amount}`, () => {
        const d = decide({ role, owedByProviderMsat: owed, minPaymentMsat: min });
        expect(d.action).to.equal(action);
        expect(d.amountMsat).to.equal(amount);
        expect(d.reason).to.match(reason);
      });
    }
    it('refuses an unknown role and a negative minimum', () => {
      expect(() => decide({ role: 'bank' as 'receiver', owedByProviderMsat: 1n, minPaymentMsat: 0n })).to.throw(
        InputError,
        /role/,
      );
      expect(() => decide({ role: 'receiver', owedByProviderMsat: 1n, minPaymentMsat: -1n })).to.throw(
        InputError,
        /minPaymentMsat/,
      );
    });
  });
});
