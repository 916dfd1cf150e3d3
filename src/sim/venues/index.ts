/**
 * The simulated venues by ccxt exchange id: every default spot and perpetual source of
 * config/default.json, and `binanceusdm`, ccxt's USD-M-only class for the same Binance venue.
 */
import { binance } from './binance.js';
import { bitfinex } from './bitfinex.js';
import { bitstamp } from './bitstamp.js';
import { bybit } from './bybit.js';
import { coinbaseexchange } from './coinbaseexchange.js';
import { deribit } from './deribit.js';
import { gemini } from './gemini.js';
import { kraken } from './kraken.js';
import { krakenfutures } from './krakenfutures.js';
import { okx } from './okx.js';
import type { Venue } from './types.js';

export type { Venue, VenueContext, VenueMarket, Route } from './types.js';

/** Every venue the simulator can answer for. */
export const VENUES: Readonly<Record<string, Venue>> = Object.freeze({
  binance,
  binanceusdm: binance,
  bitfinex,
  bitstamp,
  bybit,
  coinbaseexchange,
  deribit,
  gemini,
  kraken,
  krakenfutures,
  okx,
});
