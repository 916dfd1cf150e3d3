/**
 * Query-string validation. Every endpoint names the parameters it accepts; anything else, or a
 * parameter given twice, is a 400, so a typo ("form=") fails loudly instead of being ignored.
 */
import { InputError } from '../core/errors.js';
import { KIND_CODES, type AttestationKind } from '../attest/types.js';
import type { HistoryQuery } from '../store/types.js';

/** /history's query: a range, and optionally the position a previous page's `next` gave. */
export interface HistoryRequest extends HistoryQuery {
  /** Continue after the row with this id observed at `from` (the `after` of `next`). */
  readonly afterId?: bigint;
}

/** The parsed query string as express hands it over. */
export type RawQuery = Readonly<Record<string, unknown>>;

/** Default window and page size of /history. */
const HISTORY_DEFAULT_WINDOW_MS = 60 * 60 * 1000;
const HISTORY_DEFAULT_LIMIT = 100;

const HISTORY_PARAMS = ['from', 'to', 'limit', 'kind', 'after'] as const;
/** A row id as `next` gives it: decimal, within SQLite's 63-bit integers. */
const ROW_ID = /^(?:0|[1-9]\d{0,18})$/;
const MAX_ROW_ID = 2n ** 63n - 1n;
const KINDS = Object.keys(KIND_CODES) as AttestationKind[];
/** Largest time a JS Date can hold (ms). */
const MAX_TIME_MS = 8.64e15;
const EPOCH_MS = /^\d{1,16}$/;
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * Takes the raw query and the names an endpoint accepts; returns each accepted parameter's single
 * string value (absent ones omitted). Throws InputError for an unknown, repeated or empty one.
 */
export function strictParams<K extends string>(query: RawQuery, allowed: readonly K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const [name, value] of Object.entries(query)) {
    if (!(allowed as readonly string[]).includes(name)) {
      const accepted = allowed.length === 0 ? 'none' : allowed.join(', ');
      throw new InputError(`unknown query parameter ${JSON.stringify(name)}; accepted: ${accepted}`);
    }
    if (typeof value !== 'string') throw new InputError(`query parameter ${name} given more than once`);
    if (value === '') throw new InputError(`query parameter ${name} is empty`);
    out[name as K] = value;
  }
  return out;
}

/**
 * Parses /history's query at time `nowMs`: from/to as ms since the epoch or ISO-8601 with a zone
 * (to defaults to now, from to one hour before to), limit 1..maxLimit (default 100 or maxLimit
 * if smaller), kind one of the signed kinds (default all), and `after`, the row id of a previous
 * page's `next` (only with `from`). Throws InputError naming the problem.
 */
export function parseHistoryQuery(query: RawQuery, nowMs: number, maxLimit: number): HistoryRequest {
  const raw = strictParams(query, HISTORY_PARAMS);
  const to = raw.to === undefined ? nowMs : parseTime('to', raw.to);
  const from = raw.from === undefined ? Math.max(0, to - HISTORY_DEFAULT_WINDOW_MS) : parseTime('from', raw.from);
  if (from > to) throw new InputError(`from (${from}) is after to (${to})`);
  const limit = raw.limit === undefined ? Math.min(HISTORY_DEFAULT_LIMIT, maxLimit) : parseLimit(raw.limit, maxLimit);
  const kind = raw.kind === undefined ? {} : { kind: parseKind(raw.kind) };
  if (raw.after === undefined) return { from, to, limit, ...kind };
  // `after` only breaks ties within `from`'s time: alone it would restart from an hour ago.
  if (raw.from === undefined) throw new InputError('after needs from: pass both, as `next` gives them');
  return { from, to, limit, ...kind, afterId: parseRowId(raw.after) };
}

function parseRowId(text: string): bigint {
  if (!ROW_ID.test(text) || BigInt(text) > MAX_ROW_ID) {
    throw new InputError(`after must be the decimal row id a \`next\` gave, got ${JSON.stringify(text.slice(0, 24))}`);
  }
  return BigInt(text);
}

function parseTime(name: string, text: string): number {
  if (EPOCH_MS.test(text)) {
    const ms = Number(text);
    if (ms > MAX_TIME_MS) throw new InputError(`${name} is beyond the largest representable time`);
    return ms;
  }
  const m = ISO_8601.exec(text);
  if (!m) {
    // A date-time without a zone is refused too: the server's local zone is no contract.
    throw new InputError(
      `${name} must be ms since the epoch or ISO-8601 with a zone such as 2024-05-01T12:00:00Z, got ${JSON.stringify(text)}`,
    );
  }
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', zone] = m;
  const fields = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const;
  const local = Date.UTC(...fields, Number(frac.padEnd(3, '0')));
  const back = new Date(local);
  // Date.UTC silently rolls 2024-02-30 over into March; a caller who typed it made a mistake.
  const same =
    back.getUTCFullYear() === fields[0] &&
    back.getUTCMonth() === fields[1] &&
    back.getUTCDate() === fields[2] &&
    back.getUTCHours() === fields[3] &&
    back.getUTCMinutes() === fields[4] &&
    back.getUTCSeconds() === fields[5];
  if (!same) throw new InputError(`${name} is not a valid calendar time: ${JSON.stringify(text)}`);
  const ms = local - zoneOffsetMs(zone);
  if (ms < 0) throw new InputError(`${name} is before the Unix epoch`);
  return ms;
}

function zoneOffsetMs(zone: string | undefined): number {
  if (zone === undefined || zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 23 || minutes > 59) throw new InputError(`invalid time zone offset ${zone}`);
  return sign * (hours * 60 + minutes) * 60_000;
}

function parseLimit(text: string, maxLimit: number): number {
  if (!/^\d{1,9}$/.test(text)) throw new InputError(`limit must be a positive integer, got ${JSON.stringify(text)}`);
  const limit = Number(text);
  if (limit < 1 || limit > maxLimit) throw new InputError(`limit must be between 1 and ${maxLimit}, got ${limit}`);
  return limit;
}

function parseKind(text: string): AttestationKind {
  const kind = KINDS.find((k) => k === text);
  if (kind === undefined) throw new InputError(`kind must be one of ${KINDS.join(', ')}, got ${JSON.stringify(text)}`);
  return kind;
}
