/** The ledger's rows as SQLite returns them (integers as bigint), and their typed records. */
import type { AgreementState } from './lifecycle.js';
import type {
  ChannelSnapshot,
  ChannelStateRecord,
  Expectation,
  PaymentRecord,
  PaymentRecordStatus,
  ReceiptRecord,
  RoundAction,
  RoundQuote,
  RoundRecord,
} from './ledger-types.js';

export interface PaymentRow {
  payment_hash: string;
  preimage: string;
  node_payment_hash: string | null;
  node_preimage: string | null;
  sent_after: string | null;
  digest: string;
  amount_msat: bigint;
  max_fee_msat: bigint;
  status: PaymentRecordStatus;
  fee_msat: bigint | null;
  failure: string | null;
  created_at: bigint;
  updated_at: bigint;
}

export interface ExpectationRow {
  digest: string;
  amount_msat: bigint;
  created_at: bigint;
  due_at: bigint;
  status: Expectation['status'];
  received_msat: bigint;
  after_receipt: bigint | null;
}

export interface ChannelStateRow {
  id: bigint;
  at: bigint;
  node_state: string;
  state: AgreementState;
  source: ChannelStateRecord['source'];
  close_price: string | null;
  agreed_receiver_msat: bigint | null;
}

export interface RoundRow {
  at: bigint;
  action: RoundAction;
  amount_msat: bigint;
  price: string | null;
  receiver_balance_msat: bigint | null;
  agreed_receiver_msat: bigint | null;
  unexplained_msat: bigint | null;
  paused: bigint;
  commitment: string | null;
  reason: string;
  /** JSON, NULL in rounds recorded before it was kept. */
  quotes: string | null;
  channel: string | null;
}

export const toPayment = (r: PaymentRow): PaymentRecord => ({
  paymentHash: r.payment_hash,
  preimage: r.preimage,
  nodePaymentHash: r.node_payment_hash,
  nodePreimage: r.node_preimage,
  sentAfter: r.sent_after,
  commitment: r.digest,
  amountMsat: r.amount_msat,
  maxFeeMsat: r.max_fee_msat,
  status: r.status,
  feeMsat: r.fee_msat,
  failure: r.failure,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export const toExpectation = (r: ExpectationRow): Expectation => ({
  commitment: r.digest,
  amountMsat: r.amount_msat,
  createdAt: Number(r.created_at),
  dueAt: Number(r.due_at),
  status: r.status,
  receivedMsat: r.received_msat,
  afterReceipt: r.after_receipt === null ? null : Number(r.after_receipt),
});

export const toChannelState = (r: ChannelStateRow): ChannelStateRecord => ({
  id: Number(r.id),
  at: Number(r.at),
  nodeState: r.node_state,
  state: r.state,
  source: r.source,
  closePrice: r.close_price === null ? null : BigInt(r.close_price),
  agreedReceiverMsat: r.agreed_receiver_msat,
});

export const toRound = (r: RoundRow): RoundRecord => ({
  at: Number(r.at),
  action: r.action,
  amountMsat: r.amount_msat,
  price: r.price,
  receiverBalanceMsat: r.receiver_balance_msat,
  agreedReceiverMsat: r.agreed_receiver_msat,
  unexplainedMsat: r.unexplained_msat,
  paused: r.paused !== 0n,
  commitment: r.commitment,
  reason: r.reason,
  quotes: r.quotes === null ? [] : (JSON.parse(r.quotes) as RoundQuote[]),
  channel: r.channel === null ? null : channelOf(JSON.parse(r.channel) as StoredChannel),
});

type StoredChannel = Omit<ChannelSnapshot, 'capacityMsat'> & { capacityMsat: string };

const channelOf = (c: StoredChannel): ChannelSnapshot => ({ ...c, capacityMsat: BigInt(c.capacityMsat) });

/** The JSON columns of a round. */
export const roundColumns = (r: RoundRecord): { quotes: string; channel: string | null } => ({
  quotes: JSON.stringify(r.quotes),
  channel: r.channel === null ? null : JSON.stringify({ ...r.channel, capacityMsat: String(r.channel.capacityMsat) }),
});

export interface ReceiptRow {
  payment_hash: string;
  amount_msat: bigint;
  settled_at: bigint;
  record: string | null;
  matched_by: ReceiptRecord['matchedBy'];
  recorded_at: bigint;
}

export function toReceipt(r: ReceiptRow): ReceiptRecord {
  return {
    paymentHash: r.payment_hash,
    amountMsat: r.amount_msat,
    settledAt: Number(r.settled_at),
    record: r.record,
    matchedBy: r.matched_by,
    at: Number(r.recorded_at),
  };
}
