/**
 * Bitfinex public REST API v2 (api-pub.bitfinex.com/v2): the conf endpoint (currencies, then pair
 * info) and ticker. Bitfinex calls USDT "UST"; ccxt maps it back.
 */
import { jsonNumber as num, tickerRoute, type Venue, type VenueMarket } from './types.js';

const MARKETS: readonly VenueMarket[] = [
  { symbol: 'BTC/USD', id: 'tBTCUSD', base: 'BTC', quote: 'USD', decimals: 0 },
  { symbol: 'ETH/USD', id: 'tETHUSD', base: 'ETH', quote: 'USD', decimals: 1 },
  { symbol: 'ETH/BTC', id: 'tETHBTC', base: 'ETH', quote: 'BTC', decimals: 6 },
  { symbol: 'USDT/USD', id: 'tUSTUSD', base: 'USDT', quote: 'USD', decimals: 5 },
];

/** Answers of the conf endpoint, by key; unknown keys answer an empty list, as Bitfinex does. */
const CONF: Record<string, unknown> = {
  'pub:list:currency': ['BTC', 'ETH', 'UST', 'USD'],
  'pub:map:currency:sym': [['UST', 'USDt']],
  'pub:map:currency:label': [
    ['BTC', 'Bitcoin'],
    ['ETH', 'Ethereum'],
    ['UST', 'Tether USDt'],
    ['USD', 'US Dollar'],
  ],
  'pub:map:currency:unit': [],
  'pub:map:currency:undl': [],
  'pub:map:currency:pool': [['UST', 'ETH']],
  'pub:map:currency:explorer': [
    ['BTC', ['https://blockstream.info', 'https://blockstream.info/address/VAL', 'https://blockstream.info/tx/VAL']],
    ['ETH', ['https://etherscan.io', 'https://etherscan.io/address/VAL', 'https://etherscan.io/tx/VAL']],
  ],
  'pub:map:currency:tx:fee': [
    ['BTC', [0, 0.0004]],
    ['ETH', [0, 0.00135]],
    ['UST', [0, 1]],
  ],
  'pub:map:tx:method': [
    ['BITCOIN', ['BTC']],
    ['ETHEREUM', ['ETH']],
    ['TETHERUSE', ['UST']],
  ],
  'pub:info:tx:status': [
    ['BITCOIN', 1, 1, null, null, null, null, 0, 0, null, null, 3],
    ['ETHEREUM', 1, 1, null, null, null, null, 0, 0, null, null, 3],
  ],
  'pub:list:currency:margin': ['BTC', 'ETH', 'UST', 'USD'],
  'pub:info:pair': MARKETS.map((m) => [
    m.id.slice(1),
    [null, null, null, '0.00004', '2000.0', null, null, null, 0.2, 0.1, null, null],
  ]),
  'pub:info:pair:futures': [],
  'pub:list:pair:securities': [],
  'pub:list:pair:margin': MARKETS.map((m) => m.id.slice(1)),
};

const CONF_PATH = /^\/v2\/conf\/(.+)$/;
const TICKER = /^\/v2\/ticker\/(t[A-Z0-9:]+)$/;

/** Bitfinex answers errors as ["error", <code>, "<message>"]. */
export const bitfinex: Venue = {
  markets: MARKETS,
  route(path) {
    const conf = CONF_PATH.exec(path);
    if (conf) {
      const keys = decodeURIComponent(conf[1] ?? '').split(',');
      return { kind: 'static', body: keys.map((k) => CONF[k] ?? []) };
    }
    const m = TICKER.exec(path);
    if (m) return tickerRoute(MARKETS, m[1] ?? '');
    return { kind: 'notFound' };
  },
  ticker(_m, q) {
    // [BID, BID_SIZE, ASK, ASK_SIZE, DAILY_CHANGE, DAILY_CHANGE_RELATIVE, LAST_PRICE, VOLUME, HIGH, LOW]
    return [num(q.bid), 4.2, num(q.ask), 3.1, 0, 0, num(q.last), 1523.7, num(q.ask), num(q.bid)];
  },
  error(status, message) {
    return ['error', status === 404 ? 10020 : 20060, status === 404 ? 'symbol: invalid' : message];
  },
};
