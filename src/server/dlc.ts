/**
 * The DLC oracle's HTTP API, in the shape DLC wallets consume: the public key, announcements paged
 * by maturity, and each event's announcement and attestation as hex TLV plus decoded JSON, with
 * the signing version. Handlers only read what the service stored; nothing is signed per request.
 */
import { Router, type RequestHandler } from 'express';
import type { Clock } from '../core/clock.js';
import { InputError } from '../core/errors.js';
import type { DlcReader } from '../dlc/service.js';
import { readOnlyRoute } from './cors.js';
import { sendError } from './http-error.js';
import { parseHistoryQuery, strictParams } from './query.js';

export interface DlcRouterDeps {
  readonly dlc: DlcReader;
  readonly clock: Clock;
  /** Largest page of /dlc/announcements. */
  readonly maxLimit: number;
}

const LIST_PARAMS = ['from', 'to', 'after', 'limit'] as const;
const DEFAULT_LIMIT = 100;
/** Largest time a JS Date can hold (ms): "no upper bound" for a listing. */
const MAX_TIME_MS = 8.64e15;
/** dlcspecs event ids are at most 64 bytes; ours are printable ASCII. */
const EVENT_ID = /^[\x21-\x7e]{1,64}$/;

/**
 * Builds the router of /dlc/pubkey, /dlc/announcements, /dlc/announcements/:eventId and
 * /dlc/attestations/:eventId (full paths: mount with app.use(router) before the 404 handler).
 * Bad parameters throw InputError, which the app's error handler answers with 400.
 */
export function createDlcRouter(deps: DlcRouterDeps): Router {
  const { dlc, clock, maxLimit } = deps;
  const router = Router();
  const get = (path: string, handler: RequestHandler): void => readOnlyRoute(router, path, handler);

  get('/dlc/pubkey', (req, res) => {
    strictParams(req.query, []);
    res.set('Cache-Control', 'public, max-age=3600').json({ publicKey: dlc.publicKeyHex, signingVersion: dlc.signingVersion });
  });

  get('/dlc/announcements', (req, res) => {
    const raw = strictParams(req.query, LIST_PARAMS);
    // /history's parser reads the times and the limit; its own defaults do not apply here.
    const { from, to, limit } = parseHistoryQuery(
      { from: raw.from ?? '0', to: raw.to ?? String(MAX_TIME_MS), limit: raw.limit ?? String(Math.min(DEFAULT_LIMIT, maxLimit)) },
      clock.now(),
      maxLimit,
    );
    if (raw.after !== undefined) eventIdOf(raw.after, 'after');
    // `after` only breaks ties within `from`'s maturity: alone it would restart from the first event.
    if (raw.after !== undefined && raw.from === undefined) throw new InputError('after needs from: pass both, as `next` gives them');
    const rows = dlc.page({ from, to, limit: limit + 1, ...(raw.after !== undefined ? { after: raw.after } : {}) });
    const announcements = rows.slice(0, limit);
    const last = announcements[announcements.length - 1];
    const next = rows.length > limit && last !== undefined ? { from: Date.parse(last.maturity), after: last.eventId } : null;
    res.set('Cache-Control', 'no-cache').json({ announcements, count: announcements.length, next });
  });

  get('/dlc/announcements/:eventId', (req, res) => {
    strictParams(req.query, []);
    const eventId = eventIdOf(req.params.eventId, 'eventId');
    const view = dlc.view(eventId);
    if (view === null) {
      sendError(res, 404, 'not_found', `no announced event ${eventId}`);
      return;
    }
    res.set('Cache-Control', view.attestation === null ? 'no-cache' : 'public, max-age=86400').json(view);
  });

  get('/dlc/attestations/:eventId', (req, res) => {
    strictParams(req.query, []);
    const eventId = eventIdOf(req.params.eventId, 'eventId');
    const view = dlc.view(eventId);
    if (view === null) {
      sendError(res, 404, 'not_found', `no announced event ${eventId}`, { status: 'unknown' });
      return;
    }
    if (view.attestation === null) {
      sendError(res, 404, 'not_found', `event ${eventId} is not attested yet: ${view.reason}`, { status: view.status, reason: view.reason, maturity: view.maturity });
      return;
    }
    // An attestation never changes once made: any cache may keep it.
    res.set('Cache-Control', 'public, max-age=31536000, immutable').json(view);
  });

  return router;
}

function eventIdOf(value: unknown, name: string): string {
  if (typeof value !== 'string' || !EVENT_ID.test(value)) {
    throw new InputError(`${name} must be an event id of 1 to 64 printable ASCII characters`);
  }
  return value;
}
