/**
 * What a simulated market shows at a given moment: the scenario's price path interpolated in
 * integers, rounded to the venue's tick, widened by the spread, with the time-window faults that
 * apply. Pure: the caller passes the elapsed and the absolute time.
 */
import { PRICE_EXPONENT, RATE_EXPONENT, divRoundHalfEven, floorDiv, formatDecimal } from '../core/fixed.js';
import type { Fault, FundingScenario, MarketScenario } from './scenario.js';

/** Ticker values as the venue prints them (decimal strings); undefined when the venue omits one. */
export interface Quote {
  /** The price of the last trade, `lastTradeAgeMs` before the quote. */
  readonly last: string | undefined;
  readonly bid: string | undefined;
  readonly ask: string | undefined;
  /** Exchange timestamp of the quote (its book), ms since the epoch. */
  readonly timestampMs: number;
  /** Time of the last trade, ms since the epoch: `timestampMs` less the market's lastTradeAgeMs. */
  readonly lastTradeMs: number;
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
  /** The price of the perpetual's last trade, `lastTradeAgeMs` before the quote, on the venue's tick. */
  readonly last: string | undefined;
  /** Exchange timestamp of the quote, ms since the epoch. */
  readonly timestampMs: number;
  /** Time of the last trade, ms since the epoch. */
  readonly lastTradeMs: number;
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
  return interpolate(
    market.path.map((p) => ({ atMs: p.atMs, value: p.price })),
    elapsedMs,
  );
}

/** The funding rate of `funding` at `elapsedMs`, at RATE_EXPONENT, interpolated as priceAt. */
export function rateAt(funding: FundingScenario, elapsedMs: number): bigint {
  return interpolate(
    funding.path.map((p) => ({ atMs: p.atMs, value: p.rate })),
    elapsedMs,
  );
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
  const intervalMs = funding.intervalMs;
  return {
    rate: shortDecimal(rateAt(funding, at), RATE_EXPONENT),
    markPrice: formatDecimal(midAt(market, at, decimals), -decimals),
    last: formatDecimal(midAt(market, at - market.lastTradeAgeMs, decimals), -decimals),
    timestampMs,
    lastTradeMs: timestampMs - market.lastTradeAgeMs,
    intervalMs,
    nextFundingMs: (Math.floor(timestampMs / intervalMs) + 1) * intervalMs,
  };
}

/** The price of `market` at scenario time `at` in whole ticks of `decimals` places, half to even. */
function midAt(market: MarketScenario, at: number, decimals: number): bigint {
  return divRoundHalfEven(priceAt(market, at), 10n ** BigInt(-PRICE_EXPONENT - decimals));
}

/**
 * The quote of `market` at `elapsedMs` since start, `nowMs` absolute, for a venue quoting
 * `decimals` places: bid and ask around the current price, `last` the price when the last trade
 * happened (lastTradeAgeMs earlier). `faults` are the active ones: "frozen" pins price and time at
 * its window start, "stale" lags the timestamps by lagMs; other kinds are the server's business.
 */
export function quoteAt(
  market: MarketScenario,
  elapsedMs: number,
  nowMs: number,
  decimals: number,
  faults: readonly Fault[],
): Quote {
  const { at, timestampMs } = shownTime(elapsedMs, nowMs, faults);
  const mid = midAt(market, at, decimals);
  // Half the spread in ticks, rounded up so a non-zero spread always shows.
  const half = -floorDiv(-mid * BigInt(market.spreadBps), 20_000n);
  const bid = mid - half > 0n ? mid - half : mid;
  return {
    last: formatDecimal(midAt(market, at - market.lastTradeAgeMs, decimals), -decimals),
    bid: formatDecimal(bid, -decimals),
    ask: formatDecimal(mid + half, -decimals),
    timestampMs,
    lastTradeMs: timestampMs - market.lastTradeAgeMs,
  };
}
