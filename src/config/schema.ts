/**
 * The oracle's configuration, validated once at start-up (zod); the rest of the code receives the
 * typed, frozen `OracleConfig`. Prices in config files are decimal strings in USD (e.g. "1000"),
 * converted here to fixed-point at PRICE_EXPONENT, so no float reaches the core.
 */
import { z } from 'zod';
import { PeerStablesError } from '../core/errors.js';
import { PRICE_EXPONENT, RATE_EXPONENT, parseDecimal } from '../core/fixed.js';
import { dlcConfigSchema } from '../dlc/config.js';
import { checkPollingTimings } from '../feeds/poller.js';
import { sourceId, type SourceSpec } from '../feeds/types.js';
import { checkIndexRules } from '../index/aggregate.js';
import { checkFundingRules } from '../index/funding.js';
import { nostrConfigSchema } from '../nostr/config.js';

const decimalPrice = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'expected a positive decimal string such as "1000" or "0.95"')
  .transform((s) => parseDecimal(s, PRICE_EXPONENT));

const decimalRate = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, 'expected a decimal string such as "0.0005" or "-0.01" (a ratio per 8 hours)')
  .transform((s) => parseDecimal(s, RATE_EXPONENT));

const ms = z.number().int().positive();

/**
 * A refinement that runs one of the core's own rule checks, so the configuration refuses exactly
 * what the core would throw on later (in a tick, or half-way through start-up).
 */
function byCoreCheck<T>(check: (value: T) => void): (value: T, ctx: z.RefinementCtx) => void {
  return (value, ctx) => {
    try {
      check(value);
    } catch (err) {
      if (!(err instanceof PeerStablesError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message });
    }
  };
}

const rulesSchema = z
  .object({
    maxAgeMs: ms.default(30_000),
    maxExchangeAgeMs: ms.default(60_000),
    maxFutureSkewMs: ms.default(5_000),
    minPrice: decimalPrice,
    maxPrice: decimalPrice,
    maxDeviationBps: z.number().int().min(1).max(10_000).default(100),
    quorum: z.number().int().min(1).default(3),
    frozenAfterMs: ms.default(60_000),
    frozenMoveBps: z.number().int().min(1).max(10_000).default(20),
  })
  .strict()
  .superRefine(byCoreCheck(checkIndexRules));

const sourceSchema = z
  .object({
    exchange: z.string().regex(/^[a-z0-9]+$/, 'expected a ccxt exchange id such as "kraken"'),
    symbol: z.string().regex(/^[A-Z0-9]+\/[A-Z0-9]+(:[A-Z0-9]+)?$/, 'expected a ccxt unified symbol such as "BTC/USD"'),
  })
  .strict();

/** What every list of sources must satisfy: a quorum it can reach, and no source twice. */
function checkSourceList(m: { sources: readonly SourceSpec[]; rules: { quorum: number } }, ctx: z.RefinementCtx): void {
  if (m.rules.quorum > m.sources.length)
    ctx.addIssue({ code: 'custom', message: 'quorum exceeds the number of sources' });
  if (new Set(m.sources.map(sourceId)).size !== m.sources.length)
    ctx.addIssue({ code: 'custom', message: 'duplicate source' });
}

const marketSchema = z
  .object({
    sources: z.array(sourceSchema).min(1),
    rules: rulesSchema,
  })
  .strict()
  .superRefine(checkSourceList);

const fundingRulesSchema = z
  .object({
    maxAgeMs: ms.default(120_000),
    maxExchangeAgeMs: ms.default(600_000),
    maxFutureSkewMs: ms.default(5_000),
    minRate: decimalRate,
    maxRate: decimalRate,
    maxDeviation: decimalRate,
    quorum: z.number().int().min(1).default(3),
    premiumQuorum: z.number().int().min(1).default(2),
    frozenAfterMs: ms.default(600_000),
    frozenMove: decimalRate.prefault('0.0005'),
    minPremium: decimalRate.prefault('-0.05'),
    maxPremium: decimalRate.prefault('0.05'),
    maxPremiumDeviation: decimalRate.prefault('0.005'),
  })
  .strict()
  .superRefine(byCoreCheck(checkFundingRules))
  // The core accepts 0 for these (only exact agreement counts); as a setting it is a mistake.
  .refine((r) => r.maxDeviation > 0n, { message: 'maxDeviation must be positive' })
  .refine((r) => r.maxPremiumDeviation > 0n, { message: 'maxPremiumDeviation must be positive' });

