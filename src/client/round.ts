/**
 * One settlement round, in the order that keeps money safe:
 *   1. follow the channel's life (record its state; settle only while it is active), and
 *      reconcile every open payment with the node (a crash may have left one in flight);
 *   2. fetch and verify quotes from the oracles (k of n, pinned keys, fresh, never older than the
 *      last accepted), and the funding quotes when funding is agreed;
 *   3. take the settlement payments received from the peer, then read the channel;
 *   4. compute what is owed from the price, the agreed funding and the receiver's balance *as the
 *      agreement explains it* (docs/METHODOLOGY.md, section 9), never from the observed balance;
 *      whatever else moved the channel is the unexplained amount, shown and never paid for;
 *   5. pay it when nothing stands in the way (paymentBlocker), writing the intent before paying and
 *      the outcome after; or expect it from the peer and count a miss when it does not arrive.
 * Every round is recorded, a failed one too, with what was observed.
 */
import { randomBytes as nodeRandomBytes, createHash } from 'node:crypto';
import type { SignedAttestation } from '../attest/types.js';
import type { Clock } from '../core/clock.js';
import { InputError } from '../core/errors.js';
import { PRICE_EXPONENT, formatDecimal } from '../core/fixed.js';
import type { Logger } from '../core/log.js';
import type { LightningBackend } from '../lightning/types.js';
import { readBooks, type Progress } from './books.js';
import { SETTLEMENT_NOTE_TLV_TYPE, SETTLEMENT_TLV_TYPE, commitmentHex, settlementNoteHex } from './commitment.js';
import type { ClientConfig } from './config.js';
import type { FundingState, RoundEffects, RoundQuote, RoundRecord, SettlementLedger } from './ledger-types.js';
import { paymentBlocker } from './payment-blocker.js';
import { checkExpectations } from './receipts.js';
import { outcomeOf, reconcile } from './reconcile.js';
import { followChannel } from './round-lifecycle.js';
import { fundingPart } from './round-funding.js';
import { roundQuotes } from './round-quotes.js';
import { decide, targetReceiverMsat } from './stable-math.js';
import type { FetchedQuote } from './types.js';

export interface RoundDeps {
  readonly config: ClientConfig;
  readonly backend: LightningBackend;
  /** The ledger; a dry run passes one that records nothing (src/client/dry-run-ledger.ts). */
  readonly ledger: SettlementLedger;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly fetchQuotes: (path: string) => Promise<FetchedQuote[]>;
  /** Source of payment preimages; injectable so tests are reproducible. */
  readonly randomBytes?: (n: number) => Uint8Array;
}

export interface RoundReport extends Omit<RoundRecord, 'price'> {
  readonly price: bigint | null;
  /** For a payment: the node's payment hash (ours until the node reports its own) and its status after this round. */
  readonly payment?: { readonly hash: string; readonly status: string };
}

type Outcome = { readonly report: RoundReport; readonly effects: RoundEffects };

const NO_EFFECTS: RoundEffects = { accepted: [], funding: null, receiptsListedAt: null };
const BLANK = {
  amountMsat: 0n,
  price: null,
  receiverBalanceMsat: null,
  agreedReceiverMsat: null,
  unexplainedMsat: null,
  paused: false,
  commitment: null,
  quotes: [],
  channel: null,
} as const;

/**
 * Runs one round and records it. Node and peer trouble (an unreachable node, a connection closed
 * during the keysend) is a round with action `error` and what failed; it throws only when the
 * ledger itself cannot be written.
 */
export async function runRound(deps: RoundDeps): Promise<RoundReport> {
  const now = deps.clock.now();
  const progress: Progress = { step: 'reconciling open payments with the node', afterwards: '' };
  let outcome: Outcome;
  try {
    outcome = await settle(deps, now, progress);
  } catch (err) {
    deps.logger.error({ err, step: progress.step }, 'settlement round failed');
    const message = err instanceof Error ? err.message : String(err);
    outcome = {
      report: {
        at: now,
        ...BLANK,
        action: 'error',
        reason: `${progress.step} failed: ${message}${progress.afterwards}`,
      },
      effects: NO_EFFECTS,
    };
  }
  const r = outcome.report;
  deps.ledger.recordRound({ ...r, price: r.price === null ? null : r.price.toString() }, outcome.effects);
  deps.logger.info(
    {
      action: r.action,
      amountMsat: String(r.amountMsat),
      price: r.price === null ? null : formatDecimal(r.price, PRICE_EXPONENT),
      unexplainedMsat: r.unexplainedMsat === null ? null : String(r.unexplainedMsat),
      reason: r.reason,
    },
    'settlement round',
  );
  return r;
}

