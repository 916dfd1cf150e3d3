/**
 * Funding in a round (docs/METHODOLOGY.md 8.6): the funding agreed since the funding start, from
 * the oracles' signed funding indices. Each oracle's latest index (`/funding-index`) is judged like
 * any quote; its anchor is its first index at or after the start (`/history`), pinned once in the
 * ledger. The agreed total is stableUsd x the median increase from anchor to latest
 * (./funding-increments.ts): it depends on those attestations only, never on when this client
 * polled, so after an outage of either peer both agree again as soon as they use the same quotes.
 * Without k usable oracles the stored total is kept and the next valid round catches up in full.
 */
import { verifyJson } from '../attest/json.js';
import type { SignedAttestation } from '../attest/types.js';
import { FUNDING_INDEX_EXPONENT, formatDecimal } from '../core/fixed.js';
import type { Logger } from '../core/log.js';
import type { ClientConfig } from './config.js';
import { FUNDING_USD_EXPONENT, fundingMsatAt, fundingUsd, medianIncrement } from './funding-increments.js';
import type { AppliedIndex, FundingState, RoundQuote, SettlementLedger } from './ledger-types.js';
import { judgeQuote } from './quote-checks.js';
import type { FetchedQuote, OracleEndpoint, QuoteRules } from './types.js';

export interface FundingPart {
  /** Funding agreed so far, as msat at this round's price (positive: the provider owes it). */
  readonly accruedMsat: bigint;
  /** The state to record with the round, or null when nothing changed. */
  readonly state: FundingState | null;
  /** The funding index attestations this round used: each oracle's latest and its anchor. */
  readonly used: readonly SignedAttestation[];
  readonly note: string;
  /** Each oracle's funding index quote, used or why not (none before funding starts accruing). */
  readonly quotes: readonly RoundQuote[];
}

interface Deps {
  config: ClientConfig;
  ledger: SettlementLedger;
  logger: Logger;
  fetchQuotes: (path: string) => Promise<FetchedQuote[]>;
}

const keyOf = (a: SignedAttestation): string => Buffer.from(a.publicKey).toString('hex');

const asMsat = (config: ClientConfig, state: FundingState, price: bigint): bigint =>
  fundingMsatAt(config.stableUsd, state, price);

export async function fundingPart(deps: Deps, price: bigint, now: number): Promise<FundingPart> {
  const stored = deps.ledger.funding();
  if (stored === null)
    return {
      accruedMsat: 0n,
      state: { accruedMsat: 0n, lastAt: now, since: now, indexUsd: 0n, oracles: new Map() },
      used: [],
      note: 'funding starts accruing now',
      quotes: [],
    };
  const { latest, checks } = await latestIndices(deps, now);
  const oracles = new Map(stored.oracles);
  await pinAnchors(deps, stored.since, latest, oracles);
  const used: SignedAttestation[] = [];
  const increments: bigint[] = [];
  for (const a of latest) {
    const applied = oracles.get(keyOf(a));
    if (applied === undefined || applied.anchor.observedAt > a.observedAt) {
      checks.set(keyOf(a), { accepted: false, reason: 'no anchor at or after the funding start yet' });
      continue;
    }
    increments.push(a.value - applied.anchor.value);
    used.push(a);
    if (applied.anchor.sequence !== a.sequence) used.push(applied.anchor); // at the start they are one
    oracles.set(keyOf(a), { ...applied, lastValue: a.value, lastAt: Number(a.observedAt) });
  }
  const median = medianIncrement(increments, deps.config.threshold);
  const quotes = deps.config.oracles.map((o): RoundQuote => {
    const check = checks.get(o.publicKey) as { accepted: boolean; reason: string };
    return { kind: 'funding_index', oracle: o.url, accepted: check.accepted && median.ok, reason: check.reason };
  });
  if (!median.ok)
    return {
      quotes,
      accruedMsat: asMsat(deps.config, stored, price),
      state: null,
      used: [],
      note: `no funding applied this round (${median.reason}); the next valid round catches up in full`,
    };
  const indexUsd = fundingUsd(deps.config.stableUsd, median.twiceMedian);
  const state = { ...stored, lastAt: Math.max(stored.lastAt, now), indexUsd, oracles };
  const accruedMsat = asMsat(deps.config, state, price);
  const shown = formatDecimal(indexUsd, FUNDING_USD_EXPONENT);
  return {
    accruedMsat,
    state,
    used,
    quotes,
    note:
      `funding since ${new Date(stored.since).toISOString()}: ${shown} USD from the index ` +
      `(${accruedMsat} msat at this price)`,
  };
}

