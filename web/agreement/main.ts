/**
 * The agreement dashboard (docs/DASHBOARDS.md), served by the settlement client beside its ledger:
 * what `peer-stables status --json` says, read from /status.json every few seconds, as figures, a
 * chart of the payments made and received, the last rounds with each oracle's quote (used, or left
 * out and why), the payments, the unexplained changes and the outages. Read-only.
 */
import '../shared/dashboard.css';
import type { AgreementStatus } from '../../src/client/status-report.js';
import { timeChart } from '../shared/chart.js';
import { badge, byId, getJson, h, setText, table } from '../shared/dom.js';
import { clockTime, groupDigits, sats, shortHex, usd, utc } from '../shared/format.js';
import { headlineFigures } from './figures.js';

const REFRESH_MS = 5_000;
const ROUNDS_SHOWN = 12;

function renderStats(s: AgreementStatus): void {
  byId('stats').replaceChildren(
    ...headlineFigures(s).map((f) =>
      h(
        'div',
        { class: 'stat' },
        h('dt', { text: f.label }),
        h('dd', {}, h('span', { text: f.value, attrs: { 'data-field': f.field } }), h('small', { text: f.note })),
      ),
    ),
  );
}

function renderState(s: AgreementStatus): void {
  const ongoing = s.outages.find((o) => o.ongoing);
  const state = ongoing
    ? badge('bad', 'OUTAGE', ongoing.reason)
    : s.position?.paused
      ? badge('warn', 'PAUSED: unexplained change not acknowledged')
      : s.rounds.length === 0
        ? badge('neutral', 'no round yet')
        : badge('ok', `last round: ${s.rounds[0]?.action}`);
  byId('state').replaceChildren(state);
  setText('title', `Stable agreement: ${s.agreement.role} of ${usd(s.agreement.stableUsd)} USD`);
}

function quoteList(r: AgreementStatus['rounds'][number]): HTMLElement {
  if (r.quotes.length === 0) return h('span', { class: 'muted', text: 'no quotes fetched' });
  return h(
    'ul',
    { class: 'plain' },
    ...r.quotes.map((q) =>
      h(
        'li',
        {},
        q.accepted ? badge('ok', 'used') : badge('warn', 'left out'),
        ' ',
        h('code', { text: q.oracle }),
        ` ${q.kind === 'index_price' ? 'index' : 'funding'}: ${q.reason}`,
      ),
    ),
  );
}

function renderRounds(s: AgreementStatus): void {
  const rows = s.rounds
    .slice(0, ROUNDS_SHOWN)
    .map((r) => [
      utc(r.at),
      badge(r.action === 'error' || r.action === 'refuse' ? 'bad' : r.action === 'skip' ? 'warn' : 'neutral', r.action),
      r.amountMsat === '0' ? '—' : sats(r.amountMsat),
      r.price === null ? '—' : usd(r.price),
      h('div', {}, h('p', { class: 'reason', text: r.reason }), quoteList(r)),
    ]);
  byId('rounds').replaceChildren(
    table('Newest first', ['Time', 'Action', 'Amount', 'Price (USD)', 'Why, and the oracles'], rows),
  );
}

function renderPayments(s: AgreementStatus): void {
  const made = s.payments.map((p) => [
    utc(p.createdAt),
    badge(p.status === 'complete' ? 'ok' : p.status === 'failed' ? 'bad' : 'warn', p.status),
    sats(p.amountMsat),
    h('code', { text: shortHex(p.paymentHash), title: `record 65537: ${p.commitment}` }),
  ]);
  const received = s.received.map((r) => [
    utc(r.settledAt),
    badge('ok', `matched by ${r.matchedBy}`),
    sats(r.amountMsat),
    h('code', { text: shortHex(r.paymentHash) }),
  ]);
  byId('payments').replaceChildren(
    table('Made by this client', ['Time', 'Status', 'Amount', 'Payment hash'], made),
    table('Received from the peer', ['Time', 'Settlement', 'Amount', 'Payment hash'], received),
  );
}

