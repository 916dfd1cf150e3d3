import { expect } from 'chai';
import express from 'express';
import Database from 'better-sqlite3';
import { silentLogger } from '../../src/core/log.js';
import type { DlcService } from '../../src/dlc/service.js';
import { decodeAnnouncement, decodeAttestation } from '../../src/dlc/tlv.js';
import { createDlcRouter } from '../../src/server/dlc.js';
import { errorHandler, notFound } from '../../src/server/http-error.js';
import { startServer, type RunningServer } from '../../src/server/app.js';
import { EVENT_T0, HOUR, T0, bytes, hex, makeHarness, ORACLE_SECRET, type Harness } from './service-harness.js';
import { publicKeyOf } from '../../src/attest/keys.js';

interface ErrorBody {
  error: { code: string; message: string; status?: string; reason?: string };
}
interface View {
  eventId: string;
  maturity: string;
  signingVersion: string;
  announcement: {
    hex: string;
    json: {
      oraclePublicKey: string;
      oracleEvent: { eventId: string; oracleNonces: string[]; eventMaturityEpoch: number };
    };
  };
  attestation: {
    hex: string;
    json: { eventId: string; outcomes: string[]; signatures: string[] };
    late: boolean;
    value: string;
  } | null;
  status: string;
}
interface Page {
  announcements: View[];
  count: number;
  next: { from: number; after: string } | null;
}

