/**
 * One settlement round, in the order that keeps money safe:
 *   1. reconcile every open payment with the node (a crash may have left one in flight);
 *   2. fetch and verify quotes from the oracles (k of n, pinned keys, fresh, not replayed);
 *   3. read the channel, compute what is owed (price move, plus funding if agreed);
 *   4. pay it (only what we owe, only to the channel peer, only when the channel is healthy),
 *      writing the intent before paying and the outcome after; or expect it from the peer and
 *      count a miss when it does not arrive in time.
 * Any doubt ends the round without paying, with a reason.
 */
import { randomBytes as nodeRandomBytes, createHash } from 'node:crypto';
import { attestationDigest } from '../attest/sign.js';
import type { SignedAttestation } from '../attest/types.js';
import type { Clock } from '../core/clock.js';
import { InputError } from '../core/errors.js';
import { PRICE_EXPONENT, RATE_EXPONENT, formatDecimal } from '../core/fixed.js';
import type { Logger } from '../core/log.js';
import type { LightningBackend } from '../lightning/types.js';
import type { ClientConfig } from './config.js';
import type { Ledger } from './ledger.js';
import { selectQuotes } from './quotes.js';
import { decide, fundingTransfer, priceTransfer, targetReceiverMsat } from './stable-math.js';
import type { FetchedQuote, QuoteSelection } from './types.js';

/**
 * The custom TLV record every settlement payment carries: the 32-byte digest of the index
 * attestation it settles. Odd, so a node that does not know it still accepts the payment.
 */
export const SETTLEMENT_TLV_TYPE = '65537';
const LAST_FUNDING_AT = 'lastFundingAt';
/**
 * Funding agreed so far, msat, positive when the provider owes it to the receiver. The receiver's
 * target is its stable value plus this: funding once paid is part of what it should hold, so the
 * next round does not take it back.
 */
const FUNDING_ACCRUED = 'fundingAccruedMsat';

export interface RoundDeps {
  readonly config: ClientConfig;
  readonly backend: LightningBackend;
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly fetchQuotes: (path: '/price' | '/funding') => Promise<FetchedQuote[]>;
  /**
   * Compute and report, pay nothing: no intent, expectation, round or sequence is written (open
   * payments are still reconciled with the node, which only records what already happened).
   */
  readonly dryRun: boolean;
  /** Source of payment preimages; injectable so tests are reproducible. */
  readonly randomBytes?: (n: number) => Uint8Array;
}

export type RoundAction = 'pay' | 'expect' | 'none' | 'skip' | 'refuse' | 'wait' | 'dry-run';

export interface RoundReport {
  readonly at: number;
  readonly action: RoundAction;
  /** What was paid or is expected (msat); 0 otherwise. */
  readonly amountMsat: bigint;
  readonly reason: string;
  readonly price: bigint | null;
  readonly receiverBalanceMsat: bigint | null;
  /** For a payment: its hash and status after this round. */
  readonly payment?: { readonly hash: string; readonly status: string };
}

/**
 * Brings every open ledger payment in line with the node. A payment the node never saw (the
 * client stopped between writing the intent and sending) is marked failed: its preimage is never
 * reused, so it cannot complete later. Returns how many are still in flight.
 */
export async function reconcile(deps: Pick<RoundDeps, 'backend' | 'ledger' | 'clock' | 'logger'>): Promise<number> {
  let inFlight = 0;
  for (const payment of deps.ledger.openPayments()) {
    const known = await deps.backend.lookupPayment(payment.paymentHash);
    const at = deps.clock.now();
    if (known === null && payment.status === 'intent') {
      deps.ledger.recordOutcome(payment.paymentHash, {
        status: 'failed',
        feeMsat: null,
        failure: 'never reached the node (client stopped before sending)',
        at,
      });
      deps.logger.warn({ paymentHash: payment.paymentHash }, 'reconciled: intent never sent');
    } else if (known === null) {
      // Sent, but the node does not list it (yet): unknown is not failed. Keep waiting.
      inFlight += 1;
      deps.logger.warn({ paymentHash: payment.paymentHash }, 'a sent payment is not listed by the node; waiting');
    } else {
      deps.ledger.recordOutcome(payment.paymentHash, {
        status: known.status,
        feeMsat: known.feeMsat,
        failure: known.failure,
        at,
      });
      if (known.status === 'pending') inFlight += 1;
      else deps.logger.info({ paymentHash: payment.paymentHash, status: known.status }, 'reconciled payment');
    }
  }
  return inFlight;
}

