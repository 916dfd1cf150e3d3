import { expect } from 'chai';
import { ConfigError } from '../../src/core/errors.js';
import { dlcConfigSchema } from '../../src/dlc/config.js';
import { dueAnnouncements, eventIdFor, eventsBetween } from '../../src/dlc/schedule.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const MIDNIGHT = Date.UTC(2024, 4, 2);
const BOTH = [
  { name: 'hourly', everyMs: HOUR },
  { name: 'daily', everyMs: DAY },
];

describe('DLC schedule', () => {
  describe('eventIdFor', () => {
    const cases: ReadonlyArray<[unit: string, series: string, maturity: number, id: string]> = [
      ['BTC/USD', 'hourly', T0, 'btcusd-hourly-2024-05-01T12:00:00Z'],
      ['BTC/USD', 'daily', MIDNIGHT, 'btcusd-daily-2024-05-02T00:00:00Z'],
      ['usd/btc', 'm5', T0 + 5 * 60_000, 'usdbtc-m5-2024-05-01T12:05:00Z'],
    ];
    for (const [unit, series, maturity, id] of cases) {
      it(`${unit} ${series} at ${maturity} -> ${id}`, () => {
        expect(eventIdFor(unit, series, maturity)).to.equal(id);
      });
    }

    it('refuses an id longer than the 64 bytes dlcspecs allows', () => {
      expect(() => eventIdFor('A'.repeat(30), 'longseriesname12', T0)).to.throw(ConfigError, /longer than 64 bytes/);
    });
  });

  describe('eventsBetween', () => {
    it('lists maturities on multiples of each period in (from, to], ties ordered by id', () => {
      const events = eventsBetween('BTC/USD', BOTH, MIDNIGHT - 2 * HOUR, MIDNIGHT + HOUR);
      expect(events.map((e) => [e.series, e.maturity])).to.deep.equal([
        ['hourly', MIDNIGHT - HOUR],
        ['daily', MIDNIGHT],
        ['hourly', MIDNIGHT],
        ['hourly', MIDNIGHT + HOUR],
      ]);
      expect(events[1]?.eventId).to.equal('btcusd-daily-2024-05-02T00:00:00Z');
    });

    it('is empty when the window is', () => {
      expect(eventsBetween('BTC/USD', BOTH, T0, T0)).to.deep.equal([]);
    });
  });

  describe('dueAnnouncements (the announce-ahead window)', () => {
    const cases: ReadonlyArray<[what: string, now: number, ahead: number, maturities: number[]]> = [
      ['an event maturing exactly now is not announced any more', T0, 2 * HOUR, [T0 + HOUR, T0 + 2 * HOUR]],
      ['the window end is included', T0 - 1, HOUR, [T0]],
      ['a window shorter than a period may hold nothing', T0 + 1, HOUR - 2, []],
    ];
    for (const [what, now, ahead, maturities] of cases) {
      it(what, () => {
        expect(
          dueAnnouncements('BTC/USD', [{ name: 'hourly', everyMs: HOUR }], now, ahead).map((e) => e.maturity),
        ).to.deep.equal(maturities);
      });
    }
  });

  describe('dlc configuration', () => {
    it('defaults to a disabled, tagged-v0, 20-bit BTC/USD oracle with hourly and daily events', () => {
      const c = dlcConfigSchema.parse({});
      expect(c).to.include({
        enabled: false,
        signingVersion: 'tagged-v0',
        base: 2,
        nbDigits: 20,
        precision: 0,
        unit: 'BTC/USD',
        isSigned: false,
      });
      expect(c.events).to.deep.equal(BOTH);
    });

    const bad: ReadonlyArray<[what: string, input: Record<string, unknown>, message: RegExp]> = [
      ['a period that is not whole seconds', { events: [{ name: 'odd', everyMs: 1500 }] }, /whole number of seconds/],
      [
        'two series with one name',
        {
          events: [
            { name: 'h', everyMs: HOUR },
            { name: 'h', everyMs: DAY },
          ],
        },
        /duplicate event name/,
      ],
      ['an unknown signing version', { signingVersion: 'v1' }, /signingVersion/],
      ['base 1', { base: 1 }, /base/],
      ['an unknown field', { nonceSecret: 'abc' }, /nonceSecret/],
      ['events more often than once a minute', { events: [{ name: 'fast', everyMs: 1000 }] }, /at least a minute/],
      [
        'a window of more than 1000 events',
        { events: [{ name: 'min', everyMs: 60_000 }], announceAheadMs: DAY },
        /more than 1000 events/,
      ],
    ];
    for (const [what, input, message] of bad) {
      it(`refuses ${what}`, () => {
        const result = dlcConfigSchema.safeParse(input);
        expect(result.success).to.equal(false);
        expect(JSON.stringify(result.error?.issues)).to.match(message);
      });
    }
  });
});
