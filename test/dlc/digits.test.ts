import { expect } from 'chai';
import fc from 'fast-check';
import { compose, decompose, outcomeRange } from '../../src/dlc/digits.js';
import { InputError } from '../../src/core/errors.js';
import type { DigitDecompositionDescriptor } from '../../src/dlc/types.js';

function descriptor(base: number, nbDigits: number, isSigned = false): DigitDecompositionDescriptor {
  return { base, nbDigits, isSigned, unit: 'BTC/USD', precision: 0 };
}

describe('dlc/digits', () => {
  describe('decompose: leading zeros and clamping (Oracle.md "Digit decomposition")', () => {
    const cases: Array<[string, DigitDecompositionDescriptor, bigint, string]> = [
      // name, descriptor, value, outcomes joined by space
      ['base 2 zero keeps every leading zero', descriptor(2, 6), 0n, '0 0 0 0 0 0'],
      ['base 2 small value', descriptor(2, 6), 5n, '0 0 0 1 0 1'],
      ['base 2 maximum', descriptor(2, 6), 63n, '1 1 1 1 1 1'],
      ['base 2 above maximum clamps to maximum', descriptor(2, 6), 64n, '1 1 1 1 1 1'],
      ['base 2 far above maximum clamps', descriptor(2, 6), 10n ** 30n, '1 1 1 1 1 1'],
      ['base 2 unsigned negative clamps to zero', descriptor(2, 6), -1n, '0 0 0 0 0 0'],
      ['base 10 spec example $20000', descriptor(10, 6), 20000n, '0 2 0 0 0 0'],
      ['base 10 spec example above $999999', descriptor(10, 6), 1234567n, '9 9 9 9 9 9'],
      ['base 10 unsigned negative clamps to zero', descriptor(10, 3), -42n, '0 0 0'],
      ['base 16 digits are written in base 10', descriptor(16, 3), 0xfa1n, '15 10 1'],
      ['base 2 signed zero is "+"', descriptor(2, 4, true), 0n, '+ 0 0 0 0'],
      ['base 2 signed positive', descriptor(2, 4, true), 6n, '+ 0 1 1 0'],
      ['base 2 signed negative', descriptor(2, 4, true), -6n, '- 0 1 1 0'],
      ['base 2 signed above maximum clamps', descriptor(2, 4, true), 16n, '+ 1 1 1 1'],
      ['base 2 signed below minimum clamps', descriptor(2, 4, true), -17n, '- 1 1 1 1'],
      ['base 10 signed negative', descriptor(10, 3, true), -7n, '- 0 0 7'],
      ['base 10 signed below minimum clamps', descriptor(10, 3, true), -5000n, '- 9 9 9'],
      ['one digit', descriptor(10, 1), 7n, '7'],
    ];
    for (const [name, d, value, expected] of cases) {
      it(name, () => {
        expect(decompose(value, d).join(' ')).to.equal(expected);
      });
    }
  });

  it('outcomeRange gives the clamping bounds', () => {
    expect(outcomeRange(descriptor(2, 18))).to.deep.equal({ min: 0n, max: 262143n });
    expect(outcomeRange(descriptor(10, 3, true))).to.deep.equal({ min: -999n, max: 999n });
  });

  it('compose inverts decompose on the range and clamps outside it (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 20 }),
        fc.integer({ min: 1, max: 24 }),
        fc.boolean(),
        fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }),
        (base, nbDigits, isSigned, value) => {
          const d = descriptor(base, nbDigits, isSigned);
          const { min, max } = outcomeRange(d);
          const clamped = value > max ? max : value < min ? min : value;
          const outcomes = decompose(value, d);
          expect(outcomes).to.have.length(nbDigits + (isSigned ? 1 : 0));
          expect(compose(outcomes, d)).to.equal(clamped);
        },
      ),
    );
  });

  describe('compose refuses malformed outcomes, naming the position', () => {
    const cases: Array<[string, DigitDecompositionDescriptor, string[], RegExp]> = [
      ['too few', descriptor(2, 3), ['0', '1'], /expected 3 outcomes/],
      ['too many', descriptor(2, 2), ['0', '1', '1'], /expected 2 outcomes/],
      ['digit too large for the base', descriptor(2, 2), ['0', '2'], /outcome 1/],
      ['leading-zero digit text', descriptor(16, 2), ['01', '0'], /outcome 0/],
      ['not a digit', descriptor(10, 2), ['a', '0'], /outcome 0/],
      ['missing sign', descriptor(2, 2, true), ['0', '1', '1'], /outcome 0 must be "\+" or "-"/],
      ['negative zero', descriptor(2, 2, true), ['-', '0', '0'], /not canonical/],
    ];
    for (const [name, d, outcomes, message] of cases) {
      it(name, () => {
        expect(() => compose(outcomes, d)).to.throw(InputError, message);
      });
    }
  });

  it('refuses a non-bigint value and a bad descriptor', () => {
    expect(() => decompose(5 as unknown as bigint, descriptor(2, 3))).to.throw(InputError, /bigint/);
    expect(() => decompose(5n, descriptor(1, 3))).to.throw(InputError, /base/);
    expect(() => decompose(5n, descriptor(2, 0))).to.throw(InputError, /nbDigits/);
  });
});