/** Runs one round; never throws for market or peer trouble (it reports), only for broken local state. */
export async function runRound(deps: RoundDeps): Promise<RoundReport> {
  const { config, backend, ledger, clock } = deps;
  const now = clock.now();
  const report = (r: Omit<RoundReport, 'at'>): RoundReport => finish(deps, { at: now, ...r });
  const blank = { amountMsat: 0n, price: null, receiverBalanceMsat: null };

  const inFlight = await reconcile(deps);
  if (inFlight > 0)
    return report({
      action: 'wait',
      reason: `${inFlight} payment(s) still in flight at the node; paying nothing until they resolve`,
      ...blank,
    });

  const index = await quotes(deps, '/price', now);
  if (!index.ok) return report({ action: 'refuse', reason: `no trustworthy price: ${index.reason}`, ...blank });
  if (index.exponent !== PRICE_EXPONENT)
    return report({
      action: 'refuse',
      reason: `price exponent ${index.exponent}, expected ${PRICE_EXPONENT}`,
      ...blank,
    });
  const price = index.value;

  const channel = await backend.getChannel(config.channel.id);
  if (channel === null)
    return report({ action: 'refuse', reason: `channel ${config.channel.id} not found at the node`, ...blank, price });
  if (channel.peerId !== config.channel.peerId)
    return report({
      action: 'refuse',
      reason: `channel ${config.channel.id} is with ${channel.peerId}, not the agreed peer`,
      ...blank,
      price,
    });
  const receiverBalanceMsat = config.role === 'receiver' ? channel.localBalanceMsat : channel.remoteBalanceMsat;

  let owedByProvider = priceTransfer({ receiverBalanceMsat, stableUsd: config.stableUsd, price });
  let fundingNote = '';
  if (config.funding) {
    const funding = await fundingPart(deps, price, now);
    owedByProvider += funding.accrued;
    fundingNote = `; ${funding.note}`;
  }

  const decision = decide({
    role: config.role,
    owedByProviderMsat: owedByProvider,
    minPaymentMsat: config.minPaymentMsat,
  });
  await checkReceipts(deps, now, decision.action === 'expect');
  const digest = Buffer.from(attestationDigest(index.accepted[0] as SignedAttestation)).toString('hex');
  const base = { price, receiverBalanceMsat };

  if (decision.action === 'none') {
    acceptSequences(deps, index.accepted);
    return report({ action: 'none', amountMsat: 0n, reason: decision.reason + fundingNote, ...base });
  }
  if (decision.action === 'expect') {
    if (!deps.dryRun && ledger.openExpectations().length === 0) {
      ledger.expect({ digest, amountMsat: decision.amountMsat, at: now, dueAt: now + config.receiptGraceMs });
    }
    acceptSequences(deps, index.accepted);
    return report({
      action: deps.dryRun ? 'dry-run' : 'expect',
      amountMsat: decision.amountMsat,
      reason: decision.reason + fundingNote,
      ...base,
    });
  }

  // We owe: pay only over a healthy channel, only to the agreed peer, never more than we can.
  const amount = decision.amountMsat;
  const problem =
    config.maxPaymentMsat !== undefined && amount > config.maxPaymentMsat
      ? `that is above maxPaymentMsat (${config.maxPaymentMsat} msat): check the agreement and the market before raising it`
      : !channel.normal
        ? 'the channel is not in its normal state'
        : !channel.peerConnected
          ? 'the peer is not connected'
          : channel.pendingHtlcs.some((h) => h.direction === 'out')
            ? `${channel.pendingHtlcs.filter((h) => h.direction === 'out').length} HTLC(s) toward the peer are pending`
            : channel.spendableMsat < amount + config.maxFeeMsat
              ? `spendable ${channel.spendableMsat} msat is less than ${amount} msat plus the ${config.maxFeeMsat} msat fee cap`
              : null;
  if (problem !== null)
    return report({
      action: 'skip',
      amountMsat: amount,
      reason: `owe ${amount} msat but ${problem}; not paying this round`,
      ...base,
    });
  if (deps.dryRun)
    return report({
      action: 'dry-run',
      amountMsat: amount,
      reason: `would pay ${amount} msat: ${decision.reason}${fundingNote}`,
      ...base,
    });

  const preimage = Buffer.from((deps.randomBytes ?? ((n) => new Uint8Array(nodeRandomBytes(n))))(32)).toString('hex');
  const paymentHash = createHash('sha256').update(Buffer.from(preimage, 'hex')).digest('hex');
  try {
    ledger.recordIntent({ paymentHash, preimage, digest, amountMsat: amount, maxFeeMsat: config.maxFeeMsat, at: now });
  } catch (err) {
    if (err instanceof InputError)
      return report({
        action: 'skip',
        amountMsat: amount,
        reason: `${err.message}; waiting for a newer quote`,
        ...base,
      });
    throw err;
  }
  // From here on the ledger knows; whatever happens, the next start reconciles this hash.
  acceptSequences(deps, index.accepted);
  const result = await backend.keysend({
    destination: config.channel.peerId,
    amountMsat: amount,
    maxFeeMsat: config.maxFeeMsat,
    preimage,
    customRecords: { [SETTLEMENT_TLV_TYPE]: digest },
    label: `peer-stables-${paymentHash.slice(0, 16)}`,
    timeoutMs: config.paymentTimeoutMs,
    channelId: config.channel.id,
  });
  ledger.recordOutcome(paymentHash, {
    status: result.status,
    feeMsat: result.feeMsat,
    failure: result.failure,
    at: clock.now(),
  });
  const outcome =
    result.status === 'failed' ? `payment failed: ${result.failure ?? 'no reason given'}` : `payment ${result.status}`;
  return report({
    action: 'pay',
    amountMsat: amount,
    reason: `${decision.reason}${fundingNote}; ${outcome}`,
    ...base,
    payment: { hash: paymentHash, status: result.status },
  });
}

