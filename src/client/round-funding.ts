/**
 * Funding in a round (docs/METHODOLOGY.md 8.6): the funding agreed since the agreed funding start
 * (`fundingStart`, the same in both peers' files), from the oracles' signed funding indices. Each
 * oracle's latest index (`/funding-index`) is judged like any quote; its anchor is its first index
 * at or after the start (./funding-anchors.ts), pinned once in the ledger. The agreed total is stableUsd x the median increase from anchor to latest
 * (./funding-increments.ts): it depends on those attestations only, never on when this client
 * polled, so after an outage of either peer both agree again as soon as they use the same quotes.
 * Without k usable oracles the stored total is kept and the next valid round catches up in full.
 */
import { attestationDigest } from '../attest/sign.js';
import type { SignedAttestation } from '../attest/types.js';
import { FUNDING_INDEX_EXPONENT, formatDecimal } from '../core/fixed.js';
import type { Logger } from '../core/log.js';
import type { ClientConfig } from './config.js';
import { pinAnchors } from './funding-anchors.js';
import {
  FUNDING_USD_EXPONENT,
  fundingMsatAt,
  fundingUsd,
  maxPlausibleIncrease,
  medianIncrement,
} from './funding-increments.js';
import type { AppliedIndex, FundingState, RoundQuote, SettlementLedger } from './ledger-types.js';
import { judgeQuote } from './quote-checks.js';
import type { FetchedQuote, QuoteRules } from './types.js';

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
  /** Why the round must not settle at all (the ledger's funding start is not the agreed one). */
  readonly refused?: string;
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
  const since = deps.config.fundingStart as number; // config requires it with funding
  const start = new Date(since).toISOString();
  const stored = deps.ledger.funding();
  if (stored !== null && stored.since !== null && stored.since !== since) return startChanged(stored.since, since);
  if (stored !== null && stored.since === null && since < stored.lastAt) return startOverlaps(stored.lastAt, since);
  if (now < since)
    return {
      accruedMsat: stored === null ? 0n : asMsat(deps.config, stored, price),
      state: null,
      used: [],
      note: `funding starts at ${start} (fundingStart): none accrues before`,
      quotes: [],
    };
  const base = { ...(stored ?? { accruedMsat: 0n, lastAt: now, indexUsd: 0n, oracles: new Map() }), since };
  const { latest, checks } = await latestIndices(deps, now);
  const oracles = new Map(base.oracles);
  const noAnchor = await pinAnchors(deps.config, deps.fetchQuotes, since, latest, oracles);
  const used: SignedAttestation[] = [];
  const increments: bigint[] = [];
  for (const a of latest) {
    const applied = oracles.get(keyOf(a));
    if (applied === undefined || applied.anchor.observedAt > a.observedAt) {
      const reason = noAnchor.get(keyOf(a)) ?? 'no anchor at or after the funding start yet';
      checks.set(keyOf(a), { accepted: false, reason });
      deps.logger.warn({ oracle: keyOf(a), reason }, 'funding index not used');
      continue;
    }
    const increase = a.value - applied.anchor.value;
    const elapsed = a.observedAt - applied.anchor.observedAt;
    if ((increase < 0n ? -increase : increase) > maxPlausibleIncrease(elapsed)) {
      const reason =
        `funding index moved ${formatDecimal(increase, FUNDING_INDEX_EXPONENT)} per USD in ${elapsed} ms since ` +
        'its anchor, beyond 2 % per 8 h: a restarted or faulty index, not funding';
      checks.set(keyOf(a), { accepted: false, reason });
      deps.logger.warn({ oracle: keyOf(a), reason }, 'funding index not used');
      continue;
    }
    increments.push(increase);
    used.push(a);
    // At the start the anchor is the latest itself: the same attestation (same digest) is used once.
    if (!sameAttestation(applied.anchor, a)) used.push(applied.anchor);
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
      accruedMsat: stored === null ? 0n : asMsat(deps.config, stored, price),
      state: null,
      used: [],
      note: `no funding applied this round (${median.reason}); the next valid round catches up in full`,
    };
  const indexUsd = fundingUsd(deps.config.stableUsd, median.twiceMedian);
  const state = { ...base, lastAt: Math.max(base.lastAt, now), indexUsd, oracles };
  const accruedMsat = asMsat(deps.config, state, price);
  const shown = formatDecimal(indexUsd, FUNDING_USD_EXPONENT);
  return {
    accruedMsat,
    state,
    used,
    quotes,
    note: `funding since ${start}: ${shown} USD from the index (${accruedMsat} msat at this price)`,
  };
}

/** A ledger of an earlier version accrued from rates until `lastAt`: the index must not pay that time again. */
function startOverlaps(lastAt: number, configured: number): FundingPart {
  return refusal(
    `funding start overlaps: this ledger (from an earlier version) accrued funding from rates until ` +
      `${new Date(lastAt).toISOString()}, fundingStart is ${new Date(configured).toISOString()}, before it; ` +
      'agree with the peer a fundingStart at or after that time, or both start a new ledger (ledgerFile)',
  );
}

const refusal = (refused: string): FundingPart => ({
  accruedMsat: 0n,
  state: null,
  used: [],
  quotes: [],
  note: '',
  refused,
});

const sameAttestation = (a: SignedAttestation, b: SignedAttestation): boolean =>
  Buffer.from(attestationDigest(a)).equals(Buffer.from(attestationDigest(b)));

/**
 * A ledger whose funding started elsewhere (an earlier version started at its own first round, or
 * the file changed): mixing the two would pay funding from a start the peer does not use.
 */
function startChanged(stored: number, configured: number): FundingPart {
  const was = new Date(stored).toISOString();
  const set = new Date(configured).toISOString();
  return refusal(
    `funding start changed: this ledger accrues funding since ${was}, fundingStart is ${set}; the start ` +
      'is part of the agreement and cannot change under a ledger. Put fundingStart back, or settle up with ' +
      'the peer and both start a new ledger (ledgerFile) from the agreed fundingStart (docs/METHODOLOGY.md 8.6)',
  );
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
