import { expect } from 'chai';
import { backoffDelay } from '../../src/feeds/backoff.js';

describe('feeds/backoff: backoffDelay', () => {
  const cases: Array<[failures: number, initialMs: number, maxMs: number, expected: number]> = [
    [1, 1_000, 60_000, 1_000],
    [2, 1_000, 60_000, 2_000],
    [3, 1_000, 60_000, 4_000],
    [6, 1_000, 60_000, 32_000],
    [7, 1_000, 60_000, 60_000], // 64 s would exceed the cap
    [8, 1_000, 60_000, 60_000],
    [10_000, 1_000, 60_000, 60_000], // a long outage stays at the cap, never Infinity
    [1, 500, 500, 500],
    [5, 500, 500, 500],
    [3, 1, 3, 3],
  ];
  for (const [failures, initialMs, maxMs, expected] of cases) {
    it(`failure #${failures} with ${initialMs}..${maxMs} ms waits ${expected} ms`, () => {
      expect(backoffDelay(failures, initialMs, maxMs)).to.equal(expected);
    });
  }

  const invalid: Array<[failures: number, initialMs: number, maxMs: number, message: RegExp]> = [
    [0, 1_000, 60_000, /failures must be a positive integer/],
    [1.5, 1_000, 60_000, /failures must be a positive integer/],
    [Number.NaN, 1_000, 60_000, /failures must be a positive integer/],
    [1, 0, 60_000, /initialMs must be a positive integer/],
    [1, -5, 60_000, /initialMs must be a positive integer/],
    [1, 1_000, 999, /maxMs must be an integer >= initialMs/],
    [1, 1_000, Number.POSITIVE_INFINITY, /maxMs must be an integer/],
  ];
  for (const [failures, initialMs, maxMs, message] of invalid) {
    it(`rejects (${failures}, ${initialMs}, ${maxMs})`, () => {
      expect(() => backoffDelay(failures, initialMs, maxMs)).to.throw(RangeError, message);
    });
  }
});