const fundingSchema = z
  .object({
    /** The underlying the perpetuals track; the funding attestations carry it as their pair. */
    pair: z.string().regex(/^[A-Z0-9]+\/[A-Z0-9]+$/),
    /** Funding moves slowly: it is signed on its own, slower cadence. */
    tickIntervalMs: ms.default(60_000),
    /** How often each perpetual is polled; the other polling settings are shared with the index. */
    pollIntervalMs: ms.default(15_000),
    sources: z.array(sourceSchema).min(1),
    rules: fundingRulesSchema,
  })
  .strict()
  .superRefine(checkSourceList);

const exchangeSchema = z
  .object({
    /**
     * Replaces the scheme and host of every URL in ccxt's `urls.api` with this prefix, keeping
     * each path: a mirror, or a local simulator in tests.
     */
    baseUrl: z.string().url().optional(),
    /** Extra ccxt constructor options (e.g. `{"defaultType": "spot"}`), passed through as given. */
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export const configSchema = z
  .object({
    oracle: z
      .object({
        keyFile: z.string().min(1).default('data/oracle.key'),
        dataDir: z.string().min(1).default('data'),
        tickIntervalMs: ms.default(5_000),
      })
      .strict()
      .prefault({}),
    index: marketSchema.and(z.object({ pair: z.string().regex(/^[A-Z0-9]+\/[A-Z0-9]+$/) })),
    /** Quote currencies to convert into the index quote, each from its own observed market. */
    conversions: z.record(z.string().regex(/^[A-Z0-9]+$/), marketSchema).default({}),
    /** Signed funding rates of BTC perpetuals; omit to run a price-only oracle. */
    funding: fundingSchema.optional(),
    /** DLC oracle: recurring BTC/USD fixings announced ahead and attested at maturity (off unless enabled). */
    dlc: dlcConfigSchema.prefault({}),
    /** Publishing on Nostr relays: none unless relays are listed (docs/PROTOCOL.md, "Nostr"). */
    nostr: nostrConfigSchema.prefault({}),
    exchanges: z.record(z.string(), exchangeSchema).default({}),
    polling: z
      .object({
        intervalMs: ms.default(2_000),
        timeoutMs: ms.default(4_000),
        backoffInitialMs: ms.default(1_000),
        backoffMaxMs: ms.default(60_000),
      })
      .strict()
      .superRefine(byCoreCheck(checkPollingTimings))
      .prefault({}),
    store: z
      .object({
        retentionDays: z.number().int().min(1).default(30),
        historyCacheSize: z.number().int().min(1).default(10_000),
      })
      .strict()
      .prefault({}),
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65_535).default(8080),
        trustProxy: z.union([z.boolean(), z.number().int(), z.string()]).default(false),
        rateLimit: z
          .object({ windowMs: ms.default(60_000), max: z.number().int().min(1).default(1_200) })
          .strict()
          .prefault({}),
        maxHistoryLimit: z.number().int().min(1).max(10_000).default(1_000),
        /** Concurrent /stream connections; each costs a socket and a little memory. */
        maxStreams: z.number().int().min(1).max(100_000).default(1_000),
        maxStreamsPerClient: z.number().int().min(1).max(100_000).default(20),
      })
      .strict()
      .prefault({}),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .strict()
      .prefault({}),
  })
  .strict();

export type OracleConfig = Readonly<z.output<typeof configSchema>>;
export type IndexRulesConfig = z.output<typeof rulesSchema>;
export type MarketConfig = z.output<typeof marketSchema>;
export type FundingConfig = z.output<typeof fundingSchema>;
export type ExchangeConfig = z.output<typeof exchangeSchema>;
