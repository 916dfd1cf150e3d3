/**
 * /history over the real SQLite store: pages are the stored bytes, cut by count or by bytes, and
 * `next` continues exactly where a page ended, even inside a run of attestations that share one
 * observedAt (each tick signs several kinds at the same time).
 */
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import type { AttestationJson, AttestationKind } from '../../src/attest/types.js';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import { createApp, startServer, type RunningServer } from '../../src/server/app.js';
import { DATABASE_FILE, openStore } from '../../src/store/sqlite.js';
import type { AttestationStore, HistoryPages } from '../../src/store/types.js';
import { FakeState, T0, attestation, errorBody, streamLimits } from './fake-oracle.js';

const KINDS: readonly AttestationKind[] = ['index_price', 'funding_rate', 'perp_premium'];
/** Bytes of one stored fixture attestation (they differ only in digits of equal length). */
const ROW_BYTES = JSON.stringify(attestation(100, T0)).length;

interface Page {
  attestations: AttestationJson[];
  count: number;
  truncated: boolean;
  next: { from: number; after: string } | null;
}

/** Ten ticks, each signing the three kinds at one observedAt: 30 rows, ties in every tick. */
function ticks(): AttestationJson[] {
  const rows: AttestationJson[] = [];
  for (let tick = 0; tick < 10; tick++) {
    KINDS.forEach((kind, k) => rows.push(attestation(100 + tick * 3 + k, T0 + tick * 1000, kind)));
  }
  return rows;
}

describe('GET /history pages over the stored bytes', () => {
  let dir: string;
  let store: AttestationStore & HistoryPages;
  let server: RunningServer;

  async function serve(pageBytes: number, prepare: (db: Database.Database) => void = () => undefined): Promise<void> {
    const seed = openStore({ dataDir: dir, historyCacheSize: 100 });
    for (const row of ticks()) seed.append(row);
    seed.close();
    const db = new Database(join(dir, DATABASE_FILE));
    prepare(db);
    db.close();
    store = openStore({ dataDir: dir, historyCacheSize: 100 });
    const app = createApp({
      state: new FakeState(),
      history: store,
      registry: new Registry(),
      logger: silentLogger,
      clock: new ManualClock(T0 + 60_000),
      config: {
        ...streamLimits(),
        rateLimit: { windowMs: 60_000, max: 10_000 },
        trustProxy: false,
        maxHistoryLimit: 500,
        maxHistoryPageBytes: pageBytes,
        tickIntervalMs: 5_000,
      },
    });
    server = await startServer(app, { host: '127.0.0.1', port: 0 });
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'peer-stables-history-'));
  });
  afterEach(async () => {
    await server.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const getPage = async (query: Record<string, string>): Promise<Page> => {
    const res = await fetch(`${server.url}/history?${new URLSearchParams(query)}`);
    expect(res.status, await res.clone().text()).to.equal(200);
    return (await res.json()) as Page;
  };

  /** Follows `next` from the first page of `query` to the end; returns every page. */
  async function walk(query: Record<string, string>): Promise<Page[]> {
    const pages = [await getPage(query)];
    for (let last = pages[0]; last?.next; last = pages[pages.length - 1]) {
      expect(pages.length, 'pages never end').to.be.below(100);
      pages.push(await getPage({ ...query, from: String(last.next.from), after: last.next.after }));
    }
    return pages;
  }

  const sequences = (pages: readonly Page[]): string[] => pages.flatMap((p) => p.attestations.map((a) => a.sequence));
  const all = ticks().map((a) => a.sequence);

  it('serves each stored body byte for byte: a row is never parsed and re-serialised', async () => {
    // Valid JSON of a valid attestation, but not in the canonical spelling the store writes.
    const odd =
      `{ "kind":"index_price","version":1, "pair":"BTC/USD","value":"1","exponent":-8,"observedAt":"${T0 + 500}",` +
      `"sequence":"999","sourceCount":5,"dispersionPpm":0,"sourcesCommitment":"${'cd'.repeat(32)}",` +
      `"publicKey":"${'ab'.repeat(32)}","signature":"${'ef'.repeat(64)}" }`;
    await serve(1 << 20, (db) => {
      const insert = `INSERT INTO attestations (public_key, sequence, kind, pair, observed_at, body)
        VALUES (?, ?, ?, ?, ?, ?)`;
      db.prepare(insert).run('ab'.repeat(32), 999, 'index_price', 'BTC/USD', T0 + 500, odd);
    });
    const res = await fetch(`${server.url}/history?from=${T0 + 500}&to=${T0 + 500}`);
    expect(res.headers.get('content-type')).to.equal('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).to.equal('no-cache');
    const text = await res.text();
    expect(text).to.equal(`{"attestations":[${odd}],"count":1,"truncated":false,"next":null}`);
  });

  it('cuts a page whose rows exceed the byte budget; next continues without skipping or repeating a row', async () => {
    await serve(Math.floor(ROW_BYTES * 2.5));
    const pages = await walk({ from: String(T0), to: String(T0 + 60_000), limit: '100' });
    for (const page of pages) {
      expect(page.count).to.equal(page.attestations.length);
      expect(page.truncated).to.equal(page.next !== null);
      expect(page.count, 'two rows fit the budget').to.be.within(1, 2);
    }
    expect(pages).to.have.length(15);
    expect(sequences(pages)).to.deep.equal(all);
  });

  it('serves at least one row when a single row is larger than the budget', async () => {
    await serve(1);
    const pages = await walk({ from: String(T0), to: String(T0 + 1000) });
    expect(pages.map((p) => p.count)).to.deep.equal([1, 1, 1, 1, 1, 1]);
    expect(sequences(pages)).to.deep.equal(all.slice(0, 6));
  });

  for (const limit of [1, 2, 4, 7]) {
    it(`pages of ${limit} across attestations sharing one observedAt neither skip nor repeat any`, async () => {
      await serve(1 << 20);
      const pages = await walk({ from: String(T0), to: String(T0 + 60_000), limit: String(limit) });
      expect(sequences(pages)).to.deep.equal(all);
      expect(pages.slice(0, -1).every((p) => p.count === limit && p.truncated)).to.equal(true);
      expect(pages[pages.length - 1]?.next).to.equal(null);
    });
  }

  it('continues a kind filter exactly, and stops at `to`', async () => {
    await serve(1 << 20);
    const pages = await walk({ from: String(T0), to: String(T0 + 4000), limit: '2', kind: 'funding_rate' });
    expect(sequences(pages)).to.deep.equal(['101', '104', '107', '110', '113']);
  });

  it('ends the last page with next null and truncated false, as clients written before `next` expect', async () => {
    await serve(1 << 20);
    const page = await getPage({ from: String(T0), to: String(T0 + 60_000), limit: '30' });
    expect(page).to.include({ count: 30, truncated: false, next: null });
  });

  const badCursors: ReadonlyArray<[query: string, message: RegExp]> = [
    ['after=5', /after needs from/],
    [`from=${T0}&after=-1`, /after must be the decimal row id/],
    [`from=${T0}&after=01`, /after must be the decimal row id/],
    [`from=${T0}&after=9223372036854775808`, /after must be the decimal row id/],
    [`from=${T0}&after=abc`, /after must be the decimal row id/],
  ];
  for (const [query, message] of badCursors) {
    it(`400 for ?${query}`, async () => {
      await serve(1 << 20);
      const res = await fetch(`${server.url}/history?${query}`);
      expect(res.status).to.equal(400);
      expect((await errorBody(res)).message).to.match(message);
    });
  }
});
