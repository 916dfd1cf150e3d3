/**
 * Pages of history in the SQLite store: each statement a page runs is an index range scan that
 * stops at the page (whatever the range or kind asked for), and following `next` from any start
 * reproduces the range exactly, for any count and byte bound, ties on observedAt included.
 */
import { expect } from 'chai';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AttestationJson, AttestationKind } from '../../src/attest/types.js';
import { pageSql } from '../../src/store/history-page.js';
import { DATABASE_FILE, openStore } from '../../src/store/sqlite.js';
import type { HistoryPageQuery } from '../../src/store/types.js';

const KINDS: readonly AttestationKind[] = ['index_price', 'funding_rate', 'perp_premium'];

function attestation(sequence: number, observedAt: number, kind: AttestationKind): AttestationJson {
  return {
    version: 1,
    kind,
    pair: 'BTC/USD',
    value: String(6_500_000_000_000 + sequence),
    exponent: -8,
    observedAt: String(observedAt),
    sequence: String(sequence),
    sourceCount: 5,
    dispersionPpm: 120,
    sourcesCommitment: 'c3'.repeat(32),
    publicKey: 'a1'.repeat(32),
    signature: 'd4'.repeat(64),
  };
}

describe('store/history-page', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'peer-stables-page-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('query plans', () => {
    const params = { at: 0n, afterId: -1n, to: 10n ** 15n, limit: 1001n, kind: 'funding_rate' };
    for (const withKind of [false, true]) {
      for (const [name, sql] of Object.entries(pageSql(withKind))) {
        const statement = `the ${name} statement${withKind ? ' of one kind' : ''}`;
        it(`${statement} seeks an index and reads no row past the page`, () => {
          openStore({ dataDir: dir, historyCacheSize: 10 }).close();
          const db = new Database(join(dir, DATABASE_FILE), { readonly: true });
          try {
            const bound = Object.fromEntries(Object.entries(params).filter(([k]) => sql.includes(`:${k}`)));
            const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(bound) as { detail: string }[];
            const plan = rows.map((r) => r.detail);
            // One step: a SEARCH (a seek and a bounded range), never a SCAN, never a sort of the whole range.
            expect(plan).to.have.length(1);
            expect(plan[0]).to.match(/^SEARCH attestations USING INDEX attestations_(kind_)?observed_at \(/);
            expect(plan[0]).to.match(withKind ? /\(kind=\? AND observed_at/ : /\(observed_at/);
            if (name === 'tied') expect(plan[0]).to.include('rowid>?');
          } finally {
            db.close();
          }
        });
      }
    }
  });

  it('following next from any start gives the range exactly once, for any count and byte bound', () => {
    const rowBytes = JSON.stringify(attestation(100, 0, 'index_price')).length;
    const row = fc.record({ at: fc.integer({ min: 0, max: 6 }), kind: fc.constantFrom(...KINDS) });
    const scenario = fc.record({
      rows: fc.array(row, { maxLength: 24 }),
      from: fc.integer({ min: 0, max: 6 }),
      span: fc.integer({ min: 0, max: 6 }),
      limit: fc.integer({ min: 1, max: 5 }),
      // From "only the first row fits" to "every row fits", and exactly k rows (all rows are one size).
      maxBytes: fc.oneof(
        fc.integer({ min: 1, max: rowBytes * 6 }),
        fc.integer({ min: 1, max: 6 }).map((k) => k * rowBytes),
      ),
      kind: fc.option(fc.constantFrom(...KINDS), { nil: undefined }),
    });
    let run = 0;
    fc.assert(
      fc.property(scenario, (s) => {
        const store = openStore({ dataDir: join(dir, String(run++)), historyCacheSize: 50 });
        try {
          const rows = s.rows.map((r, i) => attestation(100 + i, r.at, r.kind));
          for (const r of rows) store.append(r);
          const to = s.from + s.span;
          const expected = rows
            .map((r, i) => ({ r, i }))
            .filter(({ r }) => Number(r.observedAt) >= s.from && Number(r.observedAt) <= to)
            .filter(({ r }) => s.kind === undefined || r.kind === s.kind)
            .sort((a, b) => Number(a.r.observedAt) - Number(b.r.observedAt) || a.i - b.i)
            .map(({ r }) => JSON.stringify(r));
          const pages: (readonly string[])[] = [];
          const kind = s.kind ? { kind: s.kind } : {};
          let query: HistoryPageQuery = { from: s.from, to, limit: s.limit, maxBytes: s.maxBytes, ...kind };
          for (;;) {
            expect(pages.length, 'pages never end').to.be.at.most(expected.length);
            const page = store.page(query);
            // These rows were appended in canonical form, so re-serialising gives the stored bytes.
            const bodies = (JSON.parse(`[${page.json.toString('utf8')}]`) as unknown[]).map((a) => JSON.stringify(a));
            expect(bodies.join(',')).to.equal(page.json.toString('utf8'));
            expect(page.count).to.equal(bodies.length);
            pages.push(bodies);
            if (page.next === null) break;
            expect(page.count, 'a page that goes on is never empty').to.be.above(0);
            query = { ...query, from: page.next.observedAt, afterId: page.next.id };
          }
          const size = (bodies: readonly string[]): number => bodies.reduce((n, b) => n + b.length, 0);
          pages.forEach((bodies, i) => {
            expect(bodies.length).to.be.at.most(s.limit);
            if (bodies.length > 1) expect(size(bodies)).to.be.at.most(s.maxBytes);
            const following = pages[i + 1]?.[0];
            // Cut only when full: by count, or because the next row would not have fitted.
            if (following !== undefined && bodies.length < s.limit) {
              expect(size(bodies) + following.length).to.be.above(s.maxBytes);
            }
          });
          const served = pages.flat();
          expect(served).to.deep.equal(expected);
        } finally {
          store.close();
        }
      }),
      { numRuns: 100 },
    );
  });

  // All rows weigh the same here (R bytes): the bound counts bytes of JSON, commas between them aside.
  const boundaries: ReadonlyArray<[maxBytes: (rowBytes: number) => number, rows: number]> = [
    [(r) => 2 * r, 2],
    [(r) => 2 * r - 1, 1],
    [(r) => 3 * r - 1, 2],
    [() => 1, 1],
  ];
  for (const [maxBytes, rows] of boundaries) {
    it(`keeps exactly the rows that fit: a bound of ${maxBytes(100)} bytes for rows of 100 takes ${rows}`, () => {
      const store = openStore({ dataDir: dir, historyCacheSize: 10 });
      try {
        for (let i = 0; i < 4; i++) store.append(attestation(100 + i, 5, 'index_price'));
        const rowBytes = JSON.stringify(attestation(100, 5, 'index_price')).length;
        const page = store.page({ from: 0, to: 10, limit: 10, maxBytes: maxBytes(rowBytes) });
        expect(page.count).to.equal(rows);
        expect(page.json.length).to.equal(rows * rowBytes + rows - 1);
        expect(page.next?.observedAt).to.equal(5);
      } finally {
        store.close();
      }
    });
  }

  it('rejects a byte bound or a position it cannot use', () => {
    const store = openStore({ dataDir: dir, historyCacheSize: 10 });
    try {
      const base = { from: 0, to: 10, limit: 1 };
      expect(() => store.page({ ...base, maxBytes: 0 })).to.throw(/maxBytes must be a positive integer, got 0/);
      const before = { ...base, maxBytes: 10, afterId: -2n };
      expect(() => store.page(before)).to.throw(/afterId must be a bigint in 0..2\^63-1, got -2/);
    } finally {
      store.close();
    }
  });
});
