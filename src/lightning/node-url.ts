/** The one rule for where a Lightning node's REST API may be reached with a credential. */
import { ConfigError } from '../core/errors.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Parses a node's base URL. The credential (rune, macaroon) travels in every request, so it must
 * be https, or plain http to a loopback host only; a URL may not carry credentials, a query or a
 * fragment of its own. `what` names the API in errors ("LND REST"). Throws ConfigError.
 */
export function nodeBaseUrl(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(
      `${what} url ${JSON.stringify(text)} is not a URL; it must be https (plain http only to a loopback host)`,
    );
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    throw new ConfigError(
      `${what} url must be https (plain http only to a loopback host, the credential travels in every request): ${url.protocol}//${url.host}`,
    );
  }
  if (url.username || url.password || url.search || url.hash)
    throw new ConfigError(`${what} url must not carry credentials, a query or a fragment`);
  return url;
}
