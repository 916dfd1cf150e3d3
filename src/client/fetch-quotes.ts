/**
 * Asks every oracle for its latest quote at once. Each answer is an untrusted body or a short
 * reason; nothing here is believed (selectQuotes verifies), so this only has to be bounded: a
 * timeout per request, a size cap per body, and never a rejected promise that would sink the
 * whole round because one oracle misbehaved.
 */
import { InputError } from '../core/errors.js';
import { readCappedText } from '../core/read-capped.js';
import { isNostrSource, parseNostrSource } from '../nostr/source-url.js';
import type { FetchedQuote, OracleEndpoint } from './types.js';

/** Larger than any attestation (about 700 bytes) by far; a hostile oracle cannot fill memory. */
export const MAX_QUOTE_BYTES = 64 * 1024;
/** Longest piece of an oracle's own error text we repeat: it ends up in logs. */
const MAX_REASON_CHARS = 200;

/** Printable ASCII only, capped: an oracle's text must not forge log lines or flood them. */
function clean(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > MAX_REASON_CHARS ? `${printable.slice(0, MAX_REASON_CHARS)}...` : printable;
}

/** The oracle's reason from the API's one error shape, {"error":{"code","message"}}, if it has it. */
function errorMessage(text: string): string | null {
  try {
    const parsed: unknown = JSON.parse(text);
    const error = (parsed as { error?: { message?: unknown } } | null)?.error;
    return typeof error?.message === 'string' ? error.message : null;
  } catch {
    return null;
  }
}

function failureReason(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
    return `timed out after ${timeoutMs} ms`;
  const cause =
    err instanceof Error
      ? (err.cause as { code?: unknown; syscall?: unknown; message?: unknown } | undefined)
      : undefined;
  // A system error (refused, unreachable, DNS) names itself by code; anything else by message.
  if (typeof cause?.code === 'string' && typeof cause.syscall === 'string') return `cannot connect: ${cause.code}`;
  const message = typeof cause?.message === 'string' ? cause.message : err instanceof Error ? err.message : String(err);
  return `request failed: ${clean(message)}`;
}

async function fetchOne(url: string, timeoutMs: number): Promise<FetchedQuote> {
  try {
    // One signal for the whole exchange: a server that sends headers and then stalls the body
    // is cut off at the same deadline as one that never answers.
    const response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json' },
    });
    const text = await readCappedText(response.body, MAX_QUOTE_BYTES);
    if (text === null) return { ok: false, error: `response larger than ${MAX_QUOTE_BYTES} bytes` };
    if (!response.ok) {
      const why = errorMessage(text) ?? (response.statusText || 'no reason given');
      return { ok: false, error: `HTTP ${response.status}: ${clean(why)}` };
    }
    try {
      return { ok: true, body: JSON.parse(text) as unknown };
    } catch {
      return { ok: false, error: 'response is not valid JSON' };
    }
  } catch (err) {
    return { ok: false, error: failureReason(err, timeoutMs) };
  }
}

/** The figure a `nostr:` source carries for each path: the one it serves over HTTP (docs/PROTOCOL.md, "Nostr"). */
const NOSTR_FIGURES = {
  '/price': { kind: 'index_price', pair: 'BTC/USD' },
  '/funding': { kind: 'funding_rate', pair: 'BTC/USD' },
  '/funding-index': { kind: 'funding_index', pair: 'BTC/USD' },
} as const;
type NostrPath = keyof typeof NOSTR_FIGURES;
const isNostrPath = (path: string): path is NostrPath => Object.hasOwn(NOSTR_FIGURES, path);

/** The newest figure a relay carries for `path`, as untrusted as an HTTP body: selectQuotes verifies it. */
async function fetchFromRelay(url: string, path: string, timeoutMs: number): Promise<FetchedQuote> {
  if (!isNostrPath(path)) return { ok: false, error: `a relay carries only the newest figures, not ${path}` };
  let source;
  try {
    source = parseNostrSource(url);
  } catch (err) {
    return { ok: false, error: clean((err as Error).message) };
  }
  // Loaded on first use: a client with HTTP oracles only never loads the relay code.
  const { fetchNostrFigure } = await import('../nostr/source.js');
  const fetched = await fetchNostrFigure(source, NOSTR_FIGURES[path], { timeoutMs, maxBytes: MAX_QUOTE_BYTES });
  if (!fetched.ok) return { ok: false, error: clean(fetched.error) };
  try {
    return { ok: true, body: JSON.parse(fetched.text) as unknown };
  } catch {
    return { ok: false, error: 'event content is not valid JSON' };
  }
}

/**
 * GETs `path` from every oracle concurrently (from a `nostr:` oracle: the same figure, from its
 * relay); `timeoutMs` (a positive integer) bounds each request, body included. Returns one
 * FetchedQuote per oracle, in the same order: the parsed JSON
 * body of a 2xx answer, or why there is none (timeout, connection, HTTP status with the oracle's
 * own error message, oversize or invalid body). Never rejects for an oracle's fault; rejects with
 * InputError for a bad `timeoutMs` (a caller bug).
 */
export async function fetchQuotes(
  oracles: readonly OracleEndpoint[],
  path: string,
  options: { timeoutMs: number },
): Promise<FetchedQuote[]> {
  if (!Number.isSafeInteger(options.timeoutMs) || options.timeoutMs <= 0) {
    throw new InputError(`timeoutMs must be a positive integer, got ${String(options.timeoutMs)}`);
  }
  // Appended, not resolved: new URL('/price', base) would drop a base path such as /oracle.
  return Promise.all(
    oracles.map((o) =>
      isNostrSource(o.url)
        ? fetchFromRelay(o.url, path, options.timeoutMs)
        : fetchOne(`${o.url.replace(/\/+$/, '')}${path}`, options.timeoutMs),
    ),
  );
}