function renderChanges(s: AgreementStatus): void {
  const changes = s.unexplainedChanges.map((c) =>
    h('li', {}, `${utc(c.at)}: unexplained ${sats(c.fromMsat)} → `, h('strong', { text: sats(c.toMsat) })),
  );
  const outages = s.outages.map((o) =>
    h(
      'li',
      {},
      badge(o.ongoing ? 'bad' : 'neutral', o.ongoing ? 'ongoing outage' : 'outage'),
      ` ${o.rounds} round(s) from ${utc(o.from)} to ${utc(o.to)}: ${o.reason}`,
    ),
  );
  const none = (text: string) => h('li', { class: 'muted', text });
  byId('changes').replaceChildren(
    h('h3', { text: 'Unexplained balance changes' }),
    h(
      'ul',
      { class: 'plain' },
      ...(changes.length === 0 ? [none('None: every change of the channel is a settlement.')] : changes),
    ),
    h('h3', { text: 'Node outages' }),
    h('ul', { class: 'plain' }, ...(outages.length === 0 ? [none('None in the last 1000 rounds.')] : outages)),
  );
}

function renderAgreement(s: AgreementStatus): void {
  const a = s.agreement;
  const fact = (term: string, ...value: (Node | string)[]) => [h('dt', { text: term }), h('dd', {}, ...value)];
  byId('agreement').replaceChildren(
    ...fact('Channel', h('code', { text: a.channelId }), ' with ', h('code', { text: a.peerId })),
    ...fact('Oracles', `${a.threshold} of ${a.oracles.length} agreeing within ${a.maxSpreadBps / 100} %`),
    ...a.oracles.flatMap((o, i) =>
      fact(`Oracle ${i + 1}`, h('code', { text: o.url }), ' key ', h('code', { text: o.publicKey })),
    ),
    ...fact('Funding', a.funding ? 'applied from the signed funding index' : 'off'),
    ...fact('Unexplained changes', a.onUnexplained === 'pause' ? 'pause payment until acknowledged' : 'do not pause'),
    ...fact('Rounds', `every ${a.intervalMs / 1000} s`),
    ...(s.accounts === null
      ? []
      : fact('Baseline', `${sats(s.accounts.baselineMsat)} at ${utc(s.accounts.baselineAt)}`)),
  );
}

function start(): void {
  const chart = timeChart(byId('chart'), {
    series: [
      { label: 'Paid by this client (sat)', stroke: '#b91c1c', pointsOnly: true },
      { label: 'Received from the peer (sat)', stroke: '#15803d', pointsOnly: true },
    ],
    format: (v) => groupDigits(v.toFixed(0)),
    height: 240,
  });
  const refresh = async () => {
    const answer = await getJson('/status.json');
    if (answer.status !== 200) throw new Error(`/status.json answered ${answer.status}`);
    const s = answer.body as AgreementStatus;
    renderState(s);
    renderStats(s);
    renderRounds(s);
    renderPayments(s);
    renderChanges(s);
    renderAgreement(s);
    const points = [
      ...s.payments
        .filter((p) => p.status === 'complete')
        .map((p) => [p.createdAt, Number(p.amountMsat) / 1000, null] as const),
      ...s.received.map((r) => [r.settledAt, null, Number(r.amountMsat) / 1000] as const),
    ].sort((x, y) => x[0] - y[0]);
    chart.setData([points.map((p) => p[0] / 1000), points.map((p) => p[1]), points.map((p) => p[2])]);
    setText('updated', `updated ${clockTime(Date.now())} UTC`);
    byId('notice').hidden = true;
  };
  const run = () =>
    refresh().catch((err: unknown) => {
      const notice = byId('notice');
      notice.hidden = false;
      notice.textContent = `Could not read the status: ${err instanceof Error ? err.message : String(err)}`;
    });
  void run();
  setInterval(() => void run(), REFRESH_MS);
}

start();
