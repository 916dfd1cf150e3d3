/**
 * Serving under load (issue 8: a request must never stop the oracle from signing). Over a 30-day
 * database (bench/serve-db.ts) a whole oracle runs (bench/live-oracle.ts) while every endpoint is
 * loaded at its largest page at once; the result is each endpoint's latency and rate and, above
 * all, how late the signing ticks ran, against the same oracle with no load in the same run.
 * Target: no tick more than 50 ms late. Then each endpoint alone, on a 1-day and a 30-day
 * database, to show how its cost grows with the database.
 */
import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { eventIdFor } from '../src/dlc/schedule.js';
import { pageSql } from '../src/store/history-page.js';
import { DATABASE_FILE } from '../src/store/sqlite.js';
import { startLiveOracle } from './live-oracle.js';
import { copyOfBenchDatabase, layout, type BenchDatabase } from './serve-db.js';
import type { EndpointLoad } from './serve-load.js';
import { idleWindow, loadedWindow, type LoadedWindow } from './serve-run.js';

/** The target of the issue: no signing tick more than this late while every endpoint is loaded. */
export const TICK_TARGET_MS = 50;
/** The largest page of /history and /dlc/announcements: the configuration's default maximum. */
const MAX_LIMIT = 1000;
const HOUR_MS = 3_600_000;
const FUNDING = 'kind=funding_rate';

export interface ServingSettings {
  /** Seconds of each window: idle, every endpoint, every endpoint but /dlc. */
  readonly seconds: number;
  /** Connections per endpoint, and /stream connections held open. */
  readonly connections: number;
  readonly streams: number;
  /** Seconds of each endpoint alone on each database, for the growth table. */
  readonly growthSeconds: number;
}

