/** Turns aggregation outcomes into the JSON-ready reports served by /sources. */
import { PRICE_EXPONENT, RATE_EXPONENT } from '../core/fixed.js';
import type { FundingOutcome, IndexOutcome, SourceVerdict } from '../index/types.js';
import type { MarketReport, SourceReport } from '../server/types.js';

function sourceReport(v: SourceVerdict): SourceReport {
  return {
    source: v.source,
    verdict: v.verdict,
    reason: v.reason,
    quote: v.quote,
    rawPrice: v.rawPrice === null ? null : v.rawPrice.toString(),
    price: v.price === null ? null : v.price.toString(),
    exchangeTs: v.exchangeTs,
    receivedAt: v.receivedAt,
    ageMs: v.ageMs,
    deviationBps: v.deviationBps,
  };
}

/** The /sources entry of one figure, its value an integer string at `exponent` (null when refused). */
function judgedReport(
  kind: MarketReport['kind'],
  outcome: { readonly pair: string; readonly observedAt: number },
  judged: { readonly ok: boolean; readonly reason?: string; readonly verdicts: readonly SourceVerdict[] },
  value: bigint | null,
  exponent: number,
): MarketReport {
  return {
    kind,
    pair: outcome.pair,
    at: outcome.observedAt,
    ok: judged.ok,
    price: value === null ? null : value.toString(),
    exponent,
    reason: judged.ok ? null : (judged.reason ?? null),
    sources: judged.verdicts.map(sourceReport),
  };
}

/** The /sources entry of the index or a conversion; prices at PRICE_EXPONENT. */
export function marketReport(kind: 'index_price' | 'conversion', outcome: IndexOutcome): MarketReport {
  return judgedReport(kind, outcome, outcome, outcome.ok ? outcome.price : null, PRICE_EXPONENT);
}

/**
 * The /sources entries of one funding tick: the rate (each perpetual's verdict, rates at
 * RATE_EXPONENT) and the premium (each perpetual's verdict on its mark: the mark as `rawPrice`
 * at PRICE_EXPONENT, its premium as `price` at RATE_EXPONENT).
 */
export function fundingReports(outcome: FundingOutcome): MarketReport[] {
  const { premium } = outcome;
  return [
    judgedReport('funding_rate', outcome, outcome, outcome.ok ? outcome.rate : null, RATE_EXPONENT),
    judgedReport('perp_premium', outcome, premium, premium.ok ? premium.value : null, RATE_EXPONENT),
  ];
}
