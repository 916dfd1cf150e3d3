/**
 * The DLC event schedule, pure: recurring series ("hourly", "daily") whose maturities fall on
 * multiples of their period since the Unix epoch, and deterministic event ids derived from the
 * unit, the series and the maturity, so a restarted or restored oracle names every event the
 * same way (and so derives the same nonces for it).
 */
import { ConfigError } from '../core/errors.js';

/** One recurring event series. */
export interface EventSeries {
  readonly name: string;
  /** Period in ms, a whole number of seconds. */
  readonly everyMs: number;
}

/** One scheduled event. */
export interface ScheduledEvent {
  readonly eventId: string;
  readonly series: string;
  /** Maturity in ms since the epoch (a multiple of the series period). */
  readonly maturity: number;
}

/** dlcspecs caps an event id at 64 bytes. */
const MAX_EVENT_ID_BYTES = 64;

/**
 * The event id of `series` maturing at `maturityMs`: "<unit letters and digits, lowercase>-<series>-<ISO time>",
 * e.g. "btcusd-hourly-2024-05-01T12:00:00Z". Throws ConfigError when it would exceed 64 bytes.
 */
export function eventIdFor(unit: string, series: string, maturityMs: number): string {
  const prefix = unit.toLowerCase().replace(/[^a-z0-9]/g, '');
  const iso = new Date(maturityMs).toISOString().replace(/\.000Z$/, 'Z');
  const id = `${prefix}-${series}-${iso}`;
  if (Buffer.byteLength(id, 'utf8') > MAX_EVENT_ID_BYTES) {
    throw new ConfigError(
      `event id ${JSON.stringify(id)} is longer than ${MAX_EVENT_ID_BYTES} bytes; shorten the unit or series name`,
    );
  }
  return id;
}

/**
 * Every event of `series` whose maturity lies in (fromMs, toMs], oldest first (ties by event id).
 * Returns [] when toMs <= fromMs.
 */
export function eventsBetween(
  unit: string,
  series: readonly EventSeries[],
  fromMs: number,
  toMs: number,
): ScheduledEvent[] {
  const out: ScheduledEvent[] = [];
  for (const s of series) {
    for (let m = (Math.floor(fromMs / s.everyMs) + 1) * s.everyMs; m <= toMs; m += s.everyMs) {
      out.push({ eventId: eventIdFor(unit, s.name, m), series: s.name, maturity: m });
    }
  }
  return out.sort((a, b) => a.maturity - b.maturity || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
}

/**
 * The events to have announced at `nowMs`: those maturing after now and at most `aheadMs` ahead.
 * An event whose maturity has passed is never announced late: its outcome may already be known.
 */
export function dueAnnouncements(
  unit: string,
  series: readonly EventSeries[],
  nowMs: number,
  aheadMs: number,
): ScheduledEvent[] {
  return eventsBetween(unit, series, nowMs, nowMs + aheadMs);
}
