/**
 * Converts a ccxt funding-rate structure into a FundingObservation, once, at the edge. Venues fund
 * every 1, 4 or 8 hours; the rate is normalised to FUNDING_PERIOD_MS so venues can be compared.
 * The interval is taken from what ccxt parsed (or the caller filled in from the venue's own
 * statement) and never guessed: a wrong guess would scale a rate eight-fold without a trace.
 *
 * Every venue we read follows the same sign convention ccxt passes through unchanged: a positive
 * rate means longs pay shorts. ccxt already turns Kraken Futures' absolute rate (USD per contract)
 * into a relative one by dividing by the mark price, so every rate reaching here is relative.
 */
import { InputError } from '../core/errors.js';
import { PRICE_EXPONENT, RATE_EXPONENT, divRoundHalfEven, fromNumber } from '../core/fixed.js';
import { FUNDING_PERIOD_MS, type FundingObservation } from '../index/readings.js';

/** The fields of ccxt's FundingRate structure we read; ccxt leaves any of them undefined. */
export interface CcxtFundingRate {
  /** Relative rate per `interval`. */
  readonly fundingRate?: number | undefined;
  /** The venue's funding interval as ccxt prints it: "1h", "4h", "8h". */
  readonly interval?: string | undefined;
  readonly markPrice?: number | undefined;
  readonly timestamp?: number | undefined;
}

const HOURS = /^([1-9]\d{0,2})h$/;
const HOUR_MS = 60 * 60 * 1000;

/**
 * Builds the funding observation of `source` from ccxt's `rate`, received at `receivedAt` (ms,
 * injected clock): the rate normalised to FUNDING_PERIOD_MS at RATE_EXPONENT (rate * period /
 * interval, half to even), the interval in ms, the mark price at PRICE_EXPONENT or null when
 * missing or not a positive finite number, and the exchange timestamp when a positive integer.
 * Throws InputError when the rate is missing or not finite, or the interval is unknown.
 * Plausibility (an absurd but well-formed rate) is the aggregator's call, not this function's.
 */
export function fundingFromCcxt(source: string, rate: CcxtFundingRate, receivedAt: number): FundingObservation {
  const value: unknown = rate.fundingRate;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InputError(
      `${source}: funding rate ${value === undefined || value === null ? 'missing' : 'not a finite number'}`,
    );
  }
  const intervalMs = intervalMsOf(source, rate.interval);
  const perInterval = fromNumber(value, RATE_EXPONENT);
  const normalised = divRoundHalfEven(perInterval * BigInt(FUNDING_PERIOD_MS), BigInt(intervalMs));
  const mark: unknown = rate.markPrice;
  const markPrice =
    typeof mark === 'number' && Number.isFinite(mark) && mark > 0 ? fromNumber(mark, PRICE_EXPONENT) : null;
  const ts: unknown = rate.timestamp;
  const exchangeTs = typeof ts === 'number' && Number.isSafeInteger(ts) && ts > 0 ? ts : null;
  return { source, rate: normalised, intervalMs, markPrice, exchangeTs, receivedAt };
}

function intervalMsOf(source: string, interval: unknown): number {
  if (interval === undefined || interval === null) {
    throw new InputError(`${source}: funding interval unknown: not guessed`);
  }
  const m = typeof interval === 'string' ? HOURS.exec(interval) : null;
  if (!m) throw new InputError(`${source}: funding interval ${JSON.stringify(interval)} not understood: not guessed`);
  return Number(m[1]) * HOUR_MS;
}
