/**
 * Digit decomposition of a numeric outcome (dlcspecs Oracle.md, NumericOutcome.md): the value is
 * written in `base` with exactly `nbDigits` digits, most significant first, leading zeros
 * included, each digit as its base-10 string ("0".."15" in base 16); a signed descriptor adds "+"
 * (zero or positive) or "-" in front. A value outside the range the digits can hold is clamped:
 * above the maximum, the maximum (all digits base-1) is signed; below the minimum, the minimum
 * (0 for an unsigned descriptor, -(base^nbDigits - 1) for a signed one). Contracts read the
 * extremes as "this or more" and "this or less".
 *
 * `value` is already an integer in the descriptor's unit scaled by 10^-precision: a BTC/USD price
 * at PRICE_EXPONENT (-8) attested with precision 0 is first rescaled by the caller with
 * src/core/fixed.ts (e.g. divRoundHalfEven(price, 10n ** 8n)). This module never rounds.
 */
import { InputError } from '../core/errors.js';
import type { DigitDecompositionDescriptor } from './types.js';

function checkDescriptor(d: DigitDecompositionDescriptor): { base: bigint; max: bigint } {
  if (!Number.isInteger(d.base) || d.base < 2 || d.base > 0xffff) {
    throw new InputError(`descriptor base must be an integer in 2..65535, got ${String(d.base)}`);
  }
  if (!Number.isInteger(d.nbDigits) || d.nbDigits < 1 || d.nbDigits > 0xffff) {
    throw new InputError(`descriptor nbDigits must be an integer in 1..65535, got ${String(d.nbDigits)}`);
  }
  const base = BigInt(d.base);
  return { base, max: base ** BigInt(d.nbDigits) - 1n };
}

/** The smallest and largest values `d` can attest; anything beyond is clamped to them. */
export function outcomeRange(d: DigitDecompositionDescriptor): { min: bigint; max: bigint } {
  const { max } = checkDescriptor(d);
  return { min: d.isSigned ? -max : 0n, max };
}

/**
 * The outcome strings the oracle signs for `value` under `d`, sign first when signed, then each
 * digit most significant first (see module doc for clamping). Throws InputError for a non-bigint
 * value or an invalid descriptor.
 */
export function decompose(value: bigint, d: DigitDecompositionDescriptor): string[] {
  if (typeof value !== 'bigint') throw new InputError(`outcome value must be a bigint, got ${typeof value}`);
  const { base } = checkDescriptor(d);
  const { min, max } = outcomeRange(d);
  const clamped = value > max ? max : value < min ? min : value;
  let magnitude = clamped < 0n ? -clamped : clamped;
  const digits = new Array<string>(d.nbDigits);
  for (let i = d.nbDigits - 1; i >= 0; i--) {
    digits[i] = (magnitude % base).toString();
    magnitude /= base;
  }
  return d.isSigned ? [clamped < 0n ? '-' : '+', ...digits] : digits;
}

/**
 * Whether every deployed wallet reads `precision` the way this oracle scales its outcome
 * (digits x 10^precision): dlcspecs Oracle.md and bitcoin-s read digits x base^precision, node-dlc
 * ignores precision, so only precision 0, or base 10, means the same to all of them.
 */
export function isPrecisionReadAlike(base: number, precision: number): boolean {
  return precision === 0 || base === 10;
}

const DIGIT = /^(0|[1-9]\d*)$/;

/**
 * The value `outcomes` encode under `d` (inverse of decompose on its range). Throws InputError
 * naming the position of a missing sign, a bad digit, a wrong count, or "-" with magnitude zero
 * (decompose never produces it).
 */
export function compose(outcomes: readonly string[], d: DigitDecompositionDescriptor): bigint {
  const { base } = checkDescriptor(d);
  const expected = d.nbDigits + (d.isSigned ? 1 : 0);
  if (!Array.isArray(outcomes) || outcomes.length !== expected) {
    throw new InputError(
      `expected ${expected} outcomes for the descriptor, got ${Array.isArray(outcomes) ? outcomes.length : typeof outcomes}`,
    );
  }
  let negative = false;
  let start = 0;
  if (d.isSigned) {
    if (outcomes[0] !== '+' && outcomes[0] !== '-') throw new InputError('outcome 0 must be "+" or "-"');
    negative = outcomes[0] === '-';
    start = 1;
  }
  let magnitude = 0n;
  for (let i = start; i < outcomes.length; i++) {
    const text = outcomes[i];
    if (typeof text !== 'string' || !DIGIT.test(text) || BigInt(text) >= base) {
      throw new InputError(`outcome ${i} must be a base-${d.base} digit written in base 10`);
    }
    magnitude = magnitude * base + BigInt(text);
  }
  if (negative && magnitude === 0n) throw new InputError('outcome "-" with magnitude zero is not canonical');
  return negative ? -magnitude : magnitude;
}
