/**
 * Converts a ccxt ticker into an Observation, once, at the edge. A venue's price is the median of
 * its last, bid and ask, so one broken field cannot move it; ccxt's floats become fixed-point
 * integers here through fromNumber (shortest decimal string, half-to-even) and nowhere else.
 */
import { InputError } from '../core/errors.js';
import { PRICE_EXPONENT, fromNumber, median } from '../core/fixed.js';
import type { Observation } from '../index/readings.js';

/** The ticker fields we read; ccxt leaves any of them undefined when the venue omits them. */
export interface TickerFields {
  readonly last?: number | undefined;
  readonly bid?: number | undefined;
  readonly ask?: number | undefined;
  readonly timestamp?: number | undefined;
}

const PRICE_FIELDS = ['last', 'bid', 'ask'] as const;

/**
 * Builds the observation of `source` from a ccxt ticker received at `receivedAt` (ms, injected
 * clock). Fields that are missing, non-finite or not positive are ignored; the price is the median
 * of the usable ones (the floor-mean when only two remain). `exchangeTs` is the ticker timestamp
 * when it is a positive integer, else null (Kraken and Bitfinex send none).
 * Throws InputError naming each unusable field when fewer than two are usable.
 */
export function observationFromTicker(source: string, ticker: TickerFields, receivedAt: number): Observation {
  const usable: bigint[] = [];
  const problems: string[] = [];
  for (const field of PRICE_FIELDS) {
    const value: unknown = ticker[field];
    if (value === undefined || value === null) problems.push(`${field} missing`);
    else if (typeof value !== 'number' || !Number.isFinite(value)) problems.push(`${field} not a finite number`);
    else if (value <= 0) problems.push(`${field} not positive`);
    else usable.push(fromNumber(value, PRICE_EXPONENT));
  }
  if (usable.length < 2) {
    throw new InputError(`${source}: ticker needs at least two of last, bid, ask (${problems.join(', ')})`);
  }
  const ts: unknown = ticker.timestamp;
  const exchangeTs = typeof ts === 'number' && Number.isSafeInteger(ts) && ts > 0 ? ts : null;
  return { source, price: median(usable), exchangeTs, receivedAt };
}
