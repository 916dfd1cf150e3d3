/**
 * The agreement page's headline figures, computed from `status --json` (src/client/status-report.ts)
 * by one pure function, so the browser test can check that every figure the page shows is the
 * status's, written the same way.
 */
import type { AgreementStatus } from '../../src/client/status-report.js';
import { btc, formatDecimal, sats, usd, utc } from '../shared/format.js';

export interface Figure {
  /** The element's data-field and what the figure is. */
  readonly field: string;
  readonly label: string;
  readonly value: string;
  readonly note: string;
}

const signedSats = (msat: string): string => (msat.startsWith('-') || msat === '0' ? sats(msat) : `+${sats(msat)}`);

/** The figures shown at the top of the page, in order. */
export function headlineFigures(s: AgreementStatus): Figure[] {
  const a = s.agreement;
  const p = s.position;
  const life = s.channelStates[0];
  const figures: Figure[] = [
    { field: 'role', label: 'Role', value: a.role, note: `channel ${a.channelId}` },
    { field: 'stable-usd', label: 'Stable amount', value: `${usd(a.stableUsd)} USD`, note: 'kept by the receiver' },
  ];
  if (p === null) {
    figures.push({
      field: 'receiver-btc',
      label: "Receiver's balance",
      value: '—',
      note: 'no round has read the channel yet',
    });
  } else {
    figures.push(
      {
        field: 'receiver-btc',
        label: "Receiver's balance",
        value: btc(p.observedReceiverMsat),
        note: `as the node reports it; ${btc(p.agreedReceiverMsat)} as the agreement explains it`,
      },
      {
        field: 'receiver-usd',
        label: 'Its value now',
        value: `${usd(p.receiverUsd)} USD`,
        note: `at ${usd(p.price)} USD, the price of the round at ${utc(p.at)}`,
      },
      {
        field: 'leverage',
        label: "Provider's effective leverage",
        value: p.providerLeverage === null ? '—' : `${formatDecimal(BigInt(p.providerLeverage), -2)}×`,
        note:
          p.providerMsat === null ? 'the channel was not read' : `capacity over the provider's ${btc(p.providerMsat)}`,
      },
      {
        field: 'channel',
        label: 'Channel',
        // The agreement's state (src/client/lifecycle.ts) when the ledger followed the channel's life.
        value:
          life === undefined ? (p.channel === null ? '—' : p.channel.normal ? 'normal' : 'not normal') : life.state,
        note:
          (life === undefined ? '' : `the node says ${life.nodeState} since ${utc(life.at)}; `) +
          (p.channel === null
            ? 'not recorded by this round'
            : `peer ${p.channel.peerConnected ? 'connected' : 'NOT connected'}, ` +
              `${p.channel.pendingHtlcs} HTLC(s) in flight`),
      },
      {
        field: 'unexplained',
        label: 'Unexplained',
        value: signedSats(p.unexplainedMsat),
        note:
          `acknowledged ${sats(s.accounts?.acknowledgedUnexplainedMsat ?? '0')}` + (p.paused ? '; payment PAUSED' : ''),
      },
    );
  }
  figures.push(
    {
      field: 'funding',
      label: 'Funding accrued',
      value: a.funding ? signedSats(s.funding?.accruedMsat ?? '0') : 'off',
      note: a.funding ? 'agreed so far (positive: the provider owes it)' : 'the agreement applies no funding',
    },
    {
      field: 'settled',
      label: 'Settlements since the baseline',
      value: s.accounts === null ? '—' : `${sats(s.accounts.paidMsat)} paid`,
      note: s.accounts === null ? 'no baseline yet' : `${sats(s.accounts.receivedMsat)} received`,
    },
    {
      field: 'misses',
      label: 'Misses by the peer',
      value: String(s.misses),
      note: `${s.openPayments} payment(s) open, ${s.openExpectations} expected`,
    },
  );
  return figures;
}
