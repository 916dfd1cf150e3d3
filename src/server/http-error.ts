/**
 * The one HTTP error shape: `{"error":{"code","message",...details}}`. Every non-2xx answer of the
 * API goes through `sendError`, so clients parse one shape and no stack trace can slip out.
 */
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { InputError } from '../core/errors.js';
import type { Logger } from '../core/log.js';

/** Machine-readable error codes of the API (documented in docs/openapi.yaml). */
export type ErrorCode =
  | 'bad_request'
  | 'not_found'
  | 'method_not_allowed'
  | 'rate_limited'
  | 'no_trustworthy_index'
  | 'no_trustworthy_funding'
  | 'no_trustworthy_premium'
  | 'no_funding_index'
  | 'too_many_streams'
  | 'overloaded'
  | 'internal';

/**
 * Writes the error shape with `status`; `details` are extra JSON fields beside code and message.
 * Errors are never cached: a CDN must not pin a refusal after the oracle recovers.
 */
export function sendError(
  res: Response,
  status: number,
  code: ErrorCode,
  message: string,
  details: Readonly<Record<string, string | number | boolean | null>> = {},
): void {
  res
    .status(status)
    .set('Cache-Control', 'no-store')
    .json({ error: { code, message, ...details } });
}

/** Final handler for paths no route matched: 404. */
export const notFound: RequestHandler = (req, res) => {
  sendError(res, 404, 'not_found', `no such endpoint: ${req.path}`);
};

/** Handler for a known path reached with a method other than GET, HEAD or OPTIONS: 405 with Allow. */
export const methodNotAllowed: RequestHandler = (req, res) => {
  res.set('Allow', 'GET, HEAD, OPTIONS');
  sendError(res, 405, 'method_not_allowed', `method ${req.method} not allowed; use GET or HEAD`);
};

/**
 * Error middleware: InputError becomes 400 with its message (written for the caller); any other
 * error is logged and answered with a generic 500, because its message may expose internals.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (res.headersSent) {
      logger.error({ err, method: req.method, path: req.path }, 'error after response started');
      res.destroy();
      return;
    }
    if (err instanceof InputError) {
      sendError(res, 400, 'bad_request', err.message);
      return;
    }
    const status = statusOf(err);
    if (status !== null && status >= 400 && status < 500) {
      // Express's own parsing failures (e.g. a malformed percent-encoding): the client's fault.
      sendError(res, 400, 'bad_request', 'malformed request');
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'unhandled error in request');
    sendError(res, 500, 'internal', 'internal error');
  };
}

function statusOf(err: unknown): number | null {
  if (typeof err !== 'object' || err === null) return null;
  const status = (err as { status?: unknown }).status ?? (err as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : null;
}
