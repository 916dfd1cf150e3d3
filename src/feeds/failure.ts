/**
 * Turns whatever a fetcher rejected with into the one-line message shown in /sources and logs.
 * ccxt errors embed the request URL and sometimes the response body; a mirror URL may carry
 * credentials (`https://user:pass@host`) and query strings may carry keys or signatures, so both
 * are cut, and the text is bounded so an HTML error page cannot flood a report.
 */

/** Longest message kept; longer text is cut and marked with an ellipsis. */
export const MAX_FAILURE_LENGTH = 160;

import { PeerStablesError } from '../core/errors.js';

const URL_PATTERN = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@]*@)?([^\s?#]*)(\?[^\s#]*)?(#\S*)?/gi;

/**
 * Returns a short, single-line, credential-free description of `error`: its name (when it says
 * more than "Error" and is not one of our own classes) and the first line of its message, URLs reduced to scheme, host and path.
 * Never throws, whatever it is given.
 */
export function describeFailure(error: unknown): string {
  let name = '';
  let message: string;
  if (error instanceof Error) {
    // Our own errors already say what kind of failure they are; ccxt's class names add meaning.
    name = error.name && error.name !== 'Error' && !(error instanceof PeerStablesError) ? error.name : '';
    message = error.message;
  } else if (typeof error === 'string') {
    message = error;
  } else {
    message = 'unknown failure';
  }
  const firstLine = (message.split(/\r?\n/).find((line) => line.trim() !== '') ?? '').trim();
  const cleaned = firstLine.replace(URL_PATTERN, (_m, scheme: string, _user, rest: string) => `${scheme}${rest}`);
  const text = [name, cleaned].filter((part) => part !== '').join(': ') || 'unknown failure';
  return text.length > MAX_FAILURE_LENGTH ? `${text.slice(0, MAX_FAILURE_LENGTH - 1)}…` : text;
}
