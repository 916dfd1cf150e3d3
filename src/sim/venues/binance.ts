/**
 * Binance spot REST API (api.binance.com/api/v3): exchangeInfo, ticker/24hr; the futures
 * exchangeInfo endpoints (fapi, dapi) answer with no markets.
 */
import { tickSize, tickerRoute, type Venue, type VenueMarket } from './types.js';

const MARKETS: readonly VenueMarket[] = [
  { symbol: 'BTC/USDT', id: 'BTCUSDT', base: 'BTC', quote: 'USDT', decimals: 2 },
  { symbol: 'ETH/USDT', id: 'ETHUSDT', base: 'ETH', quote: 'USDT', decimals: 2 },
  { symbol: 'ETH/BTC', id: 'ETHBTC', base: 'ETH', quote: 'BTC', decimals: 5 },
  { symbol: 'BTC/USDC', id: 'BTCUSDC', base: 'BTC', quote: 'USDC', decimals: 2 },
];

function exchangeInfo(serverTime: number): unknown {
  return {
    timezone: 'UTC',
    serverTime,
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
    ],
    exchangeFilters: [],
    symbols: MARKETS.map((m) => ({
      symbol: m.id,
      status: 'TRADING',
      baseAsset: m.base,
      baseAssetPrecision: 8,
      quoteAsset: m.quote,
      quotePrecision: 8,
      quoteAssetPrecision: 8,
      baseCommissionPrecision: 8,
      quoteCommissionPrecision: 8,
      orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
      icebergAllowed: true,
      ocoAllowed: true,
      otoAllowed: true,
      quoteOrderQtyMarketAllowed: true,
      allowTrailingStop: true,
      cancelReplaceAllowed: true,
      isSpotTradingAllowed: true,
      isMarginTradingAllowed: true,
      filters: [
        { filterType: 'PRICE_FILTER', minPrice: tickSize(m.decimals), maxPrice: '1000000.00000000', tickSize: tickSize(m.decimals) },
        { filterType: 'LOT_SIZE', minQty: '0.00001000', maxQty: '9000.00000000', stepSize: '0.00001000' },
        { filterType: 'NOTIONAL', minNotional: '5.00000000', applyMinToMarket: true, maxNotional: '9000000.00000000', applyMaxToMarket: false, avgPriceMins: 5 },
      ],
      permissions: [],
      permissionSets: [['SPOT', 'MARGIN']],
      defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
      allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
    })),
  };
}

/** Binance answers errors as {"code": <negative int>, "msg": "..."}. */
export const binance: Venue = {
  markets: MARKETS,
  route(path, query, nowMs) {
    if (path === '/api/v3/exchangeInfo') return { kind: 'static', body: exchangeInfo(nowMs) };
    // Without options.fetchMarkets.types = ['spot'] ccxt also lists futures; none are simulated.
    if (path === '/fapi/v1/exchangeInfo' || path === '/dapi/v1/exchangeInfo') {
      return { kind: 'static', body: { timezone: 'UTC', serverTime: nowMs, rateLimits: [], exchangeFilters: [], assets: [], symbols: [] } };
    }
    if (path === '/api/v3/ticker/24hr') return tickerRoute(MARKETS, query.get('symbol') ?? '');
    return { kind: 'notFound' };
  },
  ticker(m, q) {
    return {
      symbol: m.id,
      priceChange: '0.00000000',
      priceChangePercent: '0.000',
      weightedAvgPrice: q.last,
      prevClosePrice: q.last,
      lastPrice: q.last,
      lastQty: '0.00012000',
      bidPrice: q.bid,
      bidQty: '3.50710000',
      askPrice: q.ask,
      askQty: '1.04820000',
      openPrice: q.last,
      highPrice: q.ask,
      lowPrice: q.bid,
      volume: '17826.66102000',
      quoteVolume: '1729186711.50311740',
      openTime: q.timestampMs - 86_400_000,
      closeTime: q.timestampMs,
      firstId: 4903214567,
      lastId: 4906112233,
      count: 2897667,
    };
  },
  error(status, message) {
    if (status === 404 || status === 400) return { code: -1121, msg: 'Invalid symbol.' };
    return { code: -1001, msg: message };
  },
};
