/**
 * What the settlement ledger records, and the one interface a round uses to read and write it. Two
 * ledgers implement it: the SQLite ledger (src/client/ledger.ts) and the dry run's, which reads the
 * same file and records nothing (src/client/dry-run-ledger.ts), so a dry run is chosen once, where
 * the ledger is opened, and the round never asks which one it has.
 */
import type { AttestationKind, SignedAttestation } from '../attest/types.js';
import type { ReceivedPayment } from '../lightning/types.js';
import type { SettlementTotals } from './accounting.js';
import type { AgreementState } from './lifecycle.js';

export type PaymentRecordStatus = 'intent' | 'pending' | 'complete' | 'failed';

export interface PaymentRecord {
  /** sha256 of the preimage the client chose: the ledger's key, known before paying. */
  readonly paymentHash: string;
  readonly preimage: string;
  /**
   * What the node reported: its payment hash and, once complete, its preimage (the proof of
   * payment). The same as ours on LND; Core Lightning draws its own. Null until reported.
   */
  readonly nodePaymentHash: string | null;
  readonly nodePreimage: string | null;
  /** The node's payment cursor before the intent was written (LightningBackend.paymentCursor). */
  readonly sentAfter: string | null;
  /** What record 65537 carried: the commitment to the attestations the payment used (docs/PROTOCOL.md). */
  readonly commitment: string;
  readonly amountMsat: bigint;
  readonly maxFeeMsat: bigint;
  readonly status: PaymentRecordStatus;
  readonly feeMsat: bigint | null;
  readonly failure: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface Expectation {
  /** The commitment to the attestations of the round that found the peer owing. */
  readonly commitment: string;
  readonly amountMsat: bigint;
  readonly createdAt: number;
  readonly dueAt: number;
  readonly status: 'expected' | 'received' | 'missed' | 'lapsed';
  readonly receivedMsat: bigint;
  /**
   * The last receipt the ledger held when the expectation was made (its row id; 0 when none): what
   * it asks for was computed with those, so only receipts recorded after it answer it. Null for an
   * expectation written by an older version (judged by the time receipts were recorded).
   */
  readonly afterReceipt: number | null;
}

export type RoundAction = 'pay' | 'expect' | 'none' | 'skip' | 'refuse' | 'wait' | 'dry-run' | 'error';

export interface RoundRecord {
  readonly at: number;
  /**
   * pay, expect, none; skip (a payment precondition failed), refuse (no trustworthy price or
   * channel), wait (a payment in flight), dry-run, error (the round failed: node, connection).
   */
  readonly action: RoundAction;
  readonly amountMsat: bigint;
  readonly price: string | null;
  /** The receiver's balance as the node reported it (observed), and as the agreement explains it. */
  readonly receiverBalanceMsat: bigint | null;
  readonly agreedReceiverMsat: bigint | null;
  /** observed - agreed beyond the node's reporting step; null when the round did not read the channel. */
  readonly unexplainedMsat: bigint | null;
  /** Whether a payment was held back because of the unexplained amount. */
  readonly paused: boolean;
  /** The commitment to the attestations the round used, when it used any. */
  readonly commitment: string | null;
  readonly reason: string;
  /** Each oracle's quote the round fetched, used or left out and why; empty when it fetched none. */
  readonly quotes: readonly RoundQuote[];
  /** The channel as the round read it; null when it did not read it. */
  readonly channel: ChannelSnapshot | null;
}

/** One oracle's quote in a round: which figure, which oracle, and whether it was used or why not. */
export interface RoundQuote {
  readonly kind: AttestationKind;
  readonly oracle: string;
  readonly accepted: boolean;
  readonly reason: string;
}

/** What a round saw of the channel besides the receiver's balance. */
export interface ChannelSnapshot {
  readonly normal: boolean;
  readonly peerConnected: boolean;
  readonly pendingHtlcs: number;
  readonly capacityMsat: bigint;
}

/** The agreement's starting point: the receiver's balance observed at its first round. */
export interface Baseline {
  readonly receiverMsat: bigint;
  readonly at: number;
}

/** One oracle's funding index as this client applies it (docs/METHODOLOGY.md 8.6). */
export interface AppliedIndex {
  /** Its first index at or after the funding start: increases are measured from it. */
  readonly anchor: SignedAttestation;
  /** The last index of it applied, at 10^-17, and its observedAt. */
  readonly lastValue: bigint;
  readonly lastAt: number;
}

/** Funding agreed so far (positive: the provider owes it) and when it was last applied. */
export interface FundingState {
  /** Funding a ledger of an earlier version accrued from rates at its own rounds, msat: kept as is. */
  readonly accruedMsat: bigint;
  readonly lastAt: number;
  /**
   * The agreed funding start (`fundingStart`) the ledger accrues from: each oracle's anchor is its
   * first index at or after it. Null in a ledger of an earlier version that accrued from rates only.
   */
  readonly since: number | null;
  /** Funding agreed from the index, at 10^-25 USD: stableUsd x the median increase since the anchors. */
  readonly indexUsd: bigint;
  /** Per oracle public key (hex), its anchor and the last index applied. */
  readonly oracles: ReadonlyMap<string, AppliedIndex>;
}

export type IntentOutcome =
  { readonly ok: true } | { readonly ok: false; readonly reason: 'already settled' | 'dry run' };

/** A keysend received, and whether it is a settlement payment from the peer. */
export interface ReceiptRecord {
  readonly paymentHash: string;
  readonly amountMsat: bigint;
  readonly settledAt: number;
  readonly record: string | null;
  readonly matchedBy: 'record' | 'amount' | 'none' | 'baseline';
  readonly at: number;
}

/** A change of the channel's state, as the ledger keeps the channel's life. */
export interface ChannelStateRecord {
  readonly id: number;
  readonly at: number;
  /** The node's own name (src/lightning/types.ts ChannelState.nodeState). */
  readonly nodeState: string;
  readonly state: AgreementState;
  /** Polled by a round, or told by Core Lightning (the plugin's channel_state_changed notification). */
  readonly source: 'poll' | 'notification';
  /**
   * On the change that started the close: the price at close (PRICE_EXPONENT, the first trustworthy
   * price once closing started) and the receiver's last settled (agreed) balance; null until known.
   */
  readonly closePrice: bigint | null;
  readonly agreedReceiverMsat: bigint | null;
}

/** What a round writes when it is recorded, in one transaction with the round. */
export interface RoundEffects {
  /** The attestations the round used: their sequences become the last accepted. */
  readonly accepted: readonly SignedAttestation[];
  /** The new funding state when it changed. */
  readonly funding: FundingState | null;
  /** When the keysends received were last listed, to list from there next time. */
  readonly receiptsListedAt: number | null;
}

export interface SettlementLedger {
  openPayments(): PaymentRecord[];
  /**
   * Writes the intent to pay before paying, with the attestations it uses. Returns `already settled`
   * when a payment already used one of its index attestations (one is settled at most once).
   */
  recordIntent(p: {
    paymentHash: string;
    preimage: string;
    sentAfter: string | null;
    commitment: string;
    attestations: readonly SignedAttestation[];
    amountMsat: bigint;
    maxFeeMsat: bigint;
    at: number;
  }): IntentOutcome;
  recordOutcome(paymentHash: string, outcome: PaymentOutcome): void;

