/**
 * The oracle dashboard (docs/DASHBOARDS.md), served by the oracle at /. It reads the public API of
 * the oracle that serves it (/oracle, /price, /funding, /premium, /history, /stream, /sources,
 * /dlc/announcements) and nothing else, checks every attestation in this browser against the
 * pinned key before showing it, and follows /stream so a new attestation appears as it is signed.
 * The key is the one /oracle names, unless the address pins another: /#pubkey=<64 hex>.
 */
import '../shared/dashboard.css';
import type { OracleInfo, SourcesReport } from '../../src/server/types.js';
import { timeChart } from '../shared/chart.js';
import { byId, getJson, h, setText, yieldToBrowser } from '../shared/dom.js';
import { groupDigits, shortHex } from '../shared/format.js';
import { renderDlc, type DlcEvent } from './dlc.js';
import { OracleModel } from './model.js';
import { renderAbout, renderEntries, renderFigure, renderRefusals } from './render.js';
import { renderSources } from './sources.js';

const HOUR_MS = 3_600_000;
/** Points drawn at most per range; longer ranges are thinned before they are verified. */
const MAX_POINTS = 720;
const MAX_HISTORY_PAGES = 40;
const DLC_WINDOW_MS = 2 * 24 * HOUR_MS;

/** The key to verify against: the address's #pubkey=..., else the one /oracle names. */
function pinnedKey(info: OracleInfo): string {
  const pinned = /(?:^#|&)pubkey=([0-9a-fA-F]{64})(?:&|$)/.exec(location.hash)?.[1]?.toLowerCase();
  if (pinned !== undefined && pinned !== info.publicKey) {
    const warning = byId('key-warning');
    warning.hidden = false;
    warning.textContent =
      `This oracle names the key ${info.publicKey}, not the key pinned in the address (${pinned}): ` +
      'its attestations are shown as invalid.';
  }
  return pinned ?? info.publicKey;
}

/** Every page of /history for `kind` in [from, to], thinned to MAX_POINTS, in order. */
async function historyOf(kind: string, from: number, to: number): Promise<unknown[]> {
  const found: unknown[] = [];
  let query = `kind=${kind}&from=${from}&to=${to}&limit=1000`;
  for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
    let answer = await getJson(`/history?${query}`);
    // An oracle whose maxHistoryLimit is below 1000 refuses the limit: take its default page.
    if (answer.status === 400 && page === 0) answer = await getJson(`/history?${query.replace('&limit=1000', '')}`);
    if (answer.status !== 200) break;
    const body = answer.body as { attestations: unknown[]; next: { from: number; after: string } | null };
    found.push(...body.attestations);
    if (body.next === null) break;
    const limit = query.includes('limit') ? '&limit=1000' : '';
    query = `kind=${kind}&from=${body.next.from}&after=${body.next.after}&to=${to}${limit}`;
  }
  const step = Math.max(1, Math.ceil(found.length / MAX_POINTS));
  return found.filter((_a, i) => i % step === 0 || i === found.length - 1);
}