export interface EndpointCost {
  readonly cpuUsPerRequest: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface GrowthRow {
  readonly endpoint: string;
  /** Server CPU per request (µs) and mean latency (ms) with one connection, per database size in days. */
  readonly byDays: Readonly<Record<number, EndpointCost>>;
}

export interface ServingResult {
  readonly database: BenchDatabase;
  readonly plans: Readonly<Record<string, string>>;
  readonly idle: LoadedWindow;
  readonly everything: LoadedWindow;
  readonly withoutDlc: LoadedWindow;
  readonly verdicts: { readonly everything: 'PASS' | 'MISS'; readonly withoutDlc: 'PASS' | 'MISS' };
  readonly growth: readonly GrowthRow[];
  readonly growthDays: readonly number[];
}

/** Every endpoint at its largest page, over the database `db` describes. */
function endpoints(db: BenchDatabase, connections: number): EndpointLoad[] {
  const hours = Math.floor((db.endMs - db.startMs) / HOUR_MS);
  const maturity = (i: number): number => db.startMs + (i + 1) * HOUR_MS;
  const events = Array.from({ length: hours }, (_, i) => eventIdFor('BTC/USD', 'hourly', maturity(i)));
  // 200 starts spread over the range, each leaving room for a full page (1000 rows: about 1.2 h of
  // every kind, 17 h of one funding kind), so pages weigh the same on a small and a large database.
  const starts = (roomMs: number, query: string): string[] =>
    Array.from({ length: 200 }, (_, i) => {
      const from = db.startMs + Math.floor(((db.endMs - roomMs - db.startMs) * i) / 200);
      return `/history?from=${from}&${query}`;
    });
  const to = db.endMs + 86_400_000;
  const e = (name: string, paths: string[]): EndpointLoad => ({ name, paths, connections });
  return [
    e('/price', ['/price']),
    e('/funding', ['/funding']),
    e('/premium', ['/premium']),
    e('/oracle', ['/oracle']),
    e('/sources', ['/sources']),
    e('/health', ['/health']),
    e('/metrics', ['/metrics']),
    e(`/history?limit=${MAX_LIMIT}, one query`, [`/history?from=0&to=${to}&limit=${MAX_LIMIT}`]),
    e(`/history?limit=${MAX_LIMIT}, 200 starts`, starts(2 * HOUR_MS, `to=${to}&limit=${MAX_LIMIT}`)),
    e(`/history?kind=funding_rate&limit=${MAX_LIMIT}`, starts(17 * HOUR_MS, `to=${to}&limit=${MAX_LIMIT}&${FUNDING}`)),
    e(`/dlc/announcements?limit=${MAX_LIMIT}`, [`/dlc/announcements?limit=${MAX_LIMIT}`]),
    e(
      '/dlc/announcements/:eventId',
      events.map((id) => `/dlc/announcements/${id}`),
    ),
    e(
      '/dlc/attestations/:eventId',
      events.map((id) => `/dlc/attestations/${id}`),
    ),
  ];
}

const isDlc = (e: EndpointLoad): boolean => e.name.startsWith('/dlc');

/** EXPLAIN QUERY PLAN of each statement a /history page runs, on the database in `dir`. */
function historyPlans(dir: string): Record<string, string> {
  const db = new Database(join(layout(dir).dataDir, DATABASE_FILE), { readonly: true });
  try {
    const plans: Record<string, string> = {};
    const params = { at: 0n, afterId: -1n, to: 10n ** 15n, limit: BigInt(MAX_LIMIT + 1), kind: 'funding_rate' };
    for (const withKind of [false, true]) {
      for (const [name, sql] of Object.entries(pageSql(withKind))) {
        const bound = Object.fromEntries(Object.entries(params).filter(([k]) => sql.includes(`:${k}`)));
        const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(bound) as { detail: string }[];
        plans[`${name}${withKind ? ', one kind' : ''}`] = rows.map((r) => r.detail).join('; ');
      }
    }
    return plans;
  } finally {
    db.close();
  }
}

const verdict = (w: LoadedWindow): 'PASS' | 'MISS' =>
  Math.max(w.lateness.tickMaxMs, w.lateness.loopDelayMaxMs) <= TICK_TARGET_MS ? 'PASS' : 'MISS';

/** Each endpoint alone with one connection on each database: cost per request as the database grows. */
async function growth(days: readonly number[], seconds: number, log: (line: string) => void): Promise<GrowthRow[]> {
  const rows = new Map<string, Record<number, EndpointCost>>();
  for (const d of days) {
    const { dir, db } = copyOfBenchDatabase(d, log);
    const oracle = await startLiveOracle(dir, MAX_LIMIT);
    try {
      for (const endpoint of endpoints(db, 1)) {
        const w = await loadedWindow(oracle.ticks, { baseUrl: oracle.url, endpoints: [endpoint], streams: 0, seconds });
        const r = w.load?.endpoints[0];
        if (r === undefined) continue;
        const byDays = rows.get(endpoint.name) ?? {};
        const cpuUsPerRequest = (w.serverCpuMs * 1000) / Math.max(1, r.requests);
        byDays[d] = { cpuUsPerRequest, p50Ms: r.latencyP50Ms, p99Ms: r.latencyP99Ms };
        rows.set(endpoint.name, byDays);
      }
    } finally {
      await oracle.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return [...rows].map(([endpoint, byDays]) => ({ endpoint, byDays }));
}

/** Runs the whole serving benchmark; `log` receives progress lines. */
export async function benchServing(s: ServingSettings, log: (line: string) => void): Promise<ServingResult> {
  const { dir, db } = copyOfBenchDatabase(30, log);
  let oracle: Awaited<ReturnType<typeof startLiveOracle>> | null = null;
  try {
    const plans = historyPlans(dir);
    oracle = await startLiveOracle(dir, MAX_LIMIT);
    const all = endpoints(db, s.connections);
    log(`idle oracle, ${s.seconds} s`);
    const idle = await idleWindow(oracle.ticks, s.seconds);
    log(`every endpoint at once, ${s.seconds} s`);
    const load = { baseUrl: oracle.url, streams: s.streams, seconds: s.seconds };
    const everything = await loadedWindow(oracle.ticks, { ...load, endpoints: all });
    log(`every endpoint but /dlc, ${s.seconds} s`);
    const withoutDlc = await loadedWindow(oracle.ticks, { ...load, endpoints: all.filter((e) => !isDlc(e)) });
    await oracle.close();
    oracle = null;
    const growthDays = [1, 30];
    log(`each endpoint alone on ${growthDays.join(' and ')}-day databases, ${s.growthSeconds} s each`);
    const rows = await growth(growthDays, s.growthSeconds, log);
    const verdicts = { everything: verdict(everything), withoutDlc: verdict(withoutDlc) };
    return { database: db, plans, idle, everything, withoutDlc, verdicts, growth: rows, growthDays };
  } finally {
    await oracle?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
