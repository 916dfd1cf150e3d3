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

/** The /sources entry of an aggregation, its value an integer string at `exponent` (null when refused). */
function judgedReport(kind: MarketReport['kind'], outcome: IndexOutcome | FundingOutcome, value: bigint | null, exponent: number): MarketReport {
  return {
    kind,
    pair: outcome.pair,
    at: outcome.observedAt,
    ok: outcome.ok,
    price: value === null ? null : value.toString(),
    exponent,
    reason: outcome.ok ? null : outcome.reason,
    sources: outcome.verdicts.map(sourceReport),
  };
}

/** The /sources entry of the index or a conversion; prices at PRICE_EXPONENT. */
export function marketReport(kind: 'index_price' | 'conversion', outcome: IndexOutcome): MarketReport {
  return judgedReport(kind, outcome, outcome.ok ? outcome.price : null, PRICE_EXPONENT);
}

/**
 * The /sources entries of one funding tick: the rate (each perpetual's verdict, rates at
 * RATE_EXPONENT) and the premium (each contributing source, with its premium as `price`).
 */
export function fundingReports(outcome: FundingOutcome): MarketReport[] {
  const rate = judgedReport('funding_rate', outcome, outcome.ok ? outcome.rate : null, RATE_EXPONENT);
  const verdicts = new Map(outcome.verdicts.map((v) => [v.source, v]));
  const premium: MarketReport = {
    kind: 'perp_premium',
    pair: outcome.pair,
    at: outcome.observedAt,
    ok: outcome.premium.ok,
    price: outcome.premium.ok ? outcome.premium.value.toString() : null,
    exponent: RATE_EXPONENT,
    reason: outcome.premium.ok ? null : outcome.premium.reason,
    sources: outcome.premium.ok
      ? outcome.premium.contributions.map((c) => {
          const v = verdicts.get(c.source);
          return {
            source: c.source,
            verdict: 'accepted',
            reason: 'mark price over the spot index',
            quote: v?.quote ?? '',
            rawPrice: null,
            price: c.premium.toString(),
            exchangeTs: v?.exchangeTs ?? null,
            receivedAt: v?.receivedAt ?? null,
            ageMs: v?.ageMs ?? null,
            deviationBps: null,
          };
        })
      : [],
  };
  return [rate, premium];
}
