/**
 * Which trading venue a ccxt exchange id reaches. ccxt has one class per API, not per venue:
 * Binance spot and USD-M futures are `binance` and `binanceusdm`, Coinbase's two APIs `coinbase`
 * and `coinbaseexchange`. Anything that must count a venue once (a vote in a median) or know a
 * venue's own rules (a documented default) therefore goes by venue, never by id string.
 *
 * The venue is read from ccxt's own metadata rather than a hand-kept list that goes stale: the
 * registrable domain of the class's website (`urls.www`, else its `hostname`). On ccxt 4.5 this
 * groups exactly the real families (binance/binanceusdm/binancecoinm, coinbase/coinbaseexchange/
 * coinbaseinternational, kraken/krakenfutures, okx/okxus/myokx, bybit/bybiteu,
 * kucoin/kucoinfutures, gate/gateeu); test/feeds/venue.test.ts checks that over every ccxt class.
 */

/**
 * Country-code domains whose companies register under a generic second level: bittrade.co.jp and
 * btcbox.co.jp are two venues, not one "co.jp". This is not the Public Suffix List, only the rule
 * every website ccxt names needs; the test over all ccxt classes fails if a new one needs more.
 */
const GENERIC_SECOND_LEVEL: ReadonlySet<string> = new Set(['ac', 'co', 'com', 'edu', 'gov', 'net', 'or', 'org']);

/**
 * The registrable domain of `host` ("futures.kraken.com" -> "kraken.com", "www.btcbox.co.jp" ->
 * "btcbox.co.jp"), lower case, a trailing dot ignored.
 */
export function registrableDomain(host: string): string {
  const labels = host.toLowerCase().replace(/\.$/, '').split('.');
  const tld = labels[labels.length - 1] ?? '';
  const second = labels[labels.length - 2] ?? '';
  const keep = labels.length >= 3 && tld.length === 2 && GENERIC_SECOND_LEVEL.has(second) ? 3 : 2;
  return labels.slice(-keep).join('.');
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
