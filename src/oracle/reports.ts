/** Turns aggregator outcomes into the JSON-ready reports served by /sources. */
import { PRICE_EXPONENT } from '../core/fixed.js';
import type { IndexOutcome, SourceVerdict } from '../index/types.js';
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

/** The /sources entry of one aggregated market; prices are integer strings at PRICE_EXPONENT. */
export function marketReport(outcome: IndexOutcome): MarketReport {
  return {
    pair: outcome.pair,
    ok: outcome.ok,
    price: outcome.ok ? outcome.price.toString() : null,
    exponent: PRICE_EXPONENT,
    reason: outcome.ok ? null : outcome.reason,
    sources: outcome.verdicts.map(sourceReport),
  };
}
