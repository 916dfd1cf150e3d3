/**
 * Bybit's public REST API v5 (api.bybit.com/v5/market): instruments-info (the BTCUSDT perpetual
 * with its fundingInterval in minutes, which ccxt reads as the funding interval; other categories
 * and pre-launch listings empty) and tickers (funding rate, mark price, server time).
 */
import { fundingRoute, type Venue, type VenueContext, type VenueMarket } from './types.js';

const PERPETUALS: readonly VenueMarket[] = [
  { symbol: 'BTC/USDT:USDT', id: 'BTCUSDT', base: 'BTC', quote: 'USDT', settle: 'USDT', decimals: 1 },
];

/** Bybit wraps every answer as {retCode, retMsg, result, retExtInfo, time}. */
function envelope(result: unknown, time: number, retCode = 0, retMsg = 'OK'): unknown {
  return { retCode, retMsg, result, retExtInfo: {}, time };
}

function instruments(query: URLSearchParams, nowMs: number, context: VenueContext): unknown {
  const category = query.get('category') ?? '';
  const listed = category === 'linear' && query.get('status') === null ? PERPETUALS : [];
  const list = listed.flatMap((m) => {
    const intervalMs = context.intervalMsOf(m.symbol);
    if (intervalMs === undefined) return [];
    return [
      {
        symbol: m.id,
        contractType: 'LinearPerpetual',
        status: 'Trading',
        baseCoin: m.base,
        quoteCoin: m.quote,
        launchTime: '1585526400000',
        deliveryTime: '0',
        deliveryFeeRate: '',
        priceScale: String(m.decimals),
        leverageFilter: { minLeverage: '1', maxLeverage: '100.00', leverageStep: '0.01' },
        priceFilter: { minPrice: '0.10', maxPrice: '1999999.80', tickSize: '0.10' },
        lotSizeFilter: {
          maxOrderQty: '1190.000',
          minOrderQty: '0.001',
          qtyStep: '0.001',
          postOnlyMaxOrderQty: '1190.000',
          maxMktOrderQty: '500.000',
          minNotionalValue: '5',
        },
        unifiedMarginTrade: true,
        fundingInterval: intervalMs / 60_000,
        settleCoin: m.settle,
        copyTrading: 'both',
        upperFundingRate: '0.005',
        lowerFundingRate: '-0.005',
        isPreListing: false,
        preListingInfo: null,
        riskParameters: { priceLimitRatioX: '0.005', priceLimitRatioY: '0.01' },
        displayName: '',
      },
    ];
  });
  return envelope({ category, list, nextPageCursor: '' }, nowMs);
}

/** Bybit answers errors as {"retCode": <code>, "retMsg": "...", ...}. */
export const bybit: Venue = {
  markets: PERPETUALS,
  route(path, query, nowMs, context) {
    if (path === '/v5/market/instruments-info') return { kind: 'static', body: instruments(query, nowMs, context) };
    if (path === '/v5/market/tickers' && query.get('category') === 'linear')
      return fundingRoute(PERPETUALS, query.get('symbol') ?? '');
    return { kind: 'notFound' };
  },
  ticker() {
    throw new RangeError('bybit is simulated for perpetual funding only');
  },
  funding(m, f) {
    const item = {
      symbol: m.id,
      lastPrice: f.markPrice,
      indexPrice: f.markPrice,
      markPrice: f.markPrice,
      prevPrice24h: f.markPrice,
      price24hPcnt: '0',
      highPrice24h: f.markPrice,
      lowPrice24h: f.markPrice,
      prevPrice1h: f.markPrice,
      openInterest: '52745.893',
      openInterestValue: '5116351621.00',
      turnover24h: '9712301253.4573',
      volume24h: '100123.0710',
      fundingRate: f.rate,
      nextFundingTime: String(f.nextFundingMs),
      predictedDeliveryPrice: '',
      basisRate: '',
      deliveryFeeRate: '',
      deliveryTime: '0',
      ask1Size: '2.317',
      bid1Price: f.markPrice,
      ask1Price: f.markPrice,
      bid1Size: '3.865',
      basis: '',
    };
    return envelope({ category: 'linear', list: [item] }, f.timestampMs);
  },
  error(status, message) {
    return envelope({}, 0, status === 404 ? 10001 : 10016, status === 404 ? 'params error: symbol invalid' : message);
  },
};
