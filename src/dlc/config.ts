/**
 * The `dlc` section of the configuration (zod): which recurring events the DLC oracle announces,
 * how their numeric outcome is decomposed into digits, and where its own secret and journal live.
 * Validated once at start-up; the service receives the typed, frozen `DlcConfig`.
 */
import { z } from 'zod';
import { isPrecisionReadAlike } from './digits.js';

const ms = z.number().int().positive();

/** Events fall on multiples of everyMs since the epoch; whole seconds, since maturities are u32 seconds. */
const eventSeriesSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9]{1,16}$/, 'expected 1 to 16 lowercase letters or digits, such as "hourly"'),
    everyMs: ms
      .refine((v) => v % 1000 === 0, 'everyMs must be a whole number of seconds (a multiple of 1000)')
      // Each event costs a nonce derivation and signature per digit, in the oracle's own process.
      .refine((v) => v >= 60_000, 'everyMs must be at least a minute'),
  })
  .strict();

const DEFAULT_EVENTS = [
  { name: 'hourly', everyMs: 3_600_000 },
  { name: 'daily', everyMs: 86_400_000 },
];

/** The `dlc` configuration section; every field has a default, and `enabled` is false unless set. */
export const dlcConfigSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** How announcements and attestations are hashed before signing (see src/dlc/types.ts). */
    signingVersion: z.enum(['tagged-v0', 'plain-sha256']).default('tagged-v0'),
    base: z.number().int().min(2).max(36).default(2),
    /** 20 binary digits cover 0..1_048_575: BTC/USD in whole dollars. */
    nbDigits: z.number().int().min(1).max(64).default(20),
    /** Outcome value = digits * base^precision units (only base 10 may use a non-zero one); 0 is whole dollars. */
    precision: z.number().int().min(-8).max(18).default(0),
    unit: z
      .string()
      .regex(/^[A-Za-z0-9/_-]{1,16}$/, 'expected a short unit such as "BTC/USD"')
      .default('BTC/USD'),
    isSigned: z.boolean().default(false),
    events: z
      .array(eventSeriesSchema)
      .min(1)
      .default(DEFAULT_EVENTS)
      .refine((list) => new Set(list.map((e) => e.name)).size === list.length, { message: 'duplicate event name' }),
    /** Announce each event this long before its maturity. */
    announceAheadMs: ms.default(86_400_000),
    /** An index observed later than maturity + toleranceMs still settles, but is marked late. */
    toleranceMs: ms.default(60_000),
    /** How often the service announces and attests what is due. */
    passIntervalMs: ms.default(10_000),
    /** The dedicated nonce secret (mode 0600), separate from the oracle key. */
    nonceSecretFile: z.string().min(1).default('data/dlc-nonce.key'),
    /** Append-only journal of released outcomes; keep it off the database's backup cycle. */
    journalFile: z.string().min(1).default('journal/dlc-outcomes.jsonl'),
    /**
     * Days an attested event stays served after its maturity; then it is pruned (the journal keeps
     * it). Longer than price history: a DLC party may need its attestation well after maturity.
     */
    retentionDays: z.number().int().min(1).max(36_500).default(90),
  })
  .strict()
  .refine((c) => isPrecisionReadAlike(c.base, c.precision), {
    error: (issue) => {
      const { base, precision } = issue.input as { base: number; precision: number };
      return (
        `precision ${precision} with base ${base} is read as digits x ${base}^${precision} by bitcoin-s and ` +
        'dlcspecs, and ignored by node-dlc; use precision 0, or base 10, where bitcoin-s reads digits x ' +
        '10^precision as this oracle means it (see docs/DLC.md)'
      );
    },
    path: ['precision'],
  })
  .refine((c) => c.events.every((e) => c.announceAheadMs / e.everyMs <= 1_000), {
    message: 'announceAheadMs covers more than 1000 events of one series; announce less far ahead or less often',
    path: ['announceAheadMs'],
  });

export type DlcConfig = Readonly<z.output<typeof dlcConfigSchema>>;
