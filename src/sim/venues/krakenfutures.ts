/**
 * Kraken Futures public REST API v3 (futures.kraken.com/derivatives/api/v3): instruments and
 * tickers. PF_XBTUSD is the multi-collateral linear perpetual (1 BTC a contract) funded every
 * hour. Kraken publishes an ABSOLUTE funding rate, USD per contract per hour; ccxt divides it by
 * the mark price into a relative rate, so the simulator publishes rate * mark. A ticker's `last` and
 * `lastTime` are its last trade's, `serverTime` the time of the answer.
 */
import { PRICE_EXPONENT, RATE_EXPONENT, parseDecimal } from '../../core/fixed.js';
import { shortDecimal } from '../quote.js';
import { fundingRoute, jsonNumber, type Venue, type VenueMarket } from './types.js';

const HOUR_MS = 60 * 60 * 1000;

const PERPETUALS: readonly (VenueMarket & { pair: string })[] = [
  {
    symbol: 'BTC/USD:USD',
    id: 'PF_XBTUSD',
    base: 'BTC',
    quote: 'USD',
    settle: 'USD',
    decimals: 0,
    fixedIntervalMs: HOUR_MS,
    pair: 'XBT:USD',
  },
];

function instruments(nowMs: number): unknown {
  const list = PERPETUALS.map((m) => ({
    symbol: m.id,
    type: 'flexible_futures',
    tradeable: true,
    tickSize: 1,
    contractSize: 1,
    impactMidSize: 1,
    maxPositionSize: 1000000,
    openingDate: '2022-01-01T00:00:00.000Z',
    marginLevels: [{ numNonContractUnits: 0, initialMargin: 0.02, maintenanceMargin: 0.01 }],
    fundingRateCoefficient: 8,
    maxRelativeFundingRate: 0.001,
    isin: 'GB00J62YGL67',
    contractValueTradePrecision: 4,
    postOnly: false,
    feeScheduleUid: 'eef90775-995b-4596-9257-0917f6134766',
    category: 'Layer 1',
    tags: [],
    base: 'XBT',
    quote: 'USD',
    pair: m.pair,
    mtf: false,
    tradfi: false,
  }));
  return { result: 'success', instruments: list, serverTime: new Date(nowMs).toISOString() };
}

/** USD per contract per hour: the relative rate times the mark price (1 BTC a contract). */
function absoluteRate(rate: string | undefined, mark: string | undefined): string | undefined {
  if (rate === undefined || mark === undefined) return undefined;
  try {
    const product = parseDecimal(rate, RATE_EXPONENT) * parseDecimal(mark, PRICE_EXPONENT);
    return shortDecimal(product, RATE_EXPONENT + PRICE_EXPONENT);
  } catch {
    return rate; // a "wrongTypes" fault: pass the garbage through
  }
}

/** Kraken Futures answers errors as {"result": "error", "error": "...", "serverTime": "..."}. */
export const krakenfutures: Venue = {
  markets: PERPETUALS,
  route(path, _query, nowMs) {
    if (path === '/derivatives/api/v3/instruments') return { kind: 'static', body: instruments(nowMs) };
    // ccxt reads one list of every ticker; the simulator answers the list of the priced perpetual.
    if (path === '/derivatives/api/v3/tickers') return fundingRoute(PERPETUALS, PERPETUALS[0]?.id ?? '');
    return { kind: 'notFound' };
  },
  ticker() {
    throw new RangeError('krakenfutures is simulated for perpetual funding only');
  },
  funding(m, f) {
    const mark = jsonNumber(f.markPrice);
    const ticker = {
      symbol: m.id,
      // The last trade's price and time: a recorded answer had lastTime 104 s behind serverTime.
      last: jsonNumber(f.last),
      lastTime: new Date(f.lastTradeMs).toISOString(),
      tag: 'perpetual',
      pair: PERPETUALS.find((p) => p.id === m.id)?.pair ?? '',
      markPrice: mark,
      bid: mark,
      bidSize: 0.5,
      ask: mark,
      askSize: 0.5,
      vol24h: 1523.4,
      volumeQuote: 147775023.1,
      openInterest: 2418.6,
      open24h: mark,
      high24h: mark,
      low24h: mark,
      lastSize: 0.01,
      fundingRate: jsonNumber(absoluteRate(f.rate, f.markPrice)),
      fundingRatePrediction: jsonNumber(absoluteRate(f.rate, f.markPrice)),
      suspended: false,
      indexPrice: mark,
      postOnly: false,
      change24h: 0,
    };
    return { result: 'success', tickers: [ticker], serverTime: new Date(f.timestampMs).toISOString() };
  },
  error(status, message) {
    return { result: 'error', error: status === 404 ? 'Not Found' : message, serverTime: new Date(0).toISOString() };
  },
};
