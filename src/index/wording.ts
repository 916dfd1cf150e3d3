/**
 * How the aggregator words numbers in verdict reasons. Operators read these on /sources, so they
 * show real units ("41.2 s", "3.42%", "97000.00") and are computed from integers only, so the same
 * inputs always give the same text on every oracle.
 */
import { PRICE_EXPONENT, RATE_EXPONENT, formatDecimal } from '../core/fixed.js';

/** Milliseconds as seconds with one decimal, truncated ("41.2 s"); whole seconds print bare ("30 s"). */
export function seconds(ms: number): string {
  const negative = ms < 0;
  const a = Math.abs(Math.trunc(ms));
  const whole = Math.trunc(a / 1000);
  const tenth = Math.trunc((a % 1000) / 100);
  const text = a % 1000 === 0 ? `${whole} s` : `${whole}.${tenth} s`;
  return negative ? `-${text}` : text;
}

/** Basis points as a percentage with two decimals (342 -> "3.42%"). */
export function percent(bps: number | bigint): string {
  return `${formatDecimal(BigInt(bps), -2)}%`;
}

/**
 * A price at PRICE_EXPONENT with trailing zeros trimmed but at least two decimals, so BTC reads
 * "97000.00" and a stablecoin rate keeps its digits ("0.9998").
 */
export function price(mantissa: bigint): string {
  const full = formatDecimal(mantissa, PRICE_EXPONENT);
  return full.replace(/(\.\d\d\d*?)0+$/, '$1');
}

/**
 * A ratio at RATE_EXPONENT as a percentage with trailing zeros trimmed but at least four decimals,
 * the precision venues publish funding in (1_230_000n -> "0.0123%", -75_000_000n -> "-0.7500%").
 */
export function ratePercent(mantissa: bigint): string {
  const full = formatDecimal(mantissa, RATE_EXPONENT + 2);
  return `${full.replace(/(\.\d{4}\d*?)0+$/, '$1')}%`;
}
