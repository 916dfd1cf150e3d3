/**
 * The settlement agreement and the client's own settings, validated once at start-up. Amounts are
 * decimal strings (USD) or integer strings (msat) in the file, bigint after validation. Lightning
 * credentials are named by file path only: never on the command line, never in this file.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { PRICE_EXPONENT, RATE_EXPONENT, parseDecimal } from '../core/fixed.js';
import { isNostrSource, parseNostrSource } from '../nostr/source-url.js';

const msat = z
  .string()
  .regex(/^(0|[1-9]\d*)$/, 'expected millisatoshis as an integer string, e.g. "1000"')
  .transform((s) => BigInt(s));
const ms = z.number().int().positive();
/** An instant as ISO 8601 UTC to the second (or ms), e.g. "2026-12-01T00:00:00Z": unix ms after validation. */
const utcTime = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/,
    'expected an ISO 8601 UTC time such as "2026-12-01T00:00:00Z"',
  )
  .transform((s, ctx) => {
    const at = Date.parse(s);
    // Date.parse rolls "2026-02-30" over to March: only a time that prints back as written is one.
    const same = Number.isFinite(at) && new Date(at).toISOString().slice(0, 19) === s.slice(0, 19);
    if (!same) ctx.addIssue({ code: 'custom', message: `"${s}" is not a real UTC time` });
    return at;
  });
const hex32 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 32 bytes as 64 lowercase hex characters');

const lightningSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('cln-rpc'), socket: z.string().min(1) }).strict(),
  /** Run inside Core Lightning as its plugin (peer-stables plugin): the node given by lightningd's rpc-file. */
  z.object({ kind: z.literal('cln-plugin') }).strict(),
  z
    .object({
      kind: z.literal('cln-rest'),
      url: z.string().url(),
      runeFile: z.string().min(1),
      caFile: z.string().min(1).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('lnd-rest'),
      url: z.string().url(),
      macaroonFile: z.string().min(1),
      caFile: z.string().min(1).optional(),
    })
    .strict(),
]);

