/**
 * Gemini: the exchange web page (exchange.gemini.com) whose embedded "currencyData" script ccxt
 * scrapes for currencies and trading pairs, then the REST API (api.gemini.com/v1): symbols and
 * pubticker. ccxt sends both hosts to one prefix once the base URL is rewritten.
 */
import { tickerRoute, type Venue, type VenueMarket } from './types.js';

const MARKETS: readonly VenueMarket[] = [
  { symbol: 'BTC/USD', id: 'btcusd', base: 'BTC', quote: 'USD', decimals: 2 },
  { symbol: 'ETH/USD', id: 'ethusd', base: 'ETH', quote: 'USD', decimals: 2 },
  { symbol: 'ETH/BTC', id: 'ethbtc', base: 'ETH', quote: 'BTC', decimals: 5 },
  { symbol: 'BTC/USDT', id: 'btcusdt', base: 'BTC', quote: 'USDT', decimals: 2 },
];

function webPage(): string {
  // [symbol, priceTickDecimalPlaces, quantityTickDecimalPlaces, quantityMinimum, quantityRoundDecimalPlaces, minimumsAreInclusive]
  const tradingPairs = MARKETS.map((m) => [m.id.toUpperCase(), m.decimals, 8, '0.00001', 10, true]);
  // [id, name, numericId, displayDecimals, displayDecimalsFiat, precision, ?, isFiat, symbol, network]
  const currencies = [
    ['BTC', 'Bitcoin', 1, 8, 2, 8, 8, false, null, 'bitcoin'],
    ['ETH', 'Ether', 2, 6, 2, 18, 8, false, null, 'ethereum'],
    ['USDT', 'Tether', 60, 6, 2, 6, 6, false, null, 'ethereum'],
    ['USD', 'US Dollar', 0, 2, 2, 2, 2, true, '$', null],
  ];
  const networks = [
    ['bitcoin', 'BTC', 'Bitcoin'],
    ['ethereum', 'ETH', 'Ethereum'],
  ];
  const data = JSON.stringify({ tradingPairs, currencies, networks });
  return (
    `<!DOCTYPE html><html><head><title>Gemini</title></head><body><div id="root"></div>` +
    `<script type="application/json" id="currencyData">${data}</script></body></html>`
  );
}

const TICKER = /^\/v1\/pubticker\/([a-z0-9]+)$/;

/** Gemini answers errors as {"result": "error", "reason": "...", "message": "..."}. */
export const gemini: Venue = {
  markets: MARKETS,
  route(path) {
    if (path === '/' || path === '') return { kind: 'html', body: webPage() };
    if (path === '/v1/symbols') return { kind: 'static', body: MARKETS.map((m) => m.id) };
    const m = TICKER.exec(path);
    if (m) return tickerRoute(MARKETS, m[1] ?? '');
    return { kind: 'notFound' };
  },
  ticker(m, q) {
    return {
      bid: q.bid,
      ask: q.ask,
      volume: { [m.base]: '1398.70152961', [m.quote]: '135689412.3712', timestamp: q.timestampMs },
      last: q.last,
    };
  },
  error(status, message) {
    if (status === 404)
      return { result: 'error', reason: 'InvalidSymbol', message: 'Supplied value is not a valid symbol' };
    return { result: 'error', reason: status >= 500 ? 'System' : 'Unknown', message };
  },
};
