/**
 * Deribit public JSON-RPC over HTTP (www.deribit.com/api/v2/public): get_currencies,
 * get_instruments (BTC-PERPETUAL, an inverse swap settled in BTC) and get_funding_rate_value.
 * ccxt asks for the funding accrued over the last 8 hours and labels it an 8-hour rate; the
 * simulator answers the scenario's rate as that 8-hour value. No mark price and no timestamp.
 */
import { EIGHT_HOURS_MS, fundingRoute, jsonNumber, type Venue, type VenueMarket } from './types.js';

const PERPETUALS: readonly VenueMarket[] = [
  {
    symbol: 'BTC/USD:BTC',
    id: 'BTC-PERPETUAL',
    base: 'BTC',
    quote: 'USD',
    settle: 'BTC',
    decimals: 1,
    fixedIntervalMs: EIGHT_HOURS_MS,
  },
];

/** Deribit wraps every answer as {jsonrpc, result, usIn, usOut, usDiff, testnet} (times in microseconds). */
function envelope(result: unknown, nowMs: number): unknown {
  return { jsonrpc: '2.0', result, usIn: nowMs * 1000, usOut: nowMs * 1000 + 512, usDiff: 512, testnet: false };
}

const CURRENCIES = [
  {
    currency: 'BTC',
    currency_long: 'Bitcoin',
    coin_type: 'BITCOIN',
    fee_precision: 4,
    min_confirmations: 1,
    min_withdrawal_fee: 0.0001,
    withdrawal_fee: 0.0001,
    withdrawal_priorities: [
      { value: 0.15, name: 'very_low' },
      { value: 1.5, name: 'very_high' },
    ],
    network_fee: '0.00001',
    network_currency: 'BTC',
    apr: '0.0',
    in_cross_collateral_pool: true,
    decimals: 8,
  },
];

function instruments(): unknown[] {
  return PERPETUALS.map((m) => ({
    tick_size: 0.5,
    tick_size_steps: [],
    taker_commission: 0.0005,
    settlement_period: 'perpetual',
    settlement_currency: m.settle,
    rfq: false,
    quote_currency: m.quote,
    price_index: 'btc_usd',
    min_trade_amount: 10,
    max_liquidation_commission: 0.0075,
    max_leverage: 50,
    maker_commission: 0,
    kind: 'future',
    is_active: true,
    instrument_name: m.id,
    instrument_id: 124972,
    instrument_type: 'reversed',
    expiration_timestamp: 32503708800000,
    creation_timestamp: 1534242287000,
    counter_currency: m.quote,
    contract_size: 10,
    block_trade_tick_size: 0.01,
    block_trade_min_trade_amount: 200000,
    block_trade_commission: 0.00025,
    base_currency: m.base,
  }));
}

/** Deribit answers errors as {"jsonrpc": "2.0", "error": {"message": "...", "code": <int>}, ...}. */
export const deribit: Venue = {
  markets: PERPETUALS,
  route(path, query, nowMs) {
    if (path === '/api/v2/public/get_currencies') return { kind: 'static', body: envelope(CURRENCIES, nowMs) };
    if (path === '/api/v2/public/get_instruments') return { kind: 'static', body: envelope(instruments(), nowMs) };
    if (path === '/api/v2/public/get_funding_rate_value')
      return fundingRoute(PERPETUALS, query.get('instrument_name') ?? '');
    return { kind: 'notFound' };
  },
  ticker() {
    throw new RangeError('deribit is simulated for perpetual funding only');
  },
  funding(_m, f) {
    return envelope(jsonNumber(f.rate), f.timestampMs);
  },
  error(status, message) {
    const error = status === 404 ? { message: 'instrument_not_found', code: 13020 } : { message, code: 11098 };
    return { jsonrpc: '2.0', error, testnet: false };
  },
};