async function start(): Promise<void> {
  const { status, body } = await getJson('/oracle');
  if (status !== 200) throw new Error(`/oracle answered ${status}`);
  const info = body as OracleInfo;
  const key = pinnedKey(info);
  const funding = (info.config.funding ?? null) as { tickIntervalMs?: number } | null;
  const fundingTickMs = funding?.tickIntervalMs ?? info.tickIntervalMs;
  const model = new OracleModel(key, info.tickIntervalMs);
  setText('pair', info.pair);
  setText('key-summary', `key ${shortHex(info.publicKey)}`);
  renderAbout(info, key);

  let rangeMs = HOUR_MS;
  const chart = timeChart(byId('chart'), {
    series: [{ label: `${info.pair} index (verified)`, stroke: '#1d4ed8' }],
    format: (v) => groupDigits(v.toFixed(2)),
  });
  const redraw = () => {
    const now = Date.now();
    renderFigure('index', model.latest('index_price'), now, info.tickIntervalMs);
    renderFigure('funding', model.latest('funding_rate'), now, fundingTickMs);
    renderFigure('premium', model.latest('perp_premium'), now, fundingTickMs);
    renderEntries(model);
    const [xs, ys] = model.indexSeries(now - rangeMs, now + info.tickIntervalMs);
    chart.setData([xs, ys]);
    // The gaps drawn (ms), in the markup too: a reader without the canvas (the browser tests) can see them.
    byId('chart').dataset.gaps = xs
      .filter((_x, i) => ys[i] === null)
      .map((x) => x * 1000)
      .join(' ');
    renderRefusals(
      model.refusals().filter((r) => r.at >= now - rangeMs),
      model.silences(now - rangeMs, now),
    );
  };

  for (const [kind, path] of [
    ['index_price', '/price'],
    ['funding_rate', '/funding'],
    ['perp_premium', '/premium'],
  ]) {
    if (!info.kinds.includes(kind as OracleInfo['kinds'][number])) continue;
    const latest = await getJson(path as string);
    if (latest.status === 200) model.add(latest.body, Date.now());
  }
  redraw();
  follow(model, redraw);

  const load = async () => {
    const now = Date.now();
    const pages = await historyOf('index_price', now - rangeMs, now);
    setText('chart-note', `Checking ${pages.length} signed index attestation(s) from /history in this browser…`);
    for (let i = 0; i < pages.length; i++) {
      model.add(pages[i], Date.now(), false);
      if (i % 25 === 24) await yieldToBrowser();
    }
    setText(
      'chart-note',
      `Only attestations whose signature this browser verified are drawn; a gap is a span with none ` +
        `(a refused tick, or the oracle down). ${pages.length} from /history, then live from /stream.`,
    );
    redraw();
  };
  for (const button of document.querySelectorAll<HTMLButtonElement>('.ranges button')) {
    button.addEventListener('click', () => {
      rangeMs = Number(button.dataset.range);
      for (const b of document.querySelectorAll('.ranges button')) b.setAttribute('aria-pressed', String(b === button));
      void load();
    });
  }
  void load();

  const pollSources = async () => {
    const answer = await getJson('/sources');
    if (answer.status !== 200) return;
    const report = answer.body as SourcesReport;
    renderSources(byId('sources'), report);
    const index = report.markets.find((m) => m.kind === 'index_price');
    if (index !== undefined && !index.ok && model.addRefusal(index.at, index.reason ?? 'no reason given')) redraw();
  };
  const pollDlc = async () => {
    const now = Date.now();
    const answer = await getJson(`/dlc/announcements?from=${now - DLC_WINDOW_MS}&to=${now + DLC_WINDOW_MS}&limit=200`);
    const events = answer.status === 200 ? (answer.body as { announcements: DlcEvent[] }).announcements : null;
    renderDlc(byId('dlc'), events, now);
  };
  await Promise.all([pollSources(), pollDlc()]);
  // A refused tick sends nothing on /stream: /sources is read twice a tick (at most every 5 s) to see it.
  setInterval(() => void pollSources(), Math.min(5_000, Math.max(500, info.tickIntervalMs / 2)));
  setInterval(() => void pollDlc(), 60_000);
  setInterval(redraw, 1_000);
}

/** Follows /stream: each event is checked and shown; the connection state is shown as it changes. */
function follow(model: OracleModel, redraw: () => void): void {
  const connection = byId('connection');
  const stream = new EventSource('/stream');
  stream.addEventListener('open', () => connection.replaceChildren(h('span', { class: 'live', text: '● live' })));
  stream.addEventListener('error', () =>
    connection.replaceChildren(h('span', { class: 'offline', text: '● reconnecting to /stream…' })),
  );
  stream.addEventListener('attestation', (event) => {
    let raw: unknown;
    try {
      raw = JSON.parse((event as MessageEvent<string>).data);
    } catch {
      raw = (event as MessageEvent<string>).data;
    }
    if (model.add(raw, Date.now()) !== null) redraw();
  });
}

start().catch((err: unknown) => {
  const notice = byId('key-warning');
  notice.hidden = false;
  notice.textContent = `The dashboard could not start: ${err instanceof Error ? err.message : String(err)}`;
});
