/**
 * Coinbase Exchange's public REST API (api.exchange.coinbase.com): currencies, products, ticker.
 * The ticker's `price`, `size` and `time` are those of the last trade; `bid` and `ask` the book's.
 */
import { tickSize, tickerRoute, type Venue, type VenueMarket } from './types.js';

const MARKETS: readonly VenueMarket[] = [
  { symbol: 'BTC/USD', id: 'BTC-USD', base: 'BTC', quote: 'USD', decimals: 2 },
  { symbol: 'ETH/USD', id: 'ETH-USD', base: 'ETH', quote: 'USD', decimals: 2 },
  { symbol: 'ETH/BTC', id: 'ETH-BTC', base: 'ETH', quote: 'BTC', decimals: 5 },
  { symbol: 'USDT/USD', id: 'USDT-USD', base: 'USDT', quote: 'USD', decimals: 5 },
];

const CURRENCIES = [
  { id: 'BTC', name: 'Bitcoin', type: 'crypto', precision: '0.00000001', network: 'bitcoin' },
  { id: 'ETH', name: 'Ethereum', type: 'crypto', precision: '0.00000001', network: 'ethereum' },
  { id: 'USDT', name: 'Tether', type: 'crypto', precision: '0.000001', network: 'ethereum' },
  { id: 'USD', name: 'United States Dollar', type: 'fiat', precision: '0.01', network: null },
];

function currencies(): unknown {
  return CURRENCIES.map((c) => ({
    id: c.id,
    name: c.name,
    min_size: c.precision,
    status: 'online',
    message: '',
    max_precision: c.precision,
    convertible_to: [],
    details: {
      type: c.type,
      symbol: c.type === 'fiat' ? '$' : null,
      network_confirmations: c.type === 'fiat' ? 0 : 2,
      sort_order: 1,
      crypto_address_link: '',
      crypto_transaction_link: '',
      push_payment_methods: [],
      group_types: [],
      display_name: null,
      processing_time_seconds: null,
      min_withdrawal_amount: Number(c.precision),
      max_withdrawal_amount: 1_000_000,
    },
    default_network: c.network ?? '',
    supported_networks: c.network
      ? [
          {
            id: c.network,
            name: c.network,
            status: 'online',
            contract_address: '',
            crypto_address_link: '',
            crypto_transaction_link: '',
            min_withdrawal_amount: Number(c.precision),
            max_withdrawal_amount: 1_000_000,
            network_confirmations: 2,
            processing_time_seconds: null,
          },
        ]
      : [],
  }));
}

function products(): unknown {
  return MARKETS.map((m) => ({
    id: m.id,
    base_currency: m.base,
    quote_currency: m.quote,
    quote_increment: tickSize(m.decimals),
    base_increment: '0.00000001',
    display_name: `${m.base}-${m.quote}`,
    min_market_funds: '1',
    margin_enabled: false,
    post_only: false,
    limit_only: false,
    cancel_only: false,
    status: 'online',
    status_message: '',
    trading_disabled: false,
    fx_stablecoin: m.base === 'USDT',
    max_slippage_percentage: '0.02000000',
    auction_mode: false,
    high_bid_limit_percentage: '',
  }));
}

const TICKER = /^\/products\/([A-Z0-9]+-[A-Z0-9]+)\/ticker$/;

/** Coinbase answers errors as {"message": "..."}. */
export const coinbaseexchange: Venue = {
  markets: MARKETS,
  route(path) {
    if (path === '/currencies') return { kind: 'static', body: currencies() };
    if (path === '/products') return { kind: 'static', body: products() };
    const m = TICKER.exec(path);
    if (m) return tickerRoute(MARKETS, m[1] ?? '');
    return { kind: 'notFound' };
  },
  ticker(_m, q) {
    return {
      ask: q.ask,
      bid: q.bid,
      volume: '8211.48730937',
      trade_id: 868231944,
      price: q.last,
      size: '0.00120000',
      // The time of the last trade (Coinbase: "snapshot information about the last trade (tick),
      // best bid/ask"), not of the book: in a quiet market it is old while bid and ask are current.
      time: new Date(q.lastTradeMs).toISOString(),
      rfq_volume: '12.430119',
    };
  },
  error(status, message) {
    return { message: status === 404 ? 'NotFound' : message };
  },
};
