/**
 * The DLC oracle's HTTP API, in the shape DLC wallets consume: the public key, announcements paged
 * by maturity, and each event's announcement and attestation as hex TLV plus decoded JSON, with
 * the signing version. Handlers only join JSON the service stored when each message was made:
 * nothing is signed, decoded or verified per request, and a page is cut by its size in bytes as
 * well as by `limit`, so no request costs more than a bounded amount of work.
 */
import { Router, type RequestHandler } from 'express';
import type { Clock } from '../core/clock.js';
import { InputError } from '../core/errors.js';
import type { DlcReader } from '../dlc/service.js';
import { isoTime } from '../dlc/views.js';
import { readOnlyRoute } from './cors.js';
import { sendError } from './http-error.js';
import { parseHistoryQuery, strictParams } from './query.js';

export interface DlcRouterDeps {
  readonly dlc: DlcReader;
  readonly clock: Clock;
  /** Largest page of /dlc/announcements. */
  readonly maxLimit: number;
  /** Most bytes of events in one page of /dlc/announcements (default DLC_PAGE_MAX_BYTES). */
  readonly maxPageBytes?: number;
}

/**
 * Most bytes of events in one page of /dlc/announcements (256 KiB: about 30 attested events or
 * 70 announced ones, well under a millisecond to assemble); a page always holds at least one
 * event, and `next` continues where it stopped.
 */
export const DLC_PAGE_MAX_BYTES = 262_144;

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
  const maxPageBytes = deps.maxPageBytes ?? DLC_PAGE_MAX_BYTES;
  const router = Router();
  const get = (path: string, handler: RequestHandler): void => readOnlyRoute(router, path, handler);

  get('/dlc/pubkey', (req, res) => {
    strictParams(req.query, []);
    res
      .set('Cache-Control', 'public, max-age=3600')
      .json({ publicKey: dlc.publicKeyHex, signingVersion: dlc.signingVersion });
  });

  get('/dlc/announcements', (req, res) => {
    const raw = strictParams(req.query, LIST_PARAMS);
    // /history's parser reads the times and the limit; its own defaults do not apply here.
    const { from, to, limit } = parseHistoryQuery(
      {
        from: raw.from ?? '0',
        to: raw.to ?? String(MAX_TIME_MS),
        limit: raw.limit ?? String(Math.min(DEFAULT_LIMIT, maxLimit)),
      },
      clock.now(),
      maxLimit,
    );
    if (raw.after !== undefined) eventIdOf(raw.after, 'after');
    // `after` only breaks ties within `from`'s maturity: alone it would restart from the first event.
    if (raw.after !== undefined && raw.from === undefined)
      throw new InputError('after needs from: pass both, as `next` gives them');
    const { events, more } = dlc.page(
      { from, to, limit, ...(raw.after !== undefined ? { after: raw.after } : {}) },
      maxPageBytes,
    );
    const last = events[events.length - 1];
    const next = more && last !== undefined ? { from: last.maturity, after: last.eventId } : null;
    const list = events.map((e) => e.json).join(',');
    const body = `{"announcements":[${list}],"count":${events.length},"next":${JSON.stringify(next)}}`;
    res.set('Cache-Control', 'no-cache').type('application/json').send(body);
  });

  get('/dlc/announcements/:eventId', (req, res) => {
    strictParams(req.query, []);
    const eventId = eventIdOf(req.params.eventId, 'eventId');
    const event = dlc.event(eventId);
    if (event === null) {
      sendError(res, 404, 'not_found', `no announced event ${eventId}`);
      return;
    }
    res
      .set('Cache-Control', event.attested ? 'public, max-age=86400' : 'no-cache')
      .type('application/json')
      .send(event.json);
  });

  get('/dlc/attestations/:eventId', (req, res) => {
    strictParams(req.query, []);
    const eventId = eventIdOf(req.params.eventId, 'eventId');
    const event = dlc.event(eventId);
    if (event === null) {
      sendError(res, 404, 'not_found', `no announced event ${eventId}`, { status: 'unknown' });
      return;
    }
    if (!event.attested) {
      const details = { status: event.status, reason: event.reason, maturity: isoTime(event.maturity) };
      sendError(res, 404, 'not_found', `event ${eventId} is not attested yet: ${event.reason}`, details);
      return;
    }
    // An attestation never changes once made: any cache may keep it.
    res.set('Cache-Control', 'public, max-age=31536000, immutable').type('application/json').send(event.json);
  });

  return router;
}

function eventIdOf(value: unknown, name: string): string {
  if (typeof value !== 'string' || !EVENT_ID.test(value)) {
    throw new InputError(`${name} must be an event id of 1 to 64 printable ASCII characters`);
  }
  return value;
}
