/**
 * Which trading venue a ccxt exchange id reaches. ccxt has one class per API, not per venue:
 * Binance spot and USD-M futures are `binance` and `binanceusdm`, Coinbase's two APIs `coinbase`
 * and `coinbaseexchange`. Anything that must count a venue once (a vote in a median) or know a
 * venue's own rules (a documented default) therefore goes by venue, never by id string.
 *
 * The venue is read from ccxt's own metadata rather than a hand-kept list that goes stale: the
 * registrable domain (Public Suffix List, through tldts) of the class's website (`urls.www`, else
 * its `hostname`). On ccxt 4.5 this groups exactly the real families (binance/binanceusdm/binancecoinm, coinbase/coinbaseexchange/
 * coinbaseinternational, kraken/krakenfutures, okx/okxus/myokx, bybit/bybiteu,
 * kucoin/kucoinfutures, gate/gateeu); test/feeds/venue.test.ts checks that over every ccxt class.
 */
import { getDomain } from 'tldts';

/**
 * The registrable domain of `host` under the Public Suffix List ("futures.kraken.com" ->
 * "kraken.com", "www.btcbox.co.jp" -> "btcbox.co.jp"), lower case; the host itself when it has
 * none (an IP address, a bare public suffix).
 */
export function registrableDomain(host: string): string {
  const lower = host.toLowerCase().replace(/\.$/, '');
  return getDomain(lower) ?? lower;
}

/** The ccxt metadata a venue is read from: an exchange instance has both fields. */
export interface ExchangeMetadata {
  readonly urls?: unknown;
  readonly hostname?: unknown;
}

/**
 * The venue of ccxt exchange `exchangeId` from its metadata: the registrable domain of `urls.www`,
 * else of `hostname`, else (a class that names neither) the id itself, so such a class counts as
 * a venue of its own, as before venues were known.
 */
export function venueOf(exchangeId: string, metadata: ExchangeMetadata): string {
  const urls = typeof metadata.urls === 'object' && metadata.urls !== null ? (metadata.urls as { www?: unknown }) : {};
  const www = urls.www;
  const host = hostOf(www) ?? hostOf(`https://${String(metadata.hostname ?? '')}`);
  return host === undefined ? exchangeId : registrableDomain(host);
}

function hostOf(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    const { hostname } = new URL(url);
    return hostname.includes('.') ? hostname : undefined;
  } catch {
    return undefined;
  }
}
