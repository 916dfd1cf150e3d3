/**
 * A simulator scenario: per exchange and market, a price path over time, a spread, and faults
 * over time windows. Validated once (zod) into a typed value; prices become fixed-point
 * integers here so the simulator never computes with floats. Times are milliseconds since the
 * simulator started.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { PRICE_EXPONENT, RATE_EXPONENT, parseDecimal } from '../core/fixed.js';
import { VENUES } from './venues/index.js';

const ms = z.number().int().min(0);
/** When a fault applies: a window of scenario time and, optionally, one path (after /<exchange>, no query). */
const window = {
  fromMs: ms.default(0),
  toMs: ms.optional(),
  path: z
    .string()
    .regex(/^\/[^?]*$/, 'expected a request path such as "/fapi/v1/fundingInfo"')
    .optional(),
};

const faultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('latency'), ...window, delayMs: ms }).strict(),
  z.object({ kind: z.literal('http'), ...window, status: z.number().int().min(400).max(599) }).strict(),
  z.object({ kind: z.literal('timeout'), ...window }).strict(),
  z.object({ kind: z.literal('stale'), ...window, lagMs: ms }).strict(),
  z.object({ kind: z.literal('frozen'), ...window }).strict(),
  z
    .object({ kind: z.literal('malformed'), ...window, mode: z.enum(['brokenJson', 'missingFields', 'wrongTypes']) })
    .strict(),
]);

const pointSchema = z
  .object({
    atMs: ms,
    price: z
      .string()
      .regex(/^\d+(\.\d+)?$/, 'expected a positive decimal string such as "97000.5"')
      .transform((s) => parseDecimal(s, PRICE_EXPONENT)),
  })
  .strict();

const ratePointSchema = z
  .object({
    atMs: ms,
    rate: z
      .string()
      .regex(
        /^-?\d+(\.\d+)?$/,
        'expected a decimal string such as "0.0001" or "-0.00025" (a ratio per funding interval)',
      )
      .transform((s) => parseDecimal(s, RATE_EXPONENT)),
  })
  .strict();

const increasing = (pts: readonly { atMs: number }[]): boolean =>
  pts.every((p, i) => i === 0 || p.atMs > (pts[i - 1]?.atMs ?? -1));

/** A perpetual's funding: the rate per interval as the venue publishes it, over time. */
const fundingSchema = z
  .object({
    intervalMs: z
      .number()
      .int()
      .positive()
      .refine((v) => v % 3_600_000 === 0, { message: 'expected whole hours in ms, e.g. 28800000 for 8 h' })
      .default(8 * 60 * 60 * 1000),
    path: z
      .array(ratePointSchema)
      .min(1)
      .refine(increasing, { message: 'points must be in strictly increasing atMs order' }),
  })
  .strict();

const marketSchema = z
  .object({
    /** On a perpetual, `funding` is required and `path` is the mark price. */
    funding: fundingSchema.optional(),
    path: z
      .array(pointSchema)
      .min(1)
      .refine(increasing, { message: 'points must be in strictly increasing atMs order' }),
    spreadBps: z.number().int().min(0).max(10_000).default(2),
    /**
     * A quiet market: the last trade happened this long before each answer, so the venue's
     * last-trade fields (price, time) show it while its book (bid, ask, mark) is current.
     */
    lastTradeAgeMs: ms.default(0),
    faults: z.array(faultSchema).default([]),
  })
  .strict();

const exchangeSchema = z
  .object({
    /** Faults on every endpoint of the venue, markets listing included. */
    faults: z.array(faultSchema).default([]),
    markets: z.record(z.string(), marketSchema).default({}),
  })
  .strict();

const scenarioSchema = z
  .object({
    description: z.string().optional(),
    exchanges: z.record(z.string(), exchangeSchema),
  })
  .strict()
  .superRefine((s, ctx) => {
    for (const [id, ex] of Object.entries(s.exchanges)) {
      const venue = VENUES[id];
      if (!venue) {
        ctx.addIssue({
          code: 'custom',
          path: ['exchanges', id],
          message: `unsupported exchange; supported: ${Object.keys(VENUES).join(', ')}`,
        });
        continue;
      }
      for (const [symbol, market] of Object.entries(ex.markets)) {
        const path = ['exchanges', id, 'markets', symbol];
        const listed = venue.markets.find((m) => m.symbol === symbol);
        if (!listed) {
          const known = venue.markets.map((m) => m.symbol).join(', ');
          ctx.addIssue({ code: 'custom', path, message: `not simulated on ${id}; supported: ${known}` });
        } else if (listed.settle === undefined && market.funding) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'funding'],
            message: 'funding on a spot market; only perpetuals have it',
          });
        } else if (listed.settle !== undefined && !market.funding) {
          ctx.addIssue({ code: 'custom', path, message: 'a perpetual needs funding: {path: [{atMs, rate}]}' });
        } else if (
          market.funding &&
          listed.fixedIntervalMs !== undefined &&
          market.funding.intervalMs !== listed.fixedIntervalMs
        ) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'funding', 'intervalMs'],
            message: `${id} funds every ${listed.fixedIntervalMs} ms and ccxt assumes it; set intervalMs to ${listed.fixedIntervalMs}`,
          });
        }
      }
    }
  });

/** A validated scenario; prices are bigints at PRICE_EXPONENT. */
export type Scenario = z.output<typeof scenarioSchema>;
/** One fault over a time window [fromMs, toMs), toMs absent meaning "until the end"; on `path` only when set. */
export type Fault = z.output<typeof faultSchema>;
/** Price path, spread and faults of one simulated market. */
export type MarketScenario = z.output<typeof marketSchema>;
/** Funding interval and rate path (bigints at RATE_EXPONENT) of one simulated perpetual. */
export type FundingScenario = z.output<typeof fundingSchema>;

/** Validates a parsed JSON value. Throws ConfigError listing every problem with its path. */
export function parseScenario(raw: unknown): Scenario {
  const result = scenarioSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`invalid scenario:\n${problems.join('\n')}`);
  }
  return result.data;
}

/** Reads a JSON scenario file and validates it. Throws ConfigError when unreadable or invalid. */
export function loadScenario(path: string): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read scenario ${path}: ${(err as Error).message}`);
  }
  return parseScenario(raw);
}