describe('DLC HTTP API', () => {
  let h: Harness;
  let service: DlcService;
  let server: RunningServer;
  const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);

  before(async () => {
    h = makeHarness();
    service = h.open();
    service.pass(); // announces 12:00 and 13:00
    const app = express();
    app.use(createDlcRouter({ dlc: service, clock: h.clock, maxLimit: 50 }));
    app.use(notFound);
    app.use(errorHandler(silentLogger));
    server = await startServer(app, { host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await server.close();
    h.cleanup();
  });

  it('GET /dlc/pubkey gives the oracle key and the signing version', async () => {
    const res = await get('/dlc/pubkey');
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({ publicKey: hex(publicKeyOf(ORACLE_SECRET)), signingVersion: 'tagged-v0' });
  });

  it('GET /dlc/announcements/:eventId gives hex TLV and the same message decoded', async () => {
    const res = await get(`/dlc/announcements/${EVENT_T0}`);
    expect(res.status).to.equal(200);
    const view = (await res.json()) as View;
    expect(view).to.include({
      eventId: EVENT_T0,
      maturity: '2024-05-01T12:00:00.000Z',
      signingVersion: 'tagged-v0',
      status: 'announced',
      attestation: null,
    });
    const decoded = decodeAnnouncement(bytes(view.announcement.hex));
    expect(view.announcement.json.oracleEvent.eventId).to.equal(decoded.event.eventId);
    expect(view.announcement.json.oracleEvent.oracleNonces).to.deep.equal(decoded.event.nonces.map(hex));
    expect(view.announcement.json.oracleEvent.eventMaturityEpoch).to.equal(T0 / 1000);
    expect(view.announcement.json.oraclePublicKey).to.equal(hex(publicKeyOf(ORACLE_SECRET)));
  });

  it('GET /dlc/attestations/:eventId is 404 with the status before attestation, 200 after', async () => {
    h.clock.set(T0);
    service.pass();
    const before = await get(`/dlc/attestations/${EVENT_T0}`);
    expect(before.status).to.equal(404);
    const error = ((await before.json()) as ErrorBody).error;
    expect(error).to.include({
      code: 'not_found',
      status: 'waiting_for_index',
      reason: 'waiting for an index observed after maturity',
    });

    h.history.add(T0 + 1_000, '65432');
    h.clock.set(T0 + 2_000);
    service.pass();
    const res = await get(`/dlc/attestations/${EVENT_T0}`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('cache-control')).to.match(/immutable/);
    const view = (await res.json()) as View;
    expect(view.status).to.equal('attested');
    const decoded = decodeAttestation(bytes(view.attestation?.hex ?? ''));
    expect(view.attestation?.json.outcomes).to.deep.equal(decoded.outcomes);
    expect(view.attestation?.json.signatures).to.deep.equal(decoded.signatures.map(hex));
    expect(view.attestation).to.include({ late: false, value: '65432' });
    const again = (await (await get(`/dlc/attestations/${EVENT_T0}`)).json()) as View;
    expect(again.attestation?.hex).to.equal(view.attestation?.hex);
  });

  it('GET /dlc/announcements pages by maturity with a cursor', async () => {
    const first = (await (await get('/dlc/announcements?limit=1')).json()) as Page;
    expect(first.announcements.map((a) => a.eventId)).to.deep.equal([EVENT_T0]);
    expect(first.next).to.deep.equal({ from: T0, after: EVENT_T0 });
    const all = (await (await get('/dlc/announcements')).json()) as Page;
    expect(all.count).to.be.greaterThan(1);
    const paged: string[] = [];
    let page = first;
    for (;;) {
      paged.push(...page.announcements.map((a) => a.eventId));
      if (page.next === null) break;
      const q = new URLSearchParams({ from: String(page.next.from), after: page.next.after, limit: '1' });
      page = (await (await get(`/dlc/announcements?${q}`)).json()) as Page;
    }
    expect(paged).to.deep.equal(all.announcements.map((a) => a.eventId));
    const window = (await (
      await get('/dlc/announcements?from=2024-05-01T12:30:00Z&to=2024-05-01T13:00:00Z')
    ).json()) as Page;
    expect(window.count).to.equal(1);
  });

  const badRequests: ReadonlyArray<[path: string, message: RegExp]> = [
    ['/dlc/announcements?from=yesterday', /from must be ms since the epoch or ISO-8601/],
    ['/dlc/announcements?limit=0', /limit must be between 1 and 50/],
    ['/dlc/announcements?limit=51', /limit must be between 1 and 50/],
    ['/dlc/announcements?limit=1&limit=2', /limit given more than once/],
    ['/dlc/announcements?kind=index_price', /unknown query parameter "kind"; accepted: from, to, after, limit/],
    [`/dlc/announcements?from=${T0 + 1}&to=${T0}`, /is after to/],
    ['/dlc/announcements?after=btcusd-hourly-2024-05-01T12:00:00Z', /after needs from/],
    [`/dlc/announcements?after=${'x'.repeat(65)}`, /after must be an event id/],
    [`/dlc/announcements/${'x'.repeat(65)}`, /eventId must be an event id of 1 to 64/],
    [`/dlc/attestations/${EVENT_T0}?verbose=1`, /unknown query parameter "verbose"; accepted: none/],
    ['/dlc/pubkey?x=1', /unknown query parameter "x"/],
  ];
  for (const [path, message] of badRequests) {
    it(`400 for ${path.slice(0, 60)}`, async () => {
      const res = await get(path);
      expect(res.status).to.equal(400);
      const error = ((await res.json()) as ErrorBody).error;
      expect(error.code).to.equal('bad_request');
      expect(error.message).to.match(message);
    });
  }

  const notFounds = [
    '/dlc/announcements/btcusd-hourly-1999-01-01T00:00:00Z',
    '/dlc/attestations/btcusd-hourly-1999-01-01T00:00:00Z',
  ];
  for (const path of notFounds) {
    it(`404 for an event never announced: ${path}`, async () => {
      const res = await get(path);
      expect(res.status).to.equal(404);
      expect(((await res.json()) as ErrorBody).error.message).to.match(/no announced event/);
    });
  }

  it('405 for a method other than GET', async () => {
    const res = await get('/dlc/pubkey', { method: 'POST' });
    expect(res.status).to.equal(405);
    expect(res.headers.get('allow')).to.equal('GET, HEAD, OPTIONS');
  });
});

describe('DLC HTTP API cost', () => {
  let h: Harness;
  let service: DlcService;
  let server: RunningServer;
  const get = async (path: string) => {
    const res = await fetch(`${server.url}${path}`);
    return { status: res.status, text: await res.text() };
  };
  const listen = async (maxPageBytes?: number) => {
    const app = express();
    app.use(
      createDlcRouter({
        dlc: service,
        clock: h.clock,
        maxLimit: 1000,
        ...(maxPageBytes === undefined ? {} : { maxPageBytes }),
      }),
    );
    app.use(notFound);
    app.use(errorHandler(silentLogger));
    server = await startServer(app, { host: '127.0.0.1', port: 0 });
  };

  beforeEach(() => {
    h = makeHarness({ announceAheadMs: 6 * HOUR });
    service = h.open();
    service.pass(); // announces 12:00 .. 17:00
    h.history.add(T0 + 1_000, '65432');
    h.clock.set(T0 + 2_000);
    service.pass(); // attests 12:00
  });
  afterEach(async () => {
    await server.close();
    h.cleanup();
  });

  it('never decodes or verifies on a request: stored messages made undecodable still serve the same JSON', async () => {
    await listen();
    const paths = ['/dlc/announcements?limit=1000', `/dlc/announcements/${EVENT_T0}`, `/dlc/attestations/${EVENT_T0}`];
    const before = await Promise.all(paths.map(get));
    const db = new Database(h.databaseFile);
    db.prepare("UPDATE events SET announcement = x'00'").run();
    db.prepare("UPDATE attestations SET attestation = x'00'").run();
    db.close();
    const after = await Promise.all(paths.map(get));
    expect(after.map((r) => r.status)).to.deep.equal([200, 200, 200]);
    expect(after.map((r) => r.text)).to.deep.equal(before.map((r) => r.text));
    expect((JSON.parse(after[0]!.text) as Page).count).to.equal(7);
  });

  it('cuts a page by its size in bytes as well as by limit; `next` continues where the budget stopped', async () => {
    await listen();
    const all = JSON.parse((await get('/dlc/announcements?limit=1000')).text) as Page;
    expect(all.count).to.equal(7);
    const sizes = all.announcements.map((e) => Buffer.byteLength(JSON.stringify(e)));
    await server.close();
    const budget = sizes[0]! + sizes[1]! + 2; // the first page holds two events, not three
    await listen(budget);
    const ids: string[] = [];
    const counts: number[] = [];
    let query = 'limit=1000';
    for (let pages = 0; pages < 10; pages++) {
      const page = JSON.parse((await get(`/dlc/announcements?${query}`)).text) as Page;
      const bytes = page.announcements.reduce((sum, e) => sum + Buffer.byteLength(JSON.stringify(e)) + 1, 0);
      expect(bytes, 'bytes of events in one page').to.be.at.most(budget);
      ids.push(...page.announcements.map((e) => e.eventId));
      counts.push(page.count);
      if (page.next === null) break;
      query = new URLSearchParams({ from: String(page.next.from), after: page.next.after, limit: '1000' }).toString();
    }
    expect(counts[0]).to.equal(2);
    expect(counts.length).to.be.greaterThan(1);
    expect(ids).to.deep.equal(all.announcements.map((e) => e.eventId));
  });

  it('serves one event even when it alone exceeds the byte budget', async () => {
    await listen(1);
    const page = JSON.parse((await get('/dlc/announcements')).text) as Page;
    expect(page.count).to.equal(1);
    expect(page.next).to.deep.equal({ from: T0, after: EVENT_T0 });
  });
});
