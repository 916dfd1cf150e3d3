/**
 * Funding in a round (docs/METHODOLOGY.md 8.6): the total agreed so far, with this round's accrual
 * at the signed rate over the time since the last accrual. The stored time only moves forward and
 * the elapsed time is never negative, so a clock stepped back never accrues one interval twice.
 * Without valid quotes nothing accrues and the time is kept, so the next valid round covers it.
 */
import type { SignedAttestation } from '../attest/types.js';
import { formatDecimal } from '../core/fixed.js';
import type { Logger } from '../core/log.js';
import type { ClientConfig } from './config.js';
import type { FundingState, RoundQuote, SettlementLedger } from './ledger-types.js';
import { roundQuotes } from './round-quotes.js';
import { fundingTransfer, targetReceiverMsat } from './stable-math.js';
import type { FetchedQuote } from './types.js';

export interface FundingPart {
  /** Funding agreed so far including this round's accrual, msat (positive: the provider owes it). */
  readonly accruedMsat: bigint;
  /** The state to record with the round, or null when nothing changed. */
  readonly state: FundingState | null;
  /** The funding attestations this round used. */
  readonly used: readonly SignedAttestation[];
  readonly note: string;
  /** Each oracle's funding quote, used or why not (none before funding starts accruing). */
  readonly quotes: readonly RoundQuote[];
}

export async function fundingPart(
  deps: {
    config: ClientConfig;
    ledger: SettlementLedger;
    logger: Logger;
    fetchQuotes: (path: '/price' | '/funding') => Promise<FetchedQuote[]>;
  },
  price: bigint,
  now: number,
): Promise<FundingPart> {
  const stored = deps.ledger.funding();
  if (stored === null)
    return {
      accruedMsat: 0n,
      state: { accruedMsat: 0n, lastAt: now },
      used: [],
      note: 'funding starts accruing now',
      quotes: [],
    };
  const { selection } = await roundQuotes(deps, 'funding_rate', now);
  const quotes = selection.checks.map((c) => ({ kind: 'funding_rate' as const, ...c }));
  if (!selection.ok)
    return {
      quotes,
      accruedMsat: stored.accruedMsat,
      state: null,
      used: [],
      note: `no funding accrued this round (${selection.reason}); the next valid round covers this time`,
    };
  const elapsedMs = BigInt(Math.max(0, now - stored.lastAt));
  const added = fundingTransfer({
    notionalMsat: targetReceiverMsat(deps.config.stableUsd, price),
    rate: selection.value,
    rateExponent: selection.exponent,
    elapsedMs,
  });
  const accruedMsat = stored.accruedMsat + added;
  return {
    accruedMsat,
    state: { accruedMsat, lastAt: Math.max(stored.lastAt, now) },
    used: selection.accepted,
    quotes,
    note:
      `funding ${added} msat for ${elapsedMs} ms at ${formatDecimal(selection.value, selection.exponent)} per 8 h ` +
      `(${accruedMsat} msat agreed so far)`,
  };
}
