/**
 * The stable channel's arithmetic (DESIGN section 6, METHODOLOGY section 8.6): what the receiver
 * should hold, what each side owes, and whether a payment moves. Pure and in integer millisatoshis
 * only: no floats and no rounding to whole sats, so both peers compute the same number.
 */
import { InputError } from '../core/errors.js';
import { abs, divRoundHalfEven, formatDecimal } from '../core/fixed.js';
import type { Role } from './types.js';

/** 1 BTC = 10^8 sat = 10^11 msat. */
const MSAT_PER_BTC = 10n ** 11n;

function requireNonNegative(name: string, value: bigint): void {
  if (typeof value !== 'bigint') throw new InputError(`${name} must be a bigint, got ${typeof value}`);
  if (value < 0n) throw new InputError(`${name} must not be negative, got ${value}`);
}

/**
 * The receiver's balance, in msat, that is worth exactly `stableUsd` at `price`; both are at
 * PRICE_EXPONENT (10^-8 USD and 10^-8 USD per BTC), so the exponents cancel:
 * stableUsd * 10^11 / price, rounded half to even (within 0.5 msat of the exact value).
 * Throws InputError for a non-positive price or a negative stableUsd.
 */
export function targetReceiverMsat(stableUsd: bigint, price: bigint): bigint {
  requireNonNegative('stableUsd', stableUsd);
  if (typeof price !== 'bigint' || price <= 0n)
    throw new InputError(`price must be a positive bigint, got ${String(price)}`);
  return divRoundHalfEven(stableUsd * MSAT_PER_BTC, price);
}

/**
 * What the price move since the last settlement is worth, in msat: target - receiverBalanceMsat.
 * Positive: the price fell and the provider owes the receiver; negative: the price rose and the
 * receiver owes the provider. Throws InputError for a negative balance or stableUsd, or a
 * non-positive price.
 */
export function priceTransfer(input: { receiverBalanceMsat: bigint; stableUsd: bigint; price: bigint }): bigint {
  requireNonNegative('receiverBalanceMsat', input.receiverBalanceMsat);
  return targetReceiverMsat(input.stableUsd, input.price) - input.receiverBalanceMsat;
}

/** What this side does this round, and why. */
export interface Decision {
  readonly action: 'pay' | 'expect' | 'none';
  /** What moves, in msat: 0 when the action is 'none'. */
  readonly amountMsat: bigint;
  readonly reason: string;
}

const showMsat = (msat: bigint): string => `${msat} msat (${formatDecimal(msat, -3)} sat)`;

/**
 * Decides, for `role`, what to do about `owedByProviderMsat` (positive: the provider owes the
 * receiver; negative: the receiver owes the provider). A side pays only what it owes, and expects
 * what the other owes; when the amount owed is below `minPaymentMsat` nothing moves. Throws
 * InputError for an unknown role or a negative minimum.
 */
export function decide(input: { role: Role; owedByProviderMsat: bigint; minPaymentMsat: bigint }): Decision {
  const { role, owedByProviderMsat: owed, minPaymentMsat: min } = input;
  if (role !== 'receiver' && role !== 'provider')
    throw new InputError(`role must be "receiver" or "provider", got ${JSON.stringify(role)}`);
  if (typeof owed !== 'bigint') throw new InputError(`owedByProviderMsat must be a bigint, got ${typeof owed}`);
  requireNonNegative('minPaymentMsat', min);
  if (owed === 0n) return { action: 'none', amountMsat: 0n, reason: 'nothing is owed' };
  const debtor: Role = owed > 0n ? 'provider' : 'receiver';
  const creditor: Role = debtor === 'provider' ? 'receiver' : 'provider';
  const amount = abs(owed);
  if (amount < min) {
    return {
      action: 'none',
      amountMsat: 0n,
      reason:
        `the ${debtor} owes the ${creditor} ${showMsat(amount)}, ` +
        `below the minimum payment of ${showMsat(min)}: nothing moves`,
    };
  }
  if (role === debtor)
    return { action: 'pay', amountMsat: amount, reason: `we owe the ${creditor} ${showMsat(amount)}` };
  return { action: 'expect', amountMsat: amount, reason: `the ${debtor} owes us ${showMsat(amount)}` };
}

/**
 * What a balance is worth in USD at `price` (both PRICE_EXPONENT): msat * price / 10^11, rounded
 * half to even. Used to show what a close left the receiver with against its stable amount.
 */
export function usdValueOf(balanceMsat: bigint, price: bigint): bigint {
  requireNonNegative('balanceMsat', balanceMsat);
  if (typeof price !== 'bigint' || price <= 0n)
    throw new InputError(`price must be a positive bigint, got ${String(price)}`);
  return divRoundHalfEven(balanceMsat * price, MSAT_PER_BTC);
}