async function quotes(deps: RoundDeps, path: '/price' | '/funding', now: number): Promise<QuoteSelection> {
  const { config, ledger } = deps;
  const fetched = await deps.fetchQuotes(path);
  const kind = path === '/price' ? 'index_price' : 'funding_rate';
  const selection = selectQuotes({
    oracles: config.oracles,
    fetched,
    rules: {
      kind,
      pair: 'BTC/USD',
      threshold: config.threshold,
      maxSpreadBps: config.maxSpreadBps,
      exponent: kind === 'index_price' ? PRICE_EXPONENT : RATE_EXPONENT,
      ...(kind === 'funding_rate'
        ? { maxAgeMs: config.fundingMaxQuoteAgeMs, maxSpreadAbs: config.fundingMaxSpread }
        : { maxAgeMs: config.maxQuoteAgeMs }),
    },
    now,
    lastSequence: (publicKey, k) => ledger.lastSequence(publicKey, k),
  });
  const rejected = selection.checks.filter((c) => !c.accepted);
  for (const check of rejected)
    deps.logger.warn({ oracle: check.oracle, path, reason: check.reason }, 'quote not used');
  if (selection.ok || rejected.length === 0) return selection;
  return {
    ...selection,
    reason: `${selection.reason} (${rejected.map((c) => `${c.oracle}: ${c.reason}`).join('; ')})`,
  };
}

/**
 * Funding agreed so far (msat, positive: the provider owes it), with this round's accrual added
 * when the funding quotes are valid: rate x notional x elapsed / 8 h since the last accrual. Without
 * valid quotes nothing accrues and the clock is not advanced, so the next valid round covers the
 * whole time. The total is added to the receiver's target: funding once paid stays paid.
 */
