/**
 * Binance spot REST API (api.binance.com/api/v3): exchangeInfo, ticker/24hr; USD-M futures
 * (fapi.binance.com/fapi/v1): exchangeInfo listing the BTCUSDT perpetual, premiumIndex (rate and
 * mark) and fundingInfo (adjusted contracts only); the COIN-M exchangeInfo (dapi) answers with no
 * markets. Also answers as `binanceusdm`, ccxt's USD-M-only class, whose paths are the same.
 */
import {
  EIGHT_HOURS_MS,
  fundingRoute,
  tickSize,
  tickerRoute,
  type Venue,
  type VenueContext,
  type VenueMarket,
} from './types.js';

const MARKETS: readonly VenueMarket[] = [
  { symbol: 'BTC/USDT', id: 'BTCUSDT', base: 'BTC', quote: 'USDT', decimals: 2 },
  { symbol: 'ETH/USDT', id: 'ETHUSDT', base: 'ETH', quote: 'USDT', decimals: 2 },
  { symbol: 'ETH/BTC', id: 'ETHBTC', base: 'ETH', quote: 'BTC', decimals: 5 },
  { symbol: 'BTC/USDC', id: 'BTCUSDC', base: 'BTC', quote: 'USDC', decimals: 2 },
];

const PERPETUALS: readonly VenueMarket[] = [
  { symbol: 'BTC/USDT:USDT', id: 'BTCUSDT', base: 'BTC', quote: 'USDT', settle: 'USDT', decimals: 1 },
];

function futuresExchangeInfo(serverTime: number): unknown {
  return {
    timezone: 'UTC',
    serverTime,
    futuresType: 'U_MARGINED',
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 },
      { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
    ],
    exchangeFilters: [],
    assets: [
      { asset: 'USDT', marginAvailable: true, autoAssetExchange: '-10000' },
      { asset: 'BTC', marginAvailable: true, autoAssetExchange: '-0.10000000' },
    ],
    symbols: PERPETUALS.map((m) => ({
      symbol: m.id,
      pair: m.id,
      contractType: 'PERPETUAL',
      deliveryDate: 4133404800000,
      onboardDate: 1569398400000,
      status: 'TRADING',
      maintMarginPercent: '2.5000',
      requiredMarginPercent: '5.0000',
      baseAsset: m.base,
      quoteAsset: m.quote,
      marginAsset: m.settle,
      pricePrecision: 2,
      quantityPrecision: 3,
      baseAssetPrecision: 8,
      quotePrecision: 8,
      underlyingType: 'COIN',
      underlyingSubType: ['PoW'],
      settlePlan: 0,
      triggerProtect: '0.0500',
      liquidationFee: '0.012500',
      marketTakeBound: '0.05',
      maxMoveOrderLimit: 10000,
      filters: [
        { filterType: 'PRICE_FILTER', minPrice: '556.80', maxPrice: '4529764', tickSize: tickSize(m.decimals) },
        { filterType: 'LOT_SIZE', minQty: '0.001', maxQty: '1000', stepSize: '0.001' },
        { filterType: 'MARKET_LOT_SIZE', minQty: '0.001', maxQty: '120', stepSize: '0.001' },
        { filterType: 'MAX_NUM_ORDERS', limit: 200 },
        { filterType: 'MAX_NUM_ALGO_ORDERS', limit: 10 },
        { filterType: 'MIN_NOTIONAL', notional: '100' },
        { filterType: 'PERCENT_PRICE', multiplierUp: '1.0500', multiplierDown: '0.9500', multiplierDecimal: '4' },
      ],
      orderTypes: [
        'LIMIT',
        'MARKET',
        'STOP',
        'STOP_MARKET',
        'TAKE_PROFIT',
        'TAKE_PROFIT_MARKET',
        'TRAILING_STOP_MARKET',
      ],
      timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
    })),
  };
}

/**
 * Contracts Binance lists in fundingInfo whatever the scenario: its real answer names only
 * contracts whose cap, floor or interval was adjusted, typically small altcoins like these.
 */
const ADJUSTED_ALTCOINS = [
  fundingInfoEntry('BLZUSDT', '0.03000000', 4),
  fundingInfoEntry('GTCUSDT', '0.03000000', 8),
  fundingInfoEntry('LPTUSDT', '0.02000000', 4),
];

/** One fundingInfo entry in Binance's shape, its floor the negative of its cap. */
function fundingInfoEntry(symbol: string, cap: string, fundingIntervalHours: number): unknown {
  return {
    symbol,
    adjustedFundingRateCap: cap,
    adjustedFundingRateFloor: `-${cap}`,
    fundingIntervalHours,
    disclaimer: false,
  };
}

/**
 * GET /fapi/v1/fundingInfo (the symbol parameter is ignored, as Binance ignores it): only adjusted
 * contracts. A simulated perpetual appears only when the scenario gives it an interval other than
 * Binance's default 8 h, so BTCUSDT at 8 h is absent, as it normally is on the real venue.
 */
function fundingInfo(context: VenueContext): unknown {
  const adjusted = PERPETUALS.flatMap((m) => {
    const intervalMs = context.intervalMsOf(m.symbol);
    if (intervalMs === undefined || intervalMs === EIGHT_HOURS_MS) return [];
    return [fundingInfoEntry(m.id, '0.00300000', intervalMs / 3_600_000)];
  });
  return [...ADJUSTED_ALTCOINS, ...adjusted];
}

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
        {
          filterType: 'PRICE_FILTER',
          minPrice: tickSize(m.decimals),
          maxPrice: '1000000.00000000',
          tickSize: tickSize(m.decimals),
        },
        { filterType: 'LOT_SIZE', minQty: '0.00001000', maxQty: '9000.00000000', stepSize: '0.00001000' },
        {
          filterType: 'NOTIONAL',
          minNotional: '5.00000000',
          applyMinToMarket: true,
          maxNotional: '9000000.00000000',
          applyMaxToMarket: false,
          avgPriceMins: 5,
        },
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
  markets: [...MARKETS, ...PERPETUALS],
  route(path, query, nowMs, context) {
    if (path === '/api/v3/exchangeInfo') return { kind: 'static', body: exchangeInfo(nowMs) };
    if (path === '/fapi/v1/exchangeInfo') return { kind: 'static', body: futuresExchangeInfo(nowMs) };
    // With options.fetchMarkets.types including 'inverse' ccxt also lists COIN-M futures; none are simulated.
    if (path === '/dapi/v1/exchangeInfo') {
      return {
        kind: 'static',
        body: { timezone: 'UTC', serverTime: nowMs, rateLimits: [], exchangeFilters: [], assets: [], symbols: [] },
      };
    }
    if (path === '/api/v3/ticker/24hr') return tickerRoute(MARKETS, query.get('symbol') ?? '');
    if (path === '/fapi/v1/premiumIndex') return fundingRoute(PERPETUALS, query.get('symbol') ?? '');
    if (path === '/fapi/v1/fundingInfo') return { kind: 'static', body: fundingInfo(context) };
    return { kind: 'notFound' };
  },
  funding(m, f) {
    return {
      symbol: m.id,
      markPrice: f.markPrice,
      indexPrice: f.markPrice,
      estimatedSettlePrice: f.markPrice,
      lastFundingRate: f.rate,
      interestRate: '0.00010000',
      nextFundingTime: f.nextFundingMs,
      time: f.timestampMs,
    };
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
