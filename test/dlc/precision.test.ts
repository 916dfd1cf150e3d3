/**
 * test/vectors/dlc/precision.json: how outcomes and precision turn into a value, as bitcoin-s
 * reads them (digits x base^precision), and the descriptors this oracle refuses because deployed
 * wallets would read them differently.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { PRICE_EXPONENT, parseDecimal } from '../../src/core/fixed.js';
import { dlcConfigSchema } from '../../src/dlc/config.js';
import { compose, decompose } from '../../src/dlc/digits.js';
import { toOutcomeValue } from '../../src/dlc/service.js';
import type { DigitDecompositionDescriptor } from '../../src/dlc/types.js';

interface Vectors {
  valid: Array<{
    source: string;
    descriptor: DigitDecompositionDescriptor;
    outcomes: string[];
    value: string;
    index?: string;
  }>;
  invalid: Array<{ base: number; precision: number; why: string }>;
}
const vectors = JSON.parse(readFileSync(new URL('../vectors/dlc/precision.json', import.meta.url), 'utf8')) as Vectors;

/** digits x base^precision (bitcoin-s's reading) as an integer at the index exponent (-8). */
function bitcoinSReading(digits: bigint, d: DigitDecompositionDescriptor): bigint {
  const one = 10n ** BigInt(-PRICE_EXPONENT);
  const base = BigInt(d.base);
  if (d.precision >= 0) return digits * base ** BigInt(d.precision) * one;
  const divisor = base ** BigInt(-d.precision);
  expect((digits * one) % divisor, 'exact at 10^-8').to.equal(0n);
  return (digits * one) / divisor;
}

describe('DLC precision vectors (test/vectors/dlc/precision.json)', () => {
  for (const v of vectors.valid) {
    it(`${v.outcomes.join('')} under ${JSON.stringify(v.descriptor)} reads ${v.value}`, () => {
      const digits = compose(v.outcomes, v.descriptor);
      expect(bitcoinSReading(digits, v.descriptor)).to.equal(parseDecimal(v.value, PRICE_EXPONENT));
      expect(decompose(digits, v.descriptor)).to.deep.equal(v.outcomes);
      // What this oracle signs for the index (the value itself when no index is given).
      const index = parseDecimal(v.index ?? v.value, PRICE_EXPONENT);
      expect(toOutcomeValue(index, PRICE_EXPONENT, v.descriptor.precision)).to.equal(digits);
      expect(dlcConfigSchema.safeParse(v.descriptor).success).to.equal(true);
    });
  }
  for (const v of vectors.invalid) {
    it(`the configuration refuses base ${v.base} with precision ${v.precision} (${v.why})`, () => {
      const result = dlcConfigSchema.safeParse({ base: v.base, precision: v.precision });
      expect(result.success).to.equal(false);
      expect(result.error?.issues.map((i) => i.path.join('.'))).to.include('precision');
    });
  }
});