async function fundingPart(deps: RoundDeps, price: bigint, now: number): Promise<{ accrued: bigint; note: string }> {
  const accrued = BigInt(deps.ledger.getMeta(FUNDING_ACCRUED) ?? '0');
  const last = deps.ledger.getMeta(LAST_FUNDING_AT);
  if (last === null) {
    if (!deps.dryRun) deps.ledger.setMeta(LAST_FUNDING_AT, String(now));
    return { accrued, note: 'funding starts accruing now' };
  }
  const selection = await quotes(deps, '/funding', now);
  if (!selection.ok)
    return {
      accrued,
      note: `no funding accrued this round (${selection.reason}); the next valid round covers this time`,
    };
  const elapsedMs = BigInt(Math.max(0, now - Number(last)));
  const added = fundingTransfer({
    notionalMsat: targetReceiverMsat(deps.config.stableUsd, price),
    rate: selection.value,
    rateExponent: selection.exponent,
    elapsedMs,
  });
  if (!deps.dryRun) {
    acceptSequences(deps, selection.accepted);
    deps.ledger.setMeta(FUNDING_ACCRUED, String(accrued + added));
    deps.ledger.setMeta(LAST_FUNDING_AT, String(now));
  }
  return {
    accrued: accrued + added,
    note: `funding ${added} msat for ${elapsedMs} ms at ${formatDecimal(selection.value, selection.exponent)} per 8 h (${accrued + added} msat agreed so far)`,
  };
}

/**
 * For the side that is owed: an expectation past its grace period is met by the keysends received
 * since it was made (within 1 % or the minimum payment, as the peer's quotes and balance view may
 * differ slightly); it lapses if the peer no longer owes us (the price moved back); otherwise it is
 * counted as a miss against the peer. A receipt counts when it carries our record, or when the
 * backend reports no records at all (Core Lightning does not report the records it received).
 */
async function checkReceipts(deps: RoundDeps, now: number, stillOwed: boolean): Promise<void> {
  if (deps.dryRun) return;
  for (const e of deps.ledger.openExpectations()) {
    if (e.dueAt > now) continue;
    const received = (await deps.backend.listReceived(e.createdAt))
      .filter((r) => r.customRecords === null || r.customRecords[SETTLEMENT_TLV_TYPE] !== undefined)
      .reduce((sum, r) => sum + r.amountMsat, 0n);
    const tolerance =
      e.amountMsat / 100n > deps.config.minPaymentMsat ? e.amountMsat / 100n : deps.config.minPaymentMsat;
    const status = received + tolerance >= e.amountMsat ? 'received' : stillOwed ? 'missed' : 'lapsed';
    deps.ledger.resolveExpectation(e.digest, status, received, now);
    if (status === 'missed')
      deps.logger.warn(
        { expectedMsat: String(e.amountMsat), receivedMsat: String(received), misses: deps.ledger.missCount() },
        'the peer did not pay what it owed',
      );
  }
}

function acceptSequences(deps: RoundDeps, accepted: readonly SignedAttestation[]): void {
  if (deps.dryRun) return;
  for (const a of accepted) deps.ledger.acceptSequence(Buffer.from(a.publicKey).toString('hex'), a.kind, a.sequence);
}

function finish(deps: RoundDeps, r: RoundReport): RoundReport {
  if (!deps.dryRun) {
    deps.ledger.recordRound({
      at: r.at,
      action: r.action,
      amountMsat: r.amountMsat,
      price: r.price === null ? null : r.price.toString(),
      receiverBalanceMsat: r.receiverBalanceMsat,
      reason: r.reason,
    });
  }
  deps.logger.info(
    {
      action: r.action,
      amountMsat: String(r.amountMsat),
      price: r.price === null ? null : formatDecimal(r.price, PRICE_EXPONENT),
      reason: r.reason,
    },
    'settlement round',
  );
  return r;
}
