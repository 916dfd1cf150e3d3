/** Kraken's public REST API (api.kraken.com/0/public): Assets, AssetPairs, Ticker. */
import { tickSize, tickerRoute, type Venue, type VenueMarket } from './types.js';

const ASSETS: Record<string, { altname: string; decimals: number; display_decimals: number }> = {
  XXBT: { altname: 'XBT', decimals: 10, display_decimals: 5 },
  XETH: { altname: 'ETH', decimals: 10, display_decimals: 5 },
  USDT: { altname: 'USDT', decimals: 8, display_decimals: 4 },
  ZUSD: { altname: 'USD', decimals: 4, display_decimals: 2 },
};

const MARKETS: readonly (VenueMarket & { baseAsset: string; quoteAsset: string; altname: string })[] = [
  {
    symbol: 'BTC/USD',
    id: 'XXBTZUSD',
    base: 'BTC',
    quote: 'USD',
    decimals: 1,
    baseAsset: 'XXBT',
    quoteAsset: 'ZUSD',
    altname: 'XBTUSD',
  },
  {
    symbol: 'ETH/USD',
    id: 'XETHZUSD',
    base: 'ETH',
    quote: 'USD',
    decimals: 2,
    baseAsset: 'XETH',
    quoteAsset: 'ZUSD',
    altname: 'ETHUSD',
  },
  {
    symbol: 'ETH/BTC',
    id: 'XETHXXBT',
    base: 'ETH',
    quote: 'BTC',
    decimals: 5,
    baseAsset: 'XETH',
    quoteAsset: 'XXBT',
    altname: 'ETHXBT',
  },
  {
    symbol: 'USDT/USD',
    id: 'USDTZUSD',
    base: 'USDT',
    quote: 'USD',
    decimals: 5,
    baseAsset: 'USDT',
    quoteAsset: 'ZUSD',
    altname: 'USDTUSD',
  },
];

const wsBase = (m: VenueMarket): string => (m.base === 'BTC' ? 'XBT' : m.base);
const wsQuote = (m: VenueMarket): string => (m.quote === 'BTC' ? 'XBT' : m.quote);

function assets(): unknown {
  const result = Object.fromEntries(
    Object.entries(ASSETS).map(([id, a]) => [id, { aclass: 'currency', ...a, collateral_value: 1, status: 'enabled' }]),
  );
  return { error: [], result };
}

function assetPairs(): unknown {
  const fees = [
    [0, 0.4],
    [10000, 0.35],
    [50000, 0.24],
  ];
  const feesMaker = [
    [0, 0.25],
    [10000, 0.2],
    [50000, 0.14],
  ];
  const result = Object.fromEntries(
    MARKETS.map((m) => [
      m.id,
      {
        altname: m.altname,
        wsname: `${wsBase(m)}/${wsQuote(m)}`,
        aclass_base: 'currency',
        base: m.baseAsset,
        aclass_quote: 'currency',
        quote: m.quoteAsset,
        lot: 'unit',
        cost_decimals: 5,
        pair_decimals: m.decimals,
        lot_decimals: 8,
        lot_multiplier: 1,
        leverage_buy: [2, 3],
        leverage_sell: [2, 3],
        fees,
        fees_maker: feesMaker,
        fee_volume_currency: 'ZUSD',
        margin_call: 80,
        margin_stop: 40,
        ordermin: '0.0001',
        costmin: '0.5',
        tick_size: tickSize(m.decimals),
        status: 'online',
      },
    ]),
  );
  return { error: [], result };
}

/** Kraken answers errors as {"error": ["<Severity><Category>:<Message>"]}. */
export const kraken: Venue = {
  markets: MARKETS,
  route(path, query) {
    if (path === '/0/public/Assets') return { kind: 'static', body: assets() };
    if (path === '/0/public/AssetPairs') return { kind: 'static', body: assetPairs() };
    if (path === '/0/public/Ticker') return tickerRoute(MARKETS, query.get('pair') ?? '');
    return { kind: 'notFound' };
  },
  ticker(m, q) {
    return {
      error: [],
      result: {
        [m.id]: {
          a: q.ask === undefined ? undefined : [q.ask, '1', '1.000'],
          b: q.bid === undefined ? undefined : [q.bid, '2', '2.000'],
          c: q.last === undefined ? undefined : [q.last, '0.00100000'],
          v: ['812.40538172', '2351.60964420'],
          p: [q.last ?? '0', q.last ?? '0'],
          t: [15372, 42351],
          l: [q.bid ?? '0', q.bid ?? '0'],
          h: [q.ask ?? '0', q.ask ?? '0'],
          o: q.last ?? '0',
        },
      },
    };
  },
  error(status, message) {
    return {
      error: [
        status === 404 ? 'EQuery:Unknown asset pair' : status >= 500 ? 'EService:Unavailable' : `EGeneral:${message}`,
      ],
    };
  },
};
