/**
 * Core Lightning tells a plugin of every change of a channel's state (`channel_state_changed`),
 * as it happens: the plugin records the settlement channel's changes in the ledger at once (source
 * `notification`), where a client outside the node sees them only at its next poll. The state's
 * meaning for the agreement comes from the one table (src/client/lifecycle.ts).
 */
import { z } from 'zod';
import type { ClientConfig } from '../client/config.js';
import type { SettlementLedger } from '../client/ledger-types.js';
import { agreementStateOf } from '../client/lifecycle.js';

const changeSchema = z.object({
  channel_state_changed: z.object({
    peer_id: z.string(),
    channel_id: z.string().optional(),
    short_channel_id: z.string().optional(),
    timestamp: z.string().optional(),
    old_state: z.string().optional(),
    new_state: z.string().min(1),
    cause: z.string().optional(),
    message: z.string().optional(),
  }),
});

export type ChannelChange = z.output<typeof changeSchema>['channel_state_changed'];

/** Whether `change` is about the agreement's channel: configured by short channel id or channel id. */
export function isSettlementChannel(config: ClientConfig, change: ChannelChange): boolean {
  return (
    change.peer_id === config.channel.peerId &&
    (change.short_channel_id === config.channel.id || change.channel_id === config.channel.id)
  );
}

/**
 * Records the change when it is the settlement channel's; returns it then, else null. `now` is used
 * when the notification's timestamp is missing or unreadable. Throws on params that are not a
 * channel_state_changed notification.
 */
export function recordChannelChange(
  deps: { config: ClientConfig; ledger: SettlementLedger },
  params: unknown,
  now: number,
): ChannelChange | null {
  const change = changeSchema.parse(params).channel_state_changed;
  if (!isSettlementChannel(deps.config, change)) return null;
  const stamped = change.timestamp === undefined ? Number.NaN : Date.parse(change.timestamp);
  deps.ledger.recordChannelState({
    at: Number.isFinite(stamped) ? stamped : now,
    nodeState: change.new_state,
    state: agreementStateOf(change.new_state),
    source: 'notification',
  });
  return change;
}