/** Sent payments the node lists no more never resolve by themselves: the round says so, every time. */
const unlistedNote = (hashes: readonly string[]): string =>
  hashes.length === 0
    ? ''
    : `; ${hashes.length} of them the node no longer lists (${hashes.join(', ')}): ` +
      'it may have completed or failed, so it needs the operator (docs/LIGHTNING.md)';

async function settle(deps: RoundDeps, now: number, progress: Progress): Promise<Outcome> {
  const { config, ledger } = deps;
  const done = (r: Partial<RoundReport> & Pick<RoundReport, 'action' | 'reason'>, effects = NO_EFFECTS): Outcome => ({
    report: { at: now, ...BLANK, ...r },
    effects,
  });

  // The channel's state first: a close is recorded (and valued) even while a payment is in flight.
  const stopped = await followChannel(deps, now, progress);
  const { inFlight, unlisted } = await reconcile({ ...deps, paymentTimeoutMs: config.paymentTimeoutMs });
  if (inFlight > 0)
    return done({
      action: 'wait',
      reason:
        `${inFlight} payment(s) still in flight at the node; paying nothing until they resolve` +
        unlistedNote(unlisted),
      price: stopped?.price ?? null,
    });
  if (stopped !== null) return done({ action: 'refuse', reason: stopped.reason, price: stopped.price });

  const inputs = await roundInputs(deps, now, progress);
  if ('refused' in inputs) return done({ action: 'refuse', reason: inputs.refused, quotes: inputs.quotes });
  const { price, used, commitment, targetMsat, notes, quotes } = inputs;
  const effects = { accepted: used, funding: inputs.funding, receiptsListedAt: null as number | null };

  const acknowledgedMsat = ledger.acknowledgedUnexplainedMsat();
  const books = await readBooks(deps, progress, { targetMsat, acknowledgedMsat });
  if ('reason' in books) return done({ ...books, price, commitment, quotes }, effects);
  effects.receiptsListedAt = books.listedAt;
  const { observedMsat, agreedMsat, unexplained, channel } = books;
  const paused = config.onUnexplained === 'pause' && unexplained !== acknowledgedMsat;
  const base = {
    price,
    receiverBalanceMsat: observedMsat,
    agreedReceiverMsat: agreedMsat,
    unexplainedMsat: unexplained,
    paused,
    commitment,
    quotes,
    channel: {
      normal: channel.normal,
      peerConnected: channel.peerConnected,
      pendingHtlcs: channel.pendingHtlcs.length,
      capacityMsat: channel.localBalanceMsat + channel.remoteBalanceMsat,
    },
  };
  const because = (head: string) => [head, ...notes].join('; ');

  const decision = decide({
    role: config.role,
    owedByProviderMsat: targetMsat - agreedMsat,
    minPaymentMsat: config.minPaymentMsat,
  });
  checkExpectations(deps, now, decision.action === 'expect');
  if (decision.action === 'none') return done({ ...base, action: 'none', reason: because(decision.reason) }, effects);
  const amountMsat = decision.amountMsat;
  if (decision.action === 'expect') {
    if (ledger.openExpectations().length === 0)
      ledger.expect({ commitment, amountMsat, at: now, dueAt: now + config.receiptGraceMs });
    return done({ ...base, action: 'expect', amountMsat, reason: because(decision.reason) }, effects);
  }

  const problem = paymentBlocker({
    amountMsat,
    maxPaymentMsat: config.maxPaymentMsat,
    maxFeeMsat: config.maxFeeMsat,
    channel,
    unexplained: {
      amountMsat: unexplained,
      acknowledgedMsat,
      policy: config.onUnexplained,
      observedReceiverMsat: observedMsat,
      agreedReceiverMsat: agreedMsat,
    },
  });
  if (problem !== null)
    return done(
      {
        ...base,
        action: 'skip',
        amountMsat,
        reason: because(`owe ${amountMsat} msat but ${problem}; not paying this round`),
      },
      effects,
    );

  const paid = await pay(deps, progress, { amountMsat, commitment, used, now });
  if (paid.action === 'dry-run')
    return done({ ...base, action: 'dry-run', amountMsat, reason: because(`would pay: ${decision.reason}`) }, effects);
  if (paid.action === 'skip') return done({ ...base, action: 'skip', amountMsat, reason: because(paid.why) }, effects);
  return done(
    {
      ...base,
      action: 'pay',
      amountMsat,
      reason: `${because(decision.reason)}; ${paid.outcome}`,
      payment: { hash: paid.paymentHash, status: paid.status },
    },
    effects,
  );
}

interface Inputs {
  readonly price: bigint;
  /** The attestations the round uses (index, and funding when it accrued), and their commitment. */
  readonly used: readonly SignedAttestation[];
  readonly commitment: string;
  /** What the receiver should hold: its stable value at the price plus the funding agreed so far. */
  readonly targetMsat: bigint;
  /** The funding state to record with the round, when it changed. */
  readonly funding: FundingState | null;
  readonly notes: readonly string[];
  /** Each oracle's quotes, used or why not. */
  readonly quotes: readonly RoundQuote[];
}

