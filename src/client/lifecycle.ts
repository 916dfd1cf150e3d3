/**
 * The agreement follows the channel's life: a stable position exists only while the channel can
 * carry payments. This is the one table from each node's own names for a channel's state (Core
 * Lightning's `state`, and the states the LND backend reports) to the agreement's state, and what
 * the agreement does in each. Pure; the README ("The agreement follows the channel's life") says
 * what happens to the stable position in each state.
 */

export type AgreementState = 'opening' | 'active' | 'inactive' | 'closing' | 'onchain' | 'closed' | 'unknown';

const TABLE: Readonly<Record<string, AgreementState>> = {
  // Core Lightning (listpeerchannels `state`, channel_state_changed `new_state`).
  OPENINGD: 'opening',
  CHANNELD_AWAITING_LOCKIN: 'opening',
  DUALOPEND_OPEN_INIT: 'opening',
  DUALOPEND_OPEN_COMMIT_READY: 'opening',
  DUALOPEND_OPEN_COMMITTED: 'opening',
  DUALOPEND_AWAITING_LOCKIN: 'opening',
  CHANNELD_NORMAL: 'active',
  // A splice changes the channel's capacity: nothing settles until it is locked in.
  CHANNELD_AWAITING_SPLICE: 'inactive',
  CHANNELD_SHUTTING_DOWN: 'closing',
  CLOSINGD_SIGEXCHANGE: 'closing',
  CLOSINGD_COMPLETE: 'closing',
  AWAITING_UNILATERAL: 'onchain',
  FUNDING_SPEND_SEEN: 'onchain',
  ONCHAIN: 'onchain',
  CLOSED: 'closed',
  // LND (src/lightning/lnd-wire.ts names them after the list each channel is in).
  pending_open: 'opening',
  active: 'active',
  inactive: 'inactive',
  waiting_close: 'closing',
  pending_force_close: 'onchain',
  closed: 'closed',
};

/** The agreement's state for a node's channel state; `unknown` for a name not in the table (never settles). */
export function agreementStateOf(nodeState: string): AgreementState {
  return Object.hasOwn(TABLE, nodeState) ? (TABLE[nodeState] as AgreementState) : 'unknown';
}

/** The agreement settles only while the channel is active. */
export function settlesIn(state: AgreementState): boolean {
  return state === 'active';
}

/** The states in which the channel is being closed or is closed: the stable position has ended. */
export function hasEnded(state: AgreementState): boolean {
  return state === 'closing' || state === 'onchain' || state === 'closed';
}

/** What the agreement does in `state`, for the round's reason and `status`. */
export function describeState(state: AgreementState): string {
  switch (state) {
    case 'opening':
      return 'the channel is opening: the agreement starts when it is active';
    case 'active':
      return 'the channel is active: the agreement settles';
    case 'inactive':
      return 'the channel is open but cannot carry payments now: settlement waits until it is active again';
    case 'closing':
      return 'the channel is closing: the stable position ended; nothing settles any more';
    case 'onchain':
      return 'the channel was closed on chain: the stable position ended; nothing settles any more';
    case 'closed':
      return 'the channel is closed: the stable position ended';
    case 'unknown':
      return 'the node reports a channel state this client does not know: nothing settles';
  }
}
