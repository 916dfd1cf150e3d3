/**
 * Cross-origin reads. Signed data is public and self-authenticating, so browser code on any
 * origin may read every endpoint. Simple GETs need only Access-Control-Allow-Origin; a request
 * carrying a header outside the CORS safelist (If-None-Match, Cache-Control, Last-Event-ID, ...)
 * is preceded by an OPTIONS preflight, which must answer 2xx with the method and headers allowed
 * (Fetch standard, "CORS-preflight fetch"), or the browser never sends the GET at all.
 */
import type { RequestHandler, Router } from 'express';
import { methodNotAllowed } from './http-error.js';

/** The methods every endpoint answers; all of them only read. */
export const ALLOWED_METHODS = 'GET, HEAD, OPTIONS';

/** Headers of every GET and HEAD answer. */
export const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'ETag, Last-Modified, Retry-After, RateLimit, RateLimit-Policy',
} as const;

/** How long a browser may reuse a preflight answer (Chromium caps it at two hours). */
const PREFLIGHT_MAX_AGE_S = 86_400;
/** A field-name list as Access-Control-Request-Headers carries it: tokens, commas, spaces. */
const HEADER_LIST = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:[ \t]*,[ \t]*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*$/;
const MAX_HEADER_LIST_CHARS = 1_024;

/** Adds the CORS headers to GET and HEAD answers. */
export const publicCors: RequestHandler = (req, res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD') res.set(CORS_HEADERS);
  next();
};

/**
 * Answers OPTIONS on a known path: 204 with Allow, and for a preflight the origin, methods and
 * requested headers allowed. Requested headers are echoed rather than answered with "*", which
 * does not cover Authorization; no credentials are ever allowed, so echoing grants nothing more.
 */
export const answerOptions: RequestHandler = (req, res) => {
  res.set('Allow', ALLOWED_METHODS);
  if (req.get('Access-Control-Request-Method') !== undefined) {
    res.set({
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'GET, HEAD',
      'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_S),
      Vary: 'Access-Control-Request-Headers',
    });
    const requested = req.get('Access-Control-Request-Headers')?.trim();
    if (requested && requested.length <= MAX_HEADER_LIST_CHARS && HEADER_LIST.test(requested)) {
      res.set('Access-Control-Allow-Headers', requested);
    }
  }
  res.status(204).end();
};

/** Registers a read-only endpoint on `router`: GET (and HEAD) by `handler`, OPTIONS answered, anything else 405. */
export function readOnlyRoute(router: Router, path: string, handler: RequestHandler): void {
  router.route(path).get(handler).options(answerOptions).all(methodNotAllowed);
}
