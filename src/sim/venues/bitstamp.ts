/** Bitstamp's public REST API v2 (www.bitstamp.net/api/v2): markets, ticker. */
import { tickerRoute, type Venue, type VenueMarket } from './types.js';

const MARKETS: readonly VenueMarket[] = [
  { symbol: 'BTC/USD', id: 'btcusd', base: 'BTC', quote: 'USD', decimals: 0 },
  { symbol: 'ETH/USD', id: 'ethusd', base: 'ETH', quote: 'USD', decimals: 1 },
  { symbol: 'ETH/BTC', id: 'ethbtc', base: 'ETH', quote: 'BTC', decimals: 8 },
  { symbol: 'USDT/USD', id: 'usdtusd', base: 'USDT', quote: 'USD', decimals: 5 },
];

const NAMES: Record<string, string> = { BTC: 'Bitcoin', ETH: 'Ether', USDT: 'Tether', USD: 'U.S. dollar' };

function markets(): unknown {
  return MARKETS.map((m) => ({
    name: m.symbol,
    market_symbol: m.id,
    base_currency: m.base,
    base_decimals: 8,
    counter_currency: m.quote,
    counter_decimals: m.decimals,
    minimum_order_value: m.quote === 'BTC' ? '0.0002' : '10',
    maximum_order_value: '5000000',
    minimum_order_amount: '0.00000001',
    maximum_order_amount: '1000000',
    trading: 'Enabled',
    instant_order_counter_decimals: m.decimals + 2,
    instant_and_market_orders: 'Enabled',
    description: `${NAMES[m.base] ?? m.base} / ${NAMES[m.quote] ?? m.quote}`,
    market_type: 'SPOT',
  }));
}

const TICKER = /^\/api\/v2\/ticker\/([a-z0-9-]+)\/?$/;

/** Bitstamp answers errors as {"status": "error", "reason": "...", "code": "..."}. */
export const bitstamp: Venue = {
  markets: MARKETS,
  route(path) {
    if (path === '/api/v2/markets/' || path === '/api/v2/markets') return { kind: 'static', body: markets() };
    const m = TICKER.exec(path);
    if (m) return tickerRoute(MARKETS, m[1] ?? '');
    return { kind: 'notFound' };
  },
  ticker(_m, q) {
    return {
      timestamp: String(Math.floor(q.timestampMs / 1000)),
      open: q.last,
      high: q.ask,
      low: q.bid,
      last: q.last,
      volume: '1623.42719810',
      vwap: q.last,
      bid: q.bid,
      ask: q.ask,
      side: '0',
      open_24: q.last,
      percent_change_24: '0.00',
      market_type: 'SPOT',
    };
  },
  error(status, message) {
    return {
      status: 'error',
      reason: status === 404 ? 'Not found' : message,
      code: status >= 500 ? 'API5000' : 'API0001',
    };
  },
};
