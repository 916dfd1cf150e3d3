/** The simulated venues by ccxt exchange id: the six default sources of config/default.json. */
import { binance } from './binance.js';
import { bitfinex } from './bitfinex.js';
import { bitstamp } from './bitstamp.js';
import { coinbaseexchange } from './coinbaseexchange.js';
import { gemini } from './gemini.js';
import { kraken } from './kraken.js';
import type { Venue } from './types.js';

export type { Venue, VenueMarket, Route } from './types.js';

/** Every venue the simulator can answer for. */
export const VENUES: Readonly<Record<string, Venue>> = Object.freeze({
  binance,
  bitfinex,
  bitstamp,
  coinbaseexchange,
  gemini,
  kraken,
});
