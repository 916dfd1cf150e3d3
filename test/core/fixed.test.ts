import { expect } from 'chai';
import fc from 'fast-check';
import { divRoundHalfEven, floorDiv, formatDecimal, fromNumber, median, parseDecimal } from '../../src/core/fixed.js';
import { InputError } from '../../src/core/errors.js';

describe('core/fixed', () => {
  describe('fromNumber converts exchange floats once, through their shortest decimal form', () => {
    const cases: [number, number, bigint][] = [
      [97123.45, -8, 9712345000000n],
      [0.1, -8, 10000000n],
      [0.1 + 0.2, -8, 30000000n], // 0.30000000000000004 rounds to 0.3 at 8 places
      [1e-7, -8, 10n],
      [1.5e-8, -8, 2n], // half to even: 1.5 -> 2
      [2.5e-8, -8, 2n], // half to even: 2.5 -> 2
      [3.5e-8, -8, 4n],
      [-0.000125, -4, -1n], // -1.25 -> -1 (half to even, symmetric)
      [-0.000135, -4, -1n], // -1.35 -> -1
      [123456789.12345679, -8, 12345678912345679n],
      [5, 0, 5n],
      [1e21, -8, 10n ** 29n],
    ];
    for (const [input, exp, expected] of cases) {
      it(`${input} at 10^${exp} -> ${expected}`, () => {
        expect(fromNumber(input, exp)).to.equal(expected);
      });
    }
    for (const bad of [NaN, Infinity, -Infinity]) {
      it(`rejects ${bad}`, () => {
        expect(() => fromNumber(bad, -8)).to.throw(InputError, 'expected a finite number');
      });
    }
  });

  describe('parseDecimal', () => {
    const cases: [string, number, bigint][] = [
      ['97000', -8, 9700000000000n],
      ['0.9998', -8, 99980000n],
      ['-0.0001', -8, -10000n],
      ['1e3', 0, 1000n],
      ['0.000000005', -8, 0n], // 0.5 -> 0 (even)
      ['0.000000015', -8, 2n], // 1.5 -> 2
      ['12.345', -2, 1234n], // 1234.5 -> 1234 (even)
      ['12.355', -2, 1236n], // 1235.5 -> 1236 (even)
    ];
    for (const [input, exp, expected] of cases) {
      it(`"${input}" at 10^${exp} -> ${expected}`, () => {
        expect(parseDecimal(input, exp)).to.equal(expected);
      });
    }
    for (const bad of ['', 'abc', '1.2.3', '0x10', '1e', ' - 1']) {
      it(`rejects ${JSON.stringify(bad)}`, () => {
        expect(() => parseDecimal(bad, -8)).to.throw(InputError, 'expected a decimal number');
      });
    }
  });

  describe('formatDecimal', () => {
    const cases: [bigint, number, string][] = [
      [9712345000000n, -8, '97123.45000000'],
      [-10000n, -8, '-0.00010000'],
      [5n, -2, '0.05'],
      [0n, -2, '0.00'],
      [12n, 2, '1200'],
    ];
    for (const [m, exp, expected] of cases) {
      it(`${m} at 10^${exp} -> "${expected}"`, () => {
        expect(formatDecimal(m, exp)).to.equal(expected);
      });
    }
    it('round-trips with parseDecimal for any mantissa', () => {
      fc.assert(
        fc.property(
          fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
          fc.integer({ min: -18, max: 0 }),
          (m, exp) => {
            expect(parseDecimal(formatDecimal(m, exp), exp)).to.equal(m);
          },
        ),
      );
    });
  });

  describe('divRoundHalfEven', () => {
    const cases: [bigint, bigint, bigint][] = [
      [7n, 2n, 4n],
      [5n, 2n, 2n],
      [-5n, 2n, -2n],
      [-7n, 2n, -4n],
      [10n, 3n, 3n],
      [11n, 3n, 4n],
      [0n, 5n, 0n],
    ];
    for (const [n, d, q] of cases) {
      it(`${n} / ${d} -> ${q}`, () => expect(divRoundHalfEven(n, d)).to.equal(q));
    }
    it('rejects a non-positive divisor', () => {
      expect(() => divRoundHalfEven(1n, 0n)).to.throw(RangeError);
    });
  });

  describe('median', () => {
    const cases: [bigint[], bigint][] = [
      [[5n], 5n],
      [[3n, 1n, 2n], 2n],
      [[1n, 2n, 3n, 4n], 2n], // (2 + 3) / 2 = 2.5, floored
      [[-3n, -2n], -3n], // floor of -2.5
      [[10n, 10n, 1000n], 10n],
    ];
    for (const [values, expected] of cases) {
      it(`median(${values.join(', ')}) = ${expected}`, () => expect(median(values)).to.equal(expected));
    }
    it('rejects an empty list', () => expect(() => median([])).to.throw(RangeError));
    it('lies between the minimum and maximum and ignores order', () => {
      fc.assert(
        fc.property(
          fc.array(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), { minLength: 1, maxLength: 30 }),
          (values) => {
            const m = median(values);
            const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
            expect(m >= (sorted[0] as bigint) && m <= (sorted[sorted.length - 1] as bigint)).to.equal(true);
            expect(median([...values].reverse())).to.equal(m);
          },
        ),
      );
    });
  });

  it('floorDiv floors toward negative infinity', () => {
    expect(floorDiv(-5n, 2n)).to.equal(-3n);
    expect(floorDiv(5n, 2n)).to.equal(2n);
    expect(floorDiv(-4n, 2n)).to.equal(-2n);
  });
});
