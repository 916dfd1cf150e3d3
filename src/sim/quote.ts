/**
 * What a simulated market shows at a given moment: the scenario's price path interpolated in
 * integers, rounded to the venue's tick, widened by the spread, with the time-window faults that
 * apply. Pure: the caller passes the elapsed and the absolute time.
 */
import { PRICE_EXPONENT, RATE_EXPONENT, divRoundHalfEven, floorDiv, formatDecimal } from '../core/fixed.js';
import type { Fault, FundingScenario, MarketScenario } from './scenario.js';

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

/** What a perpetual shows at a moment: its funding rate as published and its mark price. */
export interface FundingQuote {
  /** Funding rate per `intervalMs` as a decimal string (relative; positive: longs pay shorts). */
  readonly rate: string | undefined;
  /** Mark price on the venue's tick. */
  readonly markPrice: string | undefined;
  /** Exchange timestamp, ms since the epoch. */
  readonly timestampMs: number;
  /** The venue's funding interval. */
  readonly intervalMs: number;
  /** The next funding time: the next multiple of `intervalMs` since the epoch after the timestamp. */
  readonly nextFundingMs: number;
}

/**
 * The value of a path of `{atMs, value}` points at `elapsedMs`: linear between points, floored;
 * the first value before the first point and the last value after the last one.
 */
function interpolate(path: readonly { atMs: number; value: bigint }[], elapsedMs: number): bigint {
  const first = path[0];
  if (!first) throw new RangeError('empty path');
  if (elapsedMs <= first.atMs) return first.value;
  for (let i = 1; i < path.length; i++) {
    const a = path[i - 1];
    const b = path[i];
    if (!a || !b) break;
    if (elapsedMs < b.atMs) {
      const t = BigInt(elapsedMs - a.atMs);
      return a.value + floorDiv((b.value - a.value) * t, BigInt(b.atMs - a.atMs));
    }
  }
  return (path[path.length - 1] ?? first).value;
}

/**
 * The price of `market` at `elapsedMs` (fixed-point at PRICE_EXPONENT): linear between points,
 * floored; the first price before the first point and the last price after the last one.
 */
export function priceAt(market: MarketScenario, elapsedMs: number): bigint {
  return interpolate(market.path.map((p) => ({ atMs: p.atMs, value: p.price })), elapsedMs);
}

/** The funding rate of `funding` at `elapsedMs`, at RATE_EXPONENT, interpolated as priceAt. */
export function rateAt(funding: FundingScenario, elapsedMs: number): bigint {
  return interpolate(funding.path.map((p) => ({ atMs: p.atMs, value: p.rate })), elapsedMs);
}

/**
 * The scenario time a market shows and its exchange timestamp under `faults`: "frozen" pins both
 * at its window start, "stale" lags the timestamp by lagMs.
 */
function shownTime(elapsedMs: number, nowMs: number, faults: readonly Fault[]): { at: number; timestampMs: number } {
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
  return { at, timestampMs };
}

/** `mantissa` at `exponent` as the shortest decimal string ("0.0001", "-0.00025", "97000"). */
export function shortDecimal(mantissa: bigint, exponent: number): string {
  const text = formatDecimal(mantissa, exponent);
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/**
 * The funding quote of perpetual `market` (its path is the mark price) at `elapsedMs` since start,
 * `nowMs` absolute, marks on `decimals` places; faults as in quoteAt. Throws RangeError when the
 * market has no funding path.
 */
export function fundingAt(
  market: MarketScenario,
  elapsedMs: number,
  nowMs: number,
  decimals: number,
  faults: readonly Fault[],
): FundingQuote {
  const funding = market.funding;
  if (!funding) throw new RangeError('not a perpetual: no funding path');
  const { at, timestampMs } = shownTime(elapsedMs, nowMs, faults);
  const mark = quoteAt(market, elapsedMs, nowMs, decimals, faults).last;
  const intervalMs = funding.intervalMs;
  return {
    rate: shortDecimal(rateAt(funding, at), RATE_EXPONENT),
    markPrice: mark,
    timestampMs,
    intervalMs,
    nextFundingMs: (Math.floor(timestampMs / intervalMs) + 1) * intervalMs,
  };
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
  const { at, timestampMs } = shownTime(elapsedMs, nowMs, faults);
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