/** The price and the funding agreed so far, from the oracles' quotes; or why there is no trustworthy price. */
async function roundInputs(
  deps: RoundDeps,
  now: number,
  progress: Progress,
): Promise<Inputs | { readonly refused: string; readonly quotes: readonly RoundQuote[] }> {
  progress.step = 'fetching the index quotes';
  const index = await roundQuotes(deps, 'index_price', now);
  const indexQuotes = index.selection.checks.map((c) => ({ kind: 'index_price' as const, ...c }));
  if (!index.selection.ok) return { refused: `no trustworthy price: ${index.selection.reason}`, quotes: indexQuotes };
  if (index.selection.exponent !== PRICE_EXPONENT)
    throw new InputError(
      `selectQuotes returned a price at exponent ${index.selection.exponent}, asked ${PRICE_EXPONENT}`,
    );
  const price = index.selection.value;
  const notes: string[] = [];
  if (index.unchanged) {
    deps.logger.debug({ price: formatDecimal(price, PRICE_EXPONENT) }, 'no new price since the last round');
    notes.push('no new price since the last round');
  }
  progress.step = 'fetching the funding quotes';
  const funding = deps.config.funding ? await fundingPart(deps, price, now) : null;
  if (funding?.refused !== undefined) return { refused: funding.refused, quotes: indexQuotes };
  if (funding !== null) notes.push(funding.note);
  const used = [...index.selection.accepted, ...(funding?.used ?? [])];
  return {
    price,
    used,
    commitment: commitmentHex(used),
    targetMsat: targetReceiverMsat(deps.config.stableUsd, price) + (funding?.accruedMsat ?? 0n),
    funding: funding?.state ?? null,
    notes,
    quotes: [...indexQuotes, ...(funding?.quotes ?? [])],
  };
}

type Paid =
  | { readonly action: 'pay'; readonly paymentHash: string; readonly status: string; readonly outcome: string }
  | { readonly action: 'dry-run' }
  | { readonly action: 'skip'; readonly why: string };

/**
 * Writes the intent, then sends the keysend carrying the commitment, then writes its outcome. A
 * payment whose intent the ledger did not record (already settled, or a dry run) is never sent.
 */
async function pay(
  deps: RoundDeps,
  progress: Progress,
  p: { amountMsat: bigint; commitment: string; used: readonly SignedAttestation[]; now: number },
): Promise<Paid> {
  const { config, ledger } = deps;
  const preimage = Buffer.from((deps.randomBytes ?? ((n) => new Uint8Array(nodeRandomBytes(n))))(32)).toString('hex');
  const paymentHash = createHash('sha256').update(Buffer.from(preimage, 'hex')).digest('hex');
  progress.step = "reading the node's payment cursor";
  const sentAfter = await deps.backend.paymentCursor();
  const intent = ledger.recordIntent({
    paymentHash,
    preimage,
    sentAfter,
    commitment: p.commitment,
    attestations: p.used,
    amountMsat: p.amountMsat,
    maxFeeMsat: config.maxFeeMsat,
    at: p.now,
  });
  if (!intent.ok)
    return intent.reason === 'dry run'
      ? { action: 'dry-run' }
      : {
          action: 'skip',
          why:
            `owe ${p.amountMsat} msat but this round's index attestations have already been settled; ` +
            'waiting for a newer quote',
        };
  // From here on the ledger knows; whatever happens, the next round reconciles this hash.
  progress.step = 'sending the keysend';
  progress.afterwards = '; the intent stays open and is reconciled with the node next round';
  const result = await deps.backend.keysend({
    destination: config.channel.peerId,
    amountMsat: p.amountMsat,
    maxFeeMsat: config.maxFeeMsat,
    preimage,
    customRecords: {
      [SETTLEMENT_TLV_TYPE]: p.commitment,
      [SETTLEMENT_NOTE_TLV_TYPE]: settlementNoteHex(p.commitment),
    },
    label: `peer-stables-${paymentHash.slice(0, 16)}`,
    timeoutMs: config.paymentTimeoutMs,
    channelId: config.channel.id,
    sentAfter,
  });
  const recorded = outcomeOf(result, paymentHash, deps.clock.now());
  ledger.recordOutcome(paymentHash, recorded);
  const outcome =
    result.status === 'failed' ? `payment failed: ${result.failure ?? 'no reason given'}` : `payment ${result.status}`;
  return { action: 'pay', paymentHash: recorded.nodePaymentHash ?? paymentHash, status: result.status, outcome };
}
