/**
 * The one fixed-point helper. Every price, rate and amount the oracle signs, stores or pays is a
 * bigint "mantissa" with a stated decimal exponent: value = mantissa * 10^exponent.
 *
 * JS numbers enter only at the edge (ccxt hands us floats). They are converted exactly once,
 * through their shortest round-trip decimal string (what Number#toString prints), so the result
 * does not depend on binary float artefacts: 0.1 becomes exactly 1 * 10^-1. Digits beyond the
 * target exponent are rounded half to even (banker's rounding), the IEEE 754 default, so that
 * rounding errors do not drift in one direction across many conversions.
 */
import { InputError } from './errors.js';

/** Exponent of every price inside the oracle: 10^-8 USD (one "price unit"). */
export const PRICE_EXPONENT = -8;
/** 10^8 as a bigint: one whole unit of a price expressed at PRICE_EXPONENT. */
export const PRICE_ONE = 10n ** BigInt(-PRICE_EXPONENT);
/**
 * Exponent of funding rates and premiums (dimensionless ratios): 10^-10, so 0.01 % per 8 h is
 * 1_000_000 and normalising a 1 h rate to 8 h loses nothing a venue publishes.
 */
export const RATE_EXPONENT = -10;
/** 10^10 as a bigint: a ratio of exactly 1 at RATE_EXPONENT. */
export const RATE_ONE = 10n ** BigInt(-RATE_EXPONENT);
/**
 * Exponent of the funding index (cumulative funding per unit of notional): 10^-17, the finest at
 * which a year of accrual at the default plausibility bound (1 % per 8 h, 10.96 a year) fits a
 * signed 64-bit integer (92.2) with room for eight (docs/METHODOLOGY.md 8.8).
 */
export const FUNDING_INDEX_EXPONENT = -17;
/** 10^17 as a bigint: an index increase of exactly 1 (the whole notional) at FUNDING_INDEX_EXPONENT. */
export const FUNDING_INDEX_ONE = 10n ** BigInt(-FUNDING_INDEX_EXPONENT);

const DECIMAL = /^([+-])?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parses a decimal string ("123.45", "-1e-7", "5") into a mantissa at `exponent`, rounding half
 * to even. Throws InputError for anything that is not a finite decimal number.
 */
export function parseDecimal(text: string, exponent: number): bigint {
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new InputError(`expected a decimal number, got ${JSON.stringify(text)}`);
  const [, sign, intPart = '', fracPart = '', expPart] = m;
  const digits = BigInt(intPart + fracPart);
  // value = digits * 10^(e - fracLen); we want mantissa = value / 10^exponent
  const shift = Number(expPart ?? 0) - fracPart.length - exponent;
  let mantissa: bigint;
  if (shift >= 0) {
    mantissa = digits * 10n ** BigInt(shift);
  } else {
    mantissa = divRoundHalfEven(digits, 10n ** BigInt(-shift));
  }
  return sign === '-' ? -mantissa : mantissa;
}

/**
 * Converts a finite JS number from an exchange into a mantissa at `exponent` (see module doc for
 * the rounding rule). Throws InputError for NaN, infinities and non-numbers.
 */
export function fromNumber(value: number, exponent: number): bigint {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InputError(`expected a finite number, got ${String(value)}`);
  }
  return parseDecimal(value.toString(), exponent);
}

/** Formats a mantissa at `exponent` as a plain decimal string, e.g. (12345n, -2) -> "123.45". */
export function formatDecimal(mantissa: bigint, exponent: number): string {
  if (exponent >= 0) return (mantissa * 10n ** BigInt(exponent)).toString();
  const negative = mantissa < 0n;
  const abs = (negative ? -mantissa : mantissa).toString().padStart(-exponent + 1, '0');
  const cut = abs.length + exponent;
  const text = `${abs.slice(0, cut)}.${abs.slice(cut)}`;
  return negative ? `-${text}` : text;
}

/** Integer division of non-negative `n` by positive `d`, rounding half to even. */
export function divRoundHalfEven(n: bigint, d: bigint): bigint {
  if (d <= 0n) throw new RangeError('divisor must be positive');
  const negative = n < 0n;
  const a = negative ? -n : n;
  let q = a / d;
  const twice = (a % d) * 2n;
  if (twice > d || (twice === d && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}

/** Median of a non-empty list; for an even count, the mean of the middle two, floored. */
export function median(values: readonly bigint[]): bigint {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const mid = sorted.length >> 1;
  const upper = sorted[mid] as bigint;
  if (sorted.length % 2 === 1) return upper;
  const lower = sorted[mid - 1] as bigint;
  return floorDiv(lower + upper, 2n);
}

/** Floor division for bigints (bigint `/` truncates toward zero). */
export function floorDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d !== 0n && n < 0n !== d < 0n ? q - 1n : q;
}

/** Absolute value of a bigint. */
export function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}
