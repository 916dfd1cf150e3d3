import { expect } from 'chai';
import { dlcConfigSchema } from '../../src/dlc/config.js';

const parse = (raw: Record<string, unknown>) => dlcConfigSchema.safeParse(raw);
const messages = (raw: Record<string, unknown>): string[] => {
  const result = parse(raw);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('DLC configuration', () => {
  it('keeps attested events 90 days by default', () => {
    expect(dlcConfigSchema.parse({}).retentionDays).to.equal(90);
  });

  const retention: ReadonlyArray<[value: unknown, ok: boolean]> = [
    [1, true],
    [3650, true],
    [0, false],
    [1.5, false],
    ['90', false],
  ];
  for (const [value, ok] of retention) {
    it(`${ok ? 'accepts' : 'refuses'} retentionDays ${JSON.stringify(value)}`, () => {
      expect(parse({ retentionDays: value }).success).to.equal(ok);
    });
  }

  // Wallets read an outcome as digits x base^precision (dlcspecs Oracle.md, bitcoin-s); node-dlc
  // ignores precision. Only with base 10 (or precision 0) do all of them read what the oracle means.
  const readings: ReadonlyArray<[base: number, precision: number, ok: boolean]> = [
    [2, 0, true],
    [16, 0, true],
    [10, -2, true],
    [10, 3, true],
    [2, -2, false],
    [2, 1, false],
    [16, -1, false],
  ];
  for (const [base, precision, ok] of readings) {
    it(`${ok ? 'accepts' : 'refuses'} base ${base} with precision ${precision}`, () => {
      const found = messages({ base, precision });
      const expected = `precision: precision ${precision} with base ${base} is read as digits x ${base}\\^${precision}`;
      if (ok) expect(found).to.deep.equal([]);
      else expect(found.join('\n')).to.match(new RegExp(expected));
    });
  }
});