interface Latest {
  /** Each oracle's latest funding index that passes every quote check. */
  readonly latest: SignedAttestation[];
  /** Per oracle key: its quote, or why it was left out (for the round's record). */
  readonly checks: Map<string, { accepted: boolean; reason: string }>;
}

/** Each oracle's latest funding index that passes every quote check, logged when it does not. */
async function latestIndices(deps: Deps, now: number): Promise<Latest> {
  const { config, ledger } = deps;
  const rules: QuoteRules = {
    kind: 'funding_index',
    pair: 'BTC/USD',
    exponent: FUNDING_INDEX_EXPONENT,
    maxAgeMs: config.fundingMaxQuoteAgeMs,
    threshold: config.threshold,
    maxSpreadBps: config.maxSpreadBps,
  };
  const fetched = await deps.fetchQuotes('/funding-index');
  // An index signed once a minute serves several rounds: the last accepted sequence may come again.
  const lastSequence = (key: string) => {
    const last = ledger.lastSequence(key, 'funding_index');
    return last === null ? null : last - 1n;
  };
  const checks: Latest['checks'] = new Map();
  const latest = config.oracles.flatMap((o, i) => {
    const verdict = judgeQuote(o, fetched[i] as FetchedQuote, rules, BigInt(now), lastSequence);
    if (verdict.ok) {
      const a = verdict.attestation;
      const shown = formatDecimal(a.value, a.exponent);
      checks.set(o.publicKey, { accepted: true, reason: `funding_index ${shown} (sequence ${a.sequence})` });
      return [a];
    }
    checks.set(o.publicKey, { accepted: false, reason: verdict.reason });
    deps.logger.warn({ oracle: o.url, path: '/funding-index', reason: verdict.reason }, 'quote not used');
    return [];
  });
  return { latest, checks };
}

/** Where an oracle serves its first funding index at or after `since` (ms): a /history page of one. */
export const anchorPath = (since: number): string => `/history?kind=funding_index&from=${since}&limit=1`;

/** Pins the anchor of each oracle in `latest` that has none yet: its first index at or after `since`. */
async function pinAnchors(
  deps: Deps,
  since: number,
  latest: readonly SignedAttestation[],
  oracles: Map<string, AppliedIndex>,
): Promise<void> {
  if (latest.every((a) => oracles.has(keyOf(a)))) return;
  const pages = await deps.fetchQuotes(anchorPath(since));
  deps.config.oracles.forEach((o: OracleEndpoint, i) => {
    if (oracles.has(o.publicKey)) return;
    const anchor = firstOfPage(pages[i] as FetchedQuote, o.publicKey, since);
    if (anchor === null) return;
    oracles.set(o.publicKey, { anchor, lastValue: anchor.value, lastAt: Number(anchor.observedAt) });
  });
}

/** The first attestation of a /history page if it is this oracle's funding index at or after `since`. */
function firstOfPage(page: FetchedQuote, publicKey: string, since: number): SignedAttestation | null {
  if (!page.ok || typeof page.body !== 'object' || page.body === null) return null;
  const first = (page.body as { attestations?: unknown }).attestations;
  if (!Array.isArray(first) || first.length === 0) return null;
  try {
    const a = verifyJson(first[0], publicKey);
    const ok = a.kind === 'funding_index' && a.pair === 'BTC/USD' && a.exponent === FUNDING_INDEX_EXPONENT;
    return ok && a.observedAt >= BigInt(since) ? a : null;
  } catch {
    return null;
  }
}
