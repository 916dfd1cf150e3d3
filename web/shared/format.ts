/**
 * How both dashboards write numbers and times. Amounts arrive as integer strings (msat, or a
 * mantissa at a stated exponent) and are written from those digits, never through a float; times
 * are UTC. The browser tests format the JSON they compare with through these same functions.
 */
import { formatDecimal } from '../../src/core/fixed.js';

export { formatDecimal };

/** Groups the integer part in threes: "97012.34" -> "97,012.34". */
export function groupDigits(decimal: string): string {
  const [whole = '', fraction] = decimal.split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  const digits = sign === '' ? whole : whole.slice(1);
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}

/** `mantissa × 10^exponent` rounded half away from zero to `places` decimals, as text. */
export function roundTo(mantissa: bigint, exponent: number, places: number): string {
  const shift = -exponent - places;
  if (shift <= 0) return formatDecimal(mantissa * 10n ** BigInt(-shift), -places);
  const unit = 10n ** BigInt(shift);
  const negative = mantissa < 0n;
  const abs = negative ? -mantissa : mantissa;
  const rounded = (abs + unit / 2n) / unit;
  return formatDecimal(negative ? -rounded : rounded, -places);
}

/** A price or USD amount at exponent -8 (a decimal string or mantissa) as "97,012.34". */
export function usd(mantissa: bigint | string, exponent = -8): string {
  return groupDigits(roundTo(BigInt(mantissa), exponent, 2));
}

/** A ratio at `exponent` (a funding rate, a premium) as a percentage with 4 decimals: "0.0100 %". */
export function percent(mantissa: bigint | string, exponent: number): string {
  return `${roundTo(BigInt(mantissa), exponent + 2, 4)} %`;
}

/** Millisatoshis as whole satoshis with grouping, rounded: "1,234,567 sat". */
export function sats(msat: bigint | string): string {
  return `${groupDigits(roundTo(BigInt(msat), -3, 0))} sat`;
}

/** Millisatoshis as BTC with 8 decimals: "0.01234567 BTC". */
export function btc(msat: bigint | string): string {
  return `${roundTo(BigInt(msat), -11, 8)} BTC`;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** "2026-01-15 12:00:05 UTC". */
export function utc(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`
  );
}

/** "12:00:05". */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** A duration in words: "850 ms", "12 s", "4 min", "3 h", "2 d". */
export function duration(ms: number): string {
  const a = Math.abs(ms);
  if (a < 1_000) return `${Math.round(ms)} ms`;
  if (a < 120_000) return `${Math.round(ms / 1_000)} s`;
  if (a < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  if (a < 172_800_000) return `${Math.round(ms / 3_600_000)} h`;
  return `${Math.round(ms / 86_400_000)} d`;
}

/** How long ago `ms` was at `now`: "12 s ago", or "in 3 s" for a time ahead. */
export function ago(ms: number, now: number): string {
  return ms <= now ? `${duration(now - ms)} ago` : `in ${duration(ms - now)}`;
}

/** A hex string cut to its first and last characters: "79be667e…16f81798". */
export function shortHex(hex: string, keep = 8): string {
  return hex.length <= 2 * keep + 1 ? hex : `${hex.slice(0, keep)}…${hex.slice(-keep)}`;
}
