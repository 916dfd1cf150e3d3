/**
 * What a simulated market shows at a given moment: the scenario's price path interpolated in
 * integers, rounded to the venue's tick, widened by the spread, with the time-window faults that
 * apply. Pure: the caller passes the elapsed and the absolute time.
 */
import { PRICE_EXPONENT, divRoundHalfEven, floorDiv, formatDecimal } from '../core/fixed.js';
import type { Fault, MarketScenario } from './scenario.js';

/** Ticker values as the venue prints them (decimal strings); undefined when the venue omits one. */
export interface Quote {
  readonly last: string | undefined;
  readonly bid: string | undefined;
  readonly ask: string | undefined;
  /** Exchange timestamp, ms since the epoch. */
  readonly timestampMs: number;
}

/** Faults of `faults` whose window [fromMs, toMs) contains `elapsedMs`. */
export function activeFaults(faults: readonly Fault[], elapsedMs: number): Fault[] {
  return faults.filter((f) => elapsedMs >= f.fromMs && (f.toMs === undefined || elapsedMs < f.toMs));
}

/**
 * The price of `market` at `elapsedMs` (fixed-point at PRICE_EXPONENT): linear between points,
 * floored; the first price before the first point and the last price after the last one.
 */
export function priceAt(market: MarketScenario, elapsedMs: number): bigint {
  const path = market.path;
  const first = path[0];
  if (!first) throw new RangeError('empty price path');
  if (elapsedMs <= first.atMs) return first.price;
  for (let i = 1; i < path.length; i++) {
    const a = path[i - 1];
    const b = path[i];
    if (!a || !b) break;
    if (elapsedMs < b.atMs) {
      const t = BigInt(elapsedMs - a.atMs);
      return a.price + floorDiv((b.price - a.price) * t, BigInt(b.atMs - a.atMs));
    }
  }
  return (path[path.length - 1] ?? first).price;
}

/**
 * The quote of `market` at `elapsedMs` since start, `nowMs` absolute, for a venue quoting
 * `decimals` places. `faults` are the active ones: "frozen" pins price and time at its window
 * start, "stale" lags the timestamp by lagMs; other kinds are the server's business.
 */
export function quoteAt(
  market: MarketScenario,
  elapsedMs: number,
  nowMs: number,
  decimals: number,
  faults: readonly Fault[],
): Quote {
  let at = elapsedMs;
  let timestampMs = nowMs;
  for (const fault of faults) {
    if (fault.kind === 'frozen') {
      at = fault.fromMs;
      timestampMs = nowMs - (elapsedMs - fault.fromMs);
    }
  }
  for (const fault of faults) {
    if (fault.kind === 'stale') timestampMs -= fault.lagMs;
  }
  const tick = 10n ** BigInt(-PRICE_EXPONENT - decimals);
  const mid = divRoundHalfEven(priceAt(market, at), tick);
  // Half the spread in ticks, rounded up so a non-zero spread always shows.
  const half = -floorDiv(-mid * BigInt(market.spreadBps), 20_000n);
  const bid = mid - half > 0n ? mid - half : mid;
  return {
    last: formatDecimal(mid, -decimals),
    bid: formatDecimal(bid, -decimals),
    ask: formatDecimal(mid + half, -decimals),
    timestampMs,
  };
}
