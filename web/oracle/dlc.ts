/**
 * The oracle page's DLC events (from /dlc/announcements): the next fixings announced, and the last
 * ones attested with the index they settled on, as the oracle reports them. Unlike the signed
 * figures, the page does not check these dlcspecs messages (it says so beside them);
 * `peer-stables verify <URL of /dlc/attestations/ID> --pubkey HEX` does (docs/DLC.md).
 */
import { badge, h, table } from '../shared/dom.js';
import { ago, groupDigits, utc } from '../shared/format.js';

/** The fields of an event the page shows (src/dlc/views.ts has the whole shape). */
export interface DlcEvent {
  readonly eventId: string;
  readonly maturityEpoch: number;
  readonly status: string;
  readonly reason: string;
  readonly attestation: { readonly value: string; readonly late: boolean } | null;
}

const SHOWN = 6;

/** Replaces `container`'s content; `events` null means the oracle runs no DLC oracle. */
export function renderDlc(container: HTMLElement, events: readonly DlcEvent[] | null, now: number): void {
  if (events === null) {
    container.replaceChildren(h('p', { text: 'This oracle does not run the DLC oracle (dlc.enabled is false).' }));
    return;
  }
  const attested = events.filter((e) => e.attestation !== null).sort((a, b) => b.maturityEpoch - a.maturityEpoch);
  const upcoming = events.filter((e) => e.attestation === null).sort((a, b) => a.maturityEpoch - b.maturityEpoch);
  const when = (e: DlcEvent) => `${utc(e.maturityEpoch * 1000)} (${ago(e.maturityEpoch * 1000, now)})`;
  container.replaceChildren(
    h(
      'div',
      { class: 'two-columns' },
      table(
        'Upcoming',
        ['Event', 'Maturity', 'Status'],
        upcoming
          .slice(0, SHOWN)
          .map((e) => [h('code', { text: e.eventId }), when(e), badge('neutral', e.status, e.reason)]),
      ),
      table(
        'Attested',
        ['Event', 'Maturity', 'Outcome (as reported, not verified here)'],
        attested
          .slice(0, SHOWN)
          .map((e) => [
            h('code', { text: e.eventId }),
            when(e),
            h(
              'span',
              {},
              `${groupDigits(e.attestation?.value ?? '')} USD `,
              e.attestation?.late ? badge('warn', 'late') : null,
            ),
          ]),
      ),
    ),
  );
}