/** An oracle is an http(s) base URL, or a Nostr relay and the oracle's Nostr key (src/nostr/source.ts). */
function checkOracleUrl(url: string, ctx: z.RefinementCtx): void {
  if (!isNostrSource(url)) return;
  try {
    parseNostrSource(url);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
}

export const clientConfigSchema = z
  .object({
    role: z.enum(['receiver', 'provider']),
    /** The USD value the receiver's balance keeps, e.g. "100.00". */
    stableUsd: z
      .string()
      .regex(/^\d+(\.\d{1,8})?$/, 'expected a USD amount such as "100.00"')
      .transform((s) => parseDecimal(s, PRICE_EXPONENT))
      .refine((v) => v > 0n, 'must be positive'),
    channel: z
      .object({
        id: z.string().min(1),
        peerId: z.string().regex(/^0[23][0-9a-f]{64}$/, 'expected a 33-byte compressed node id in hex'),
      })
      .strict(),
    /**
     * At most 100, and 85 with funding: a round commits to at most 255 attestations (one byte of
     * count), an index quote per oracle and, with funding, each oracle's latest index and its anchor.
     */
    oracles: z
      .array(z.object({ url: z.string().url().superRefine(checkOracleUrl), publicKey: hex32 }).strict())
      .min(1)
      .max(100),
    /** k of n: valid quotes needed to act. */
    threshold: z.number().int().min(1),
    maxQuoteAgeMs: ms.default(60_000),
    /** The round acts on the largest set of at least `threshold` valid quotes agreeing within this, in bps of its median. */
    maxSpreadBps: z.number().int().min(0).max(10_000).default(50),
    minPaymentMsat: msat.default(1000n),
    intervalMs: ms.default(60_000),
    maxFeeMsat: msat.default(10_000n),
    paymentTimeoutMs: ms.default(30_000),
    /** How long the side that expects money waits before counting a miss against the peer. */
    receiptGraceMs: ms.default(180_000),
    /** Apply funding from the oracles' signed funding index (provider pays receiver while it rises). */
    funding: z.boolean().default(false),
    /**
     * When funding starts, part of the agreement: the same in both peers' files (docs/METHODOLOGY.md
     * 8.6). Each oracle's anchor is its first funding index at or after it. Required with funding.
     */
    fundingStart: utcTime.optional(),
    /**
     * Funding index quotes' own age limit (signed once a minute). fundingMaxSpread: no longer used
     * (funding comes from the index, combined by median), kept so existing files stay valid.
     */
    fundingMaxQuoteAgeMs: ms.default(180_000),
    fundingMaxSpread: z
      .string()
      .regex(/^\d+(\.\d+)?$/, 'expected a rate per 8 h such as "0.0001"')
      .transform((s) => parseDecimal(s, RATE_EXPONENT))
      .default(1_000_000n),
    /**
     * Refuse to pay more than this in one round (msat); a larger debt means a wrong agreement or a
     * market move to look at before money moves. Absent: no cap.
     */
    maxPaymentMsat: msat.optional(),
    /**
     * What to do while the channel has moved by an amount no settlement explains (a forward, another
     * keysend, an HTLC held in flight, a fee update) that differs from the last one the operator
     * acknowledged: "pause" pays nothing until `peer-stables acknowledge`; "continue" pays what is
     * owed. Either way the unexplained amount is never part of what is owed.
     */
    onUnexplained: z.enum(['pause', 'continue']).default('pause'),
    /** Serve Prometheus metrics of the settle daemon here (off when absent; 127.0.0.1 recommended). */
    metrics: z
      .object({ host: z.string().min(1), port: z.number().int().min(0).max(65_535) })
      .strict()
      .optional(),
    ledgerFile: z.string().min(1).default('data/settle.sqlite3'),
    lightning: lightningSchema,
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .strict()
      .default({ level: 'info' }),
  })
  .strict()
  .refine((c) => c.threshold <= c.oracles.length, {
    message: 'threshold exceeds the number of oracles',
    path: ['threshold'],
  })
  .refine((c) => new Set(c.oracles.map((o) => o.publicKey)).size === c.oracles.length, {
    message: 'two oracles share a public key: they are one oracle',
    path: ['oracles'],
  })
  .refine((c) => !c.funding || c.oracles.length <= 85, {
    message: 'at most 85 oracles with funding on: a round commits to 3 attestations per oracle, 255 at most',
    path: ['oracles'],
  })
  .refine((c) => !c.funding || c.fundingStart !== undefined, {
    message: "funding needs fundingStart, the agreed start (ISO 8601 UTC, the same in both peers' files)",
    path: ['fundingStart'],
  })
  .refine((c) => c.funding || c.fundingStart === undefined, {
    message: 'fundingStart is set but funding is off: set funding to true, or remove fundingStart',
    path: ['fundingStart'],
  })
  // Funding pins each oracle's first funding index at or after the start from its /history; a relay
  // keeps only the newest figure, so through one the anchor would never be found and funding would stall.
  .refine((c) => !c.funding || !c.oracles.some((o) => isNostrSource(o.url)), {
    message:
      'funding needs every oracle over HTTP: its funding index anchor comes from /history, which a relay does not carry',
    path: ['funding'],
  });

export type ClientConfig = Readonly<z.output<typeof clientConfigSchema>>;
export type LightningConfig = z.output<typeof lightningSchema>;

/** Validates a parsed JSON value; throws ConfigError listing every problem with its path. */
export function parseClientConfig(raw: unknown): ClientConfig {
  const result = clientConfigSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`invalid settlement configuration:\n${problems.join('\n')}`);
  }
  return Object.freeze(result.data);
}

/** Reads and validates a settlement configuration file. */
export function loadClientConfig(path: string): ClientConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code
        ? `cannot read settlement configuration ${path}: ${code}`
        : `settlement configuration ${path} is not valid JSON`,
    );
  }
  return parseClientConfig(raw);
}
