import { expect } from 'chai';
import { DEFAULT_HISTORY_PAGE_BYTES } from '../../src/server/history.js';
import { T0, attestation, errorBody, startHarness, type Harness } from './fake-oracle.js';

const HOUR = 3_600_000;

describe('GET /history', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ maxHistoryLimit: 500 });
    h.history.rows = [
      attestation(1, T0 - 2 * HOUR),
      attestation(2, T0 - 30 * 60_000),
      attestation(3, T0 - 60_000, 'funding_rate'),
      attestation(4, T0),
    ];
  });
  after(() => h.close());
  beforeEach(() => {
    h.history.queries.length = 0;
  });

  // Each bad query, and a fragment the 400 message must contain so the caller can fix it.
  const badInputs: ReadonlyArray<[query: string, message: RegExp]> = [
    ['from=yesterday', /from must be ms since the epoch or ISO-8601/],
    ['to=-5', /to must be ms since the epoch/],
    ['from=1.5', /from must be ms/],
    ['from=2024-05-01T12:00:00', /with a zone/],
    ['from=2024-02-30', /not a valid calendar time/],
    ['from=2024-05-01T25:00:00Z', /not a valid calendar time/],
    ['from=2024-05-01T12:00:00%2B24:00', /invalid time zone offset/],
    ['from=9999999999999999', /beyond the largest representable time/],
    [`from=${T0}&to=${T0 - 1}`, /from \(\d+\) is after to/],
    ['limit=0', /limit must be between 1 and 500, got 0/],
    ['limit=501', /limit must be between 1 and 500, got 501/],
    ['limit=ten', /limit must be a positive integer/],
    ['limit=-1', /limit must be a positive integer/],
    ['kind=spot_price', /kind must be one of index_price, funding_rate/],
    ['kind=', /kind is empty/],
    ['limit=1&limit=2', /limit given more than once/],
    ['form=1', /unknown query parameter "form"; accepted: from, to, limit, kind, after/],
    ['from[gt]=1', /unknown query parameter "from\[gt\]"/],
  ];
  for (const [query, message] of badInputs) {
    it(`400 for ?${query}`, async () => {
      const res = await fetch(`${h.url}/history?${query}`);
      expect(res.status).to.equal(400);
      const error = await errorBody(res);
      expect(error.code).to.equal('bad_request');
      expect(error.message).to.match(message);
      expect(h.history.queries).to.deep.equal([]);
    });
  }

  it('defaults to the last hour by the injected clock, 100 rows, every kind', async () => {
    const res = await fetch(`${h.url}/history`);
    expect(res.status).to.equal(200);
    const body = (await res.json()) as { attestations: { sequence: string }[]; count: number; truncated: boolean };
    expect(body.attestations.map((a) => a.sequence)).to.deep.equal(['2', '3', '4']);
    expect(body.count).to.equal(3);
    expect(body.truncated).to.equal(false);
    const query = { from: T0 - HOUR, to: T0, limit: 100, maxBytes: DEFAULT_HISTORY_PAGE_BYTES };
    expect(h.history.queries).to.deep.equal([query]);
  });

  it('passes epoch ms, ISO-8601 with offsets and kind through to the reader', async () => {
    const cases: ReadonlyArray<[query: string, expected: object]> = [
      [`from=${T0 - 10}&to=${T0}&limit=5&kind=funding_rate`, { from: T0 - 10, to: T0, limit: 5, kind: 'funding_rate' }],
      ['from=2024-05-01T11:00:00Z&to=2024-05-01T12:00:00.250Z', { from: T0 - HOUR, to: T0 + 250, limit: 100 }],
      ['from=2024-05-01T13:00:00%2B02:00&to=2024-05-01T07:30-04:30', { from: T0 - HOUR, to: T0, limit: 100 }],
      ['from=2024-05-01&to=2024-05-01', { from: Date.UTC(2024, 4, 1), to: Date.UTC(2024, 4, 1), limit: 100 }],
      ['to=0', { from: 0, to: 0, limit: 100 }],
      [`from=${T0}&after=42`, { from: T0, to: T0, limit: 100, afterId: 42n }],
    ];
    for (const [query, expected] of cases) {
      h.history.queries.length = 0;
      const res = await fetch(`${h.url}/history?${query}`);
      expect(res.status, query).to.equal(200);
      expect(h.history.queries, query).to.deep.equal([{ ...expected, maxBytes: DEFAULT_HISTORY_PAGE_BYTES }]);
    }
  });

  it('reports truncation when the range holds more than the limit', async () => {
    const res = await fetch(`${h.url}/history?from=0&limit=2`);
    type Page = { attestations: { sequence: string }[]; count: number; truncated: boolean; next: unknown };
    const body = (await res.json()) as Page;
    expect(body.attestations.map((a) => a.sequence)).to.deep.equal(['1', '2']);
    expect(body.count).to.equal(2);
    expect(body.truncated).to.equal(true);
    expect(body.next).to.deep.equal({ from: T0 - 30 * 60_000, after: '2' });
  });

  it('filters by kind', async () => {
    const res = await fetch(`${h.url}/history?from=0&kind=funding_rate`);
    const body = (await res.json()) as { attestations: { kind: string }[] };
    expect(body.attestations.map((a) => a.kind)).to.deep.equal(['funding_rate']);
  });
});