  /** The baseline and the settlement totals since, or null before the agreement's first round. */
  accounts(): { readonly baseline: Baseline; readonly totals: SettlementTotals } | null;
  /**
   * Records the baseline (once): every payment complete by now, and the keysends `received` listed
   * when it was observed, are part of it and never count as settlements after it. Returns it.
   */
  recordBaseline(b: Baseline, received: readonly ReceivedPayment[]): Baseline;
  isReceiptKnown(paymentHash: string): boolean;
  recordReceipt(r: ReceiptRecord): void;
  receiptsListedAt(): number | null;
  /** Settlement payments from the peer recorded after the expectation was made (`afterReceipt`), msat. */
  settlementReceivedFor(e: Expectation): bigint;
  /** The unexplained amount the operator last acknowledged, 0 before any. */
  acknowledgedUnexplainedMsat(): bigint;

  expect(e: { commitment: string; amountMsat: bigint; at: number; dueAt: number }): void;
  openExpectations(): Expectation[];
  resolveExpectation(
    commitment: string,
    status: 'received' | 'missed' | 'lapsed',
    receivedMsat: bigint,
    at: number,
  ): void;
  missCount(): number;

  lastSequence(publicKey: string, kind: AttestationKind): bigint | null;
  funding(): FundingState | null;
  recordRound(r: RoundRecord, effects: RoundEffects): void;

  /** The channel's state as last recorded, or null before any. */
  lastChannelState(): ChannelStateRecord | null;
  /** Records the channel's state when it differs from the last one recorded; returns whether it did. */
  recordChannelState(s: {
    at: number;
    nodeState: string;
    state: AgreementState;
    source: ChannelStateRecord['source'];
  }): boolean;
  /** The change that started the close, while its valuation is still missing; else null. */
  closeToValue(): ChannelStateRecord | null;
  /** Values the close (on the change `id` that started it) at `price`, with the receiver's agreed balance. */
  valueClose(id: number, price: bigint, agreedReceiverMsat: bigint): void;
}

/** What the node says of a payment, as the ledger records it. */
export interface PaymentOutcome {
  readonly status: Exclude<PaymentRecordStatus, 'intent'>;
  /** The node's payment hash and preimage when it reported them (null keeps what the ledger has). */
  readonly nodePaymentHash: string | null;
  readonly nodePreimage: string | null;
  readonly feeMsat: bigint | null;
  readonly failure: string | null;
  readonly at: number;
}
