/**
 * A simulator scenario: per exchange and market, a price path over time, a spread, and faults
 * over time windows. Validated once (zod) into a typed value; prices become fixed-point
 * integers here so the simulator never computes with floats. Times are milliseconds since the
 * simulator started.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { PRICE_EXPONENT, parseDecimal } from '../core/fixed.js';
import { VENUES } from './venues/index.js';

const ms = z.number().int().min(0);
const window = { fromMs: ms.default(0), toMs: ms.optional() };

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

const marketSchema = z
  .object({
    path: z
      .array(pointSchema)
      .min(1)
      .refine((pts) => pts.every((p, i) => i === 0 || p.atMs > (pts[i - 1]?.atMs ?? -1)), {
        message: 'points must be in strictly increasing atMs order',
      }),
    spreadBps: z.number().int().min(0).max(10_000).default(2),
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
        ctx.addIssue({ code: 'custom', path: ['exchanges', id], message: `unsupported exchange; supported: ${Object.keys(VENUES).join(', ')}` });
        continue;
      }
      for (const symbol of Object.keys(ex.markets)) {
        if (!venue.markets.some((m) => m.symbol === symbol)) {
          const known = venue.markets.map((m) => m.symbol).join(', ');
          ctx.addIssue({ code: 'custom', path: ['exchanges', id, 'markets', symbol], message: `not simulated on ${id}; supported: ${known}` });
        }
      }
    }
  });

/** A validated scenario; prices are bigints at PRICE_EXPONENT. */
export type Scenario = z.output<typeof scenarioSchema>;
/** One fault over a time window [fromMs, toMs), toMs absent meaning "until the end". */
export type Fault = z.output<typeof faultSchema>;
/** Price path, spread and faults of one simulated market. */
export type MarketScenario = z.output<typeof marketSchema>;

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

