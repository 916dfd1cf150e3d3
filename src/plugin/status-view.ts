/**
 * What `stable-status` and `stable-settle` answer through lightning-cli: JSON, amounts as integer
 * strings (msat) and prices as decimal strings, never floats; times as ISO 8601.
 */
import type { ClientConfig } from '../client/config.js';
import type { ChannelStateRecord, RoundRecord } from '../client/ledger-types.js';
import type { Ledger } from '../client/ledger.js';
import type { RoundReport } from '../client/round.js';
import { PRICE_EXPONENT, formatDecimal } from '../core/fixed.js';
import type { ScheduleState } from './schedule.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const text = (v: bigint | null) => (v === null ? null : v.toString());
const price = (v: bigint | null) => (v === null ? null : formatDecimal(v, PRICE_EXPONENT));

/** One round, as recorded or as just run. */
export function roundView(r: RoundRecord | RoundReport): Record<string, unknown> {
  return {
    at: iso(r.at),
    action: r.action,
    amount_msat: r.amountMsat.toString(),
    price: r.price === null ? null : price(BigInt(r.price)),
    receiver_balance_msat: text(r.receiverBalanceMsat),
    agreed_receiver_msat: text(r.agreedReceiverMsat),
    unexplained_msat: text(r.unexplainedMsat),
    paused: r.paused,
    commitment: r.commitment,
    reason: r.reason,
    ...('payment' in r && r.payment ? { payment: r.payment } : {}),
  };
}

function channelView(s: ChannelStateRecord): Record<string, unknown> {
  return {
    at: iso(s.at),
    state: s.state,
    node_state: s.nodeState,
    source: s.source,
    ...(s.closePrice === null ? {} : { close_price: price(s.closePrice) }),
    ...(s.agreedReceiverMsat === null ? {} : { agreed_receiver_msat: s.agreedReceiverMsat.toString() }),
  };
}

export function statusView(
  config: ClientConfig,
  ledger: Ledger,
  schedule: ScheduleState,
  hookRecords: number,
): Record<string, unknown> {
  return {
    agreement: {
      role: config.role,
      stable_usd: formatDecimal(config.stableUsd, PRICE_EXPONENT),
      channel: config.channel.id,
      peer: config.channel.peerId,
      oracles: `${config.threshold} of ${config.oracles.length}`,
    },
    rounds: {
      interval_ms: config.intervalMs,
      paused: schedule.paused,
      running: schedule.running,
      next_round_at: iso(schedule.nextRoundAt),
      stopped_by: schedule.stoppedBy,
    },
    channel: ledger.channelStates(10).map(channelView),
    misses_by_peer: ledger.missCount(),
    open_payments: ledger.openPayments().length,
    open_expectations: ledger.openExpectations().length,
    keysends_seen_by_hook: hookRecords,
    last_rounds: ledger.rounds(5).map(roundView),
  };
}
