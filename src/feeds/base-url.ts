/**
 * Points ccxt at a mirror or a local simulator: the scheme and host of every API URL are replaced
 * by one prefix, each path kept, so "https://www.bitstamp.net/api" under "http://127.0.0.1:9/bitstamp"
 * becomes "http://127.0.0.1:9/bitstamp/api".
 */

// Hosts may hold ccxt templates such as "api.{hostname}", so the host is "anything up to a slash".
const SCHEME_AND_HOST = /^[a-z][a-z0-9+.-]*:\/\/[^/]+/i;

/**
 * Returns a copy of ccxt's `urls.api` (a string or nested record of strings) with each URL's
 * scheme and host replaced by `baseUrl` (a trailing slash is ignored). Non-URL strings and
 * other values are kept as they are.
 */
export function rewriteApiUrls(api: unknown, baseUrl: string): unknown {
  const prefix = baseUrl.replace(/\/+$/, '');
  const rewrite = (value: unknown): unknown => {
    if (typeof value === 'string')
      return SCHEME_AND_HOST.test(value) ? value.replace(SCHEME_AND_HOST, () => prefix) : value;
    if (Array.isArray(value)) return value.map(rewrite);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
    }
    return value;
  };
  return rewrite(api);
}
