/**
 * Quote conversion shared by the index and the perpetual premium: a price in a market's quote
 * currency to the target quote, at an observed rate, never an assumed one.
 */
import { PRICE_ONE, divRoundHalfEven } from '../core/fixed.js';

/**
 * Converts `price` (PRICE_EXPONENT, in `quote`) into `target`: `price * rate / 10^8` rounded half
 * to even, with the rate of `quote` from `conversions` (PRICE_EXPONENT). Returns the price as is
 * when `quote` is the target, and null when there is no rate for `quote`.
 */
export function toTarget(
  price: bigint,
  quote: string,
  target: string,
  conversions: ReadonlyMap<string, bigint>,
): bigint | null {
  if (quote === target) return price;
  const rate = conversions.get(quote);
  return rate === undefined ? null : divRoundHalfEven(price * rate, PRICE_ONE);
}
