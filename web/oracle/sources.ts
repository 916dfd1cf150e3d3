/**
 * The oracle page's "Sources at the last tick" (from /sources): for the index, each quote
 * conversion (USDT/USD), the funding rate and the premium, whether the tick signed and why not,
 * and every source's last value, age, deviation and verdict with its reason.
 */
import type { MarketReport, SourceReport, SourcesReport } from '../../src/server/types.js';
import { badge, h, table } from '../shared/dom.js';
import { duration, percent, roundTo, usd, utc } from '../shared/format.js';

const TITLES: Record<MarketReport['kind'], string> = {
  index_price: 'index',
  conversion: 'conversion',
  funding_rate: 'funding rate per 8 h',
  perp_premium: 'perpetual premium',
};

/** A market's figure (at its exponent) as text. */
function figure(market: MarketReport, value: string): string {
  if (market.kind === 'index_price') return `${usd(value, market.exponent)} USD`;
  if (market.kind === 'conversion') return roundTo(BigInt(value), market.exponent, 6);
  return percent(value, market.exponent);
}

/** A source's value as it counted, and as the venue quoted it. */
function values(market: MarketReport, s: SourceReport): [string, string] {
  const counted = s.price === null ? '—' : figure(market, s.price);
  if (s.rawPrice === null) return [counted, '—'];
  if (market.kind === 'funding_rate') return [counted, `${percent(s.rawPrice, market.exponent)} per venue interval`];
  if (market.kind === 'conversion') return [counted, `${roundTo(BigInt(s.rawPrice), -8, 6)} ${s.quote}`];
  return [counted, `${usd(s.rawPrice, -8)} ${s.quote}`];
}

function verdictBadge(verdict: string): HTMLElement {
  return badge(verdict === 'accepted' ? 'ok' : verdict === 'error' ? 'bad' : 'warn', verdict);
}

function marketSection(market: MarketReport): HTMLElement {
  const head =
    market.ok && market.price !== null
      ? h('p', {}, badge('ok', 'signed'), ` ${figure(market, market.price)} at ${utc(market.at)}`)
      : h(
          'p',
          { class: 'refused' },
          badge('bad', 'refused'),
          ` at ${utc(market.at)}: ${market.reason ?? 'no reason given'}`,
        );
  const rows = market.sources.map((s) => {
    const [counted, raw] = values(market, s);
    return [
      h('code', { text: s.source }),
      verdictBadge(s.verdict),
      counted,
      raw,
      s.ageMs === null ? '—' : duration(s.ageMs),
      s.deviationBps === null ? '—' : `${(s.deviationBps / 100).toFixed(2)} %`,
      s.reason,
    ];
  });
  return h(
    'div',
    { class: 'market', attrs: { 'data-kind': market.kind, 'data-pair': market.pair } },
    h('h3', { text: `${market.pair} ${TITLES[market.kind]}` }),
    head,
    table(
      `Sources of ${market.pair} ${TITLES[market.kind]}`,
      ['Source', 'Verdict', 'Counted as', 'Quoted', 'Age', 'Deviation', 'Reason'],
      rows,
    ),
  );
}

/** Replaces `container`'s content with the markets of `report`. */
export function renderSources(container: HTMLElement, report: SourcesReport): void {
  container.replaceChildren(
    ...(report.markets.length === 0 ? [h('p', { text: 'No tick yet.' })] : report.markets.map(marketSection)),
  );
}
