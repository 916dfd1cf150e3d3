/**
 * What a venue documents as its default where its API lists only the exceptions. Keyed by venue
 * (src/feeds/venue.ts), so an entry holds for whichever ccxt class reaches the venue (`binance`
 * with linear markets, `binanceusdm`), and venue knowledge sits in this one table rather than in
 * an `if` on an exchange id inside the client. Only documented facts belong here: a default we
 * merely observed would be a guess, and a guessed funding interval scales a rate without a trace.
 */
import { PeerStablesError } from '../core/errors.js';
import type { CcxtFundingRate } from './funding.js';

interface VenueDefaults {
  /** The funding interval, in hours, of a perpetual that the venue's interval list leaves out. */
  readonly unlistedFundingIntervalHours: number;
}

const DOCUMENTED: Readonly<Record<string, VenueDefaults>> = {
  // Binance API documentation, "Get Funding Rate Info" (GET /fapi/v1/fundingInfo, and
  // /dapi/v1/fundingInfo for COIN-M): only symbols whose FundingRateCap, FundingRateFloor or
  // fundingIntervalHours were adjusted are returned. Binance FAQ "Introduction to Binance Futures
  // Funding Rates": funding every 8 hours (00:00, 08:00, 16:00 UTC) for all perpetual contracts,
  // the "default 8-hour funding interval", unless Binance adjusts a contract's interval.
  'binance.com': { unlistedFundingIntervalHours: 8 },
};

/**
 * The funding interval of `symbol` on `venue`, as ccxt prints it ("8h"), from the venue's interval
 * list `list` (ccxt's fetchFundingIntervals, by symbol) fetched without error: the listed interval;
 * for a symbol the list leaves out, the venue's documented default. Undefined when the entry states
 * no interval, or the venue documents no default, so the reading is refused rather than guessed.
 * Throws PeerStablesError ("feed_error") when a default would apply but the list is empty: the
 * venue's real list names its adjusted contracts, so an empty one is a broken answer, not absence.
 */
export function intervalFromList(
  venue: string,
  symbol: string,
  list: Readonly<Record<string, CcxtFundingRate | undefined>>,
): string | undefined {
  if (Object.hasOwn(list, symbol)) return list[symbol]?.interval;
  const defaults = DOCUMENTED[venue];
  if (defaults === undefined) return undefined;
  if (Object.keys(list).length === 0) {
    const message = `${venue} answered an empty funding interval list: ${symbol}'s interval not known`;
    throw new PeerStablesError('feed_error', message);
  }
  return `${defaults.unlistedFundingIntervalHours}h`;
}
