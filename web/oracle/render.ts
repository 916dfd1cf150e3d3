/**
 * The oracle page's headline figures, its list of attestations as this browser checked them, the
 * refused ticks, and the facts about the oracle. Numbers come only from verified attestations.
 */
import type { SignedAttestation } from '../../src/attest/types.js';
import type { OracleInfo } from '../../src/server/types.js';
import { badge, byId, h, setText, table } from '../shared/dom.js';
import { STALE_AFTER_TICKS } from '../../src/server/freshness.js';
import { ago, clockTime, formatDecimal, percent, shortHex, usd, utc } from '../shared/format.js';
import type { OracleModel, RefusedTick } from './model.js';

export type FigureId = 'index' | 'funding' | 'premium';

export function valueText(a: SignedAttestation): string {
  if (a.kind === 'index_price') return usd(a.value, a.exponent);
  // The cumulative funding per USD of notional since the oracle's epoch: a plain number, not a rate.
  if (a.kind === 'funding_index') return formatDecimal(a.value, a.exponent);
  return percent(a.value, a.exponent);
}

function dispersionText(a: SignedAttestation): string {
  // index_price: millionths of the value; the ratios: absolute millionths (docs/PROTOCOL.md, Kinds).
  return a.kind === 'index_price' ? `${(a.dispersionPpm / 10_000).toFixed(4)} %` : percent(BigInt(a.dispersionPpm), -6);
}

/** Renders one headline figure from the latest verified attestation of its kind, or says there is none. */
export function renderFigure(id: FigureId, a: SignedAttestation | null, now: number, tickIntervalMs: number): void {
  const verdict = byId(`${id}-verdict`);
  if (a === null) {
    setText(id === 'index' ? 'index-price' : id === 'funding' ? 'funding-rate' : 'premium', '—');
    verdict.replaceChildren(badge('neutral', 'no verified attestation yet'));
    setText(`${id}-details`, '');
    return;
  }
  setText(id === 'index' ? 'index-price' : id === 'funding' ? 'funding-rate' : 'premium', valueText(a));
  const observedAt = Number(a.observedAt);
  const stale = now - observedAt > STALE_AFTER_TICKS * tickIntervalMs;
  verdict.replaceChildren(
    badge('ok', '✓ signature verified', 'BIP340 signature checked in this browser against the pinned key'),
    ...(stale ? [' ', badge('warn', `stale: signed ${ago(observedAt, now)}`)] : []),
  );
  setText(
    `${id}-details`,
    `observed ${utc(observedAt)} (${ago(observedAt, now)}) · ${a.sourceCount} sources · ` +
      `dispersion ${dispersionText(a)} · sequence ${a.sequence}`,
  );
}

/** The recent attestations, newest first, each verified or invalid with why. */
export function renderEntries(model: OracleModel): void {
  setText(
    'verification-summary',
    `${model.verifiedCount} attestation(s) verified, ${model.invalidCount} invalid, against the key ` +
      `${shortHex(model.pinnedKey)} (docs/PROTOCOL.md, steps 1 to 5). An invalid one is never shown as a figure.`,
  );
  const rows = model.entries.map((e) => [
    clockTime(e.receivedAt),
    e.kind,
    e.sequence,
    e.attestation === null ? '—' : valueText(e.attestation),
    e.failure === null ? badge('ok', '✓ verified') : h('span', {}, badge('bad', '✗ invalid'), ` ${e.failure}`),
  ]);
  const t = table(
    'Attestations received by this page, newest first',
    ['Received', 'Kind', 'Sequence', 'Value', 'Check'],
    rows,
  );
  t.querySelectorAll('tbody tr').forEach((row, i) => {
    const e = model.entries[i];
    if (e === undefined) return;
    row.setAttribute('data-sequence', e.sequence);
    row.setAttribute('data-verified', String(e.failure === null));
    if (e.failure !== null) row.className = 'invalid';
  });
  byId('entries').replaceChildren(t);
}

/** Refused ticks seen while the page is open, and silences in the history it could not explain. */
export function renderRefusals(
  refusals: readonly RefusedTick[],
  silences: readonly { from: number; to: number }[],
): void {
  const items = [
    ...refusals
      .slice(0, 12)
      .map((r) =>
        h(
          'li',
          { class: 'refusal' },
          badge('bad', 'refused'),
          ` ${utc(r.at)}: `,
          h('span', { class: 'reason', text: r.reason }),
        ),
      ),
    ...silences
      .slice(0, 6)
      .map((s) =>
        h(
          'li',
          {},
          badge('neutral', 'no signature'),
          ` ${utc(s.from)} to ${utc(s.to)}: signed nothing ` +
            '(before this page opened; the oracle keeps no reasons for past ticks)',
        ),
      ),
  ];
  byId('refusals').replaceChildren(...(items.length === 0 ? [h('li', { text: 'None in this range.' })] : items));
}

/** The oracle's public key, versions and methodology, from /oracle. */
export function renderAbout(info: OracleInfo, pinnedKey: string): void {
  const fact = (term: string, ...value: (Node | string)[]) => [h('dt', { text: term }), h('dd', {}, ...value)];
  byId('about').replaceChildren(
    ...fact('Public key (BIP340, x-only)', h('code', { text: info.publicKey, id: 'oracle-key' })),
    ...fact(
      'Key this page verifies against',
      h('code', { text: pinnedKey }),
      pinnedKey === info.publicKey ? '' : ' (pinned in the address)',
    ),
    ...fact(
      'Protocol version',
      h('span', { id: 'protocol-version', text: String(info.protocolVersion) }),
      ` (tag ${info.tag})`,
    ),
    ...fact('Software', `${info.name} ${info.softwareVersion}`),
    ...fact('Signs', `${info.kinds.join(', ')} · ${info.pair} every ${info.tickIntervalMs / 1000} s`),
    ...fact('Methodology', h('span', { id: 'methodology', text: info.methodology })),
  );
}
