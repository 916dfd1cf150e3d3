/**
 * Core Lightning behind our LightningBackend, written once for both of its transports (the
 * JSON-RPC unix socket and the clnrest plugin speak the same methods with the same JSON): which
 * methods we call with which params (the answers' shapes are in cln-wire.ts).
 *
 * keysend in Core Lightning draws its own random preimage; it cannot take ours. So the payment
 * hash the node reports differs from sha256(request.preimage). To keep the ledger's hash useful
 * we tag the CLN label with it (`<label> retry_for=<s> ref=<our hash>`), and `lookupPayment`
 * accepts either the node's hash or ours. Results carry the node's hash whenever the node told us one. A keysend call
 * is never abandoned: past `timeoutMs` the backend reports the payment pending and leaves the
 * command running, and it reports "failed" only once lightningd can no longer retry
 * (cln-keysends.ts).
 *
 * Core Lightning does not expose the custom TLV records of received keysends (listinvoices has no
 * field for them), so `listReceived` returns them as null.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { InputError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/log.js';
import { KeysendCommands, keysendLabel, parseKeysendLabel } from './cln-keysends.js';
import {
  ClnError,
  HEX32,
  NODE_ID,
  channelStateOf,
  feeOf,
  getInfoSchema,
  keysendResultOf,
  keysendSchema,
  listInvoicesSchema,
  listPaysSchema,
  listPeerChannelsSchema,
  parseAnswer,
  type Pay,
} from './cln-wire.js';
import type { KeysendRequest, LightningBackend, PaymentResult, ReceivedPayment } from './types.js';

/** How one Core Lightning transport makes a call; both reject with ClnError only. */
export interface ClnTransport {
  /**
   * Calls `method` with named params; resolves with the JSON `result`. `timeoutMs` null waits for
   * the answer however long it takes (until close()).
   */
  call(
    method: string,
    params: Readonly<Record<string, unknown>>,
    options?: { readonly timeoutMs?: number | null },
  ): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * The LightningBackend over one Core Lightning transport. Takes ownership of `transport` (close()
 * closes it). `now` (unix ms) is the clock the finality of failed keysends is judged by.
 */
export function createClnBackend(
  transport: ClnTransport,
  options: { readonly logger?: Logger; readonly now?: () => number } = {},
): LightningBackend {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const commands = new KeysendCommands();
  const call = async <T>(
    method: string,
    params: Record<string, unknown>,
    schema: z.ZodType<T>,
    timeoutMs?: number,
  ): Promise<T> =>
    parseAnswer(
      method,
      schema,
      await transport.call(method, params, timeoutMs === undefined ? undefined : { timeoutMs }),
    );

  /** What the node knows of a payment by its hash or ours: null when it never saw it. */
  async function findPayment(paymentHash: string): Promise<PaymentResult | null> {
    const byHash = await call('listpays', { payment_hash: paymentHash }, listPaysSchema);
    // Not the node's hash: perhaps ours, which we put in the label of the keysend we made.
    const pays =
      byHash.pays.length > 0
        ? byHash.pays
        : (await call('listpays', {}, listPaysSchema)).pays.filter((p) => refOf(p.label) === paymentHash);
    const ref = pays.map((p) => refOf(p.label)).find((r) => r !== null) ?? paymentHash;
    return paymentOf(pays, ref, paymentHash);
  }

  /**
   * One payment's listpays entries (one per keysend command) -> its status: any success wins, then
   * any part in flight or a command that may still retry; "failed" only once every command stopped.
   */
  function paymentOf(pays: readonly Pay[], ref: string, asked: string): PaymentResult | null {
    const last = pays[pays.length - 1];
    if (!last) return commands.isLive(ref, now()) ? pending(asked) : null;
    const done = pays.find((p) => p.status === 'complete');
    if (done) {
      const fee =
        done.amount_msat !== undefined && done.amount_sent_msat !== undefined
          ? feeOf(done.amount_msat, done.amount_sent_msat)
          : null;
      return { paymentHash: done.payment_hash, status: 'complete', feeMsat: fee, failure: null };
    }
    const inFlight = pays.find((p) => p.status === 'pending');
    if (inFlight || !commands.haveStopped(ref, pays, now())) return pending((inFlight ?? last).payment_hash);
    return {
      paymentHash: last.payment_hash,
      status: 'failed',
      feeMsat: null,
      failure: 'payment failed (Core Lightning listpays status "failed", and keysend stopped retrying)',
    };
  }

  return {
    async getNodeId() {
      return (await call('getinfo', {}, getInfoSchema)).id;
    },

    async getChannel(channelId) {
      if (typeof channelId !== 'string' || channelId.length === 0)
        throw new InputError('channel id must be a non-empty string');
      const { channels } = await call('listpeerchannels', {}, listPeerChannelsSchema);
      const channel = channels.find(
        (c) =>
          c.short_channel_id === channelId ||
          c.channel_id === channelId ||
          c.alias?.local === channelId ||
          c.alias?.remote === channelId,
      );
      return channel ? channelStateOf(channel) : null;
    },

    async keysend(request) {
      checkKeysendRequest(request);
      const ourHash = createHash('sha256').update(Buffer.from(request.preimage, 'hex')).digest('hex');
      // Never pay twice for one request: a keysend with our hash in flight, done or still retrying stands.
      const earlier = await findPayment(ourHash);
      if (earlier && earlier.status !== 'failed') return earlier;
      const retryForS = Math.max(1, Math.ceil(request.timeoutMs / 1000));
      const params = {
        destination: request.destination,
        // A plain integer where JSON holds it exactly: rune conditions such as
        // "pnameamount_msat<N" compare integers, and would refuse a "<n>msat" string.
        amount_msat:
          request.amountMsat <= BigInt(Number.MAX_SAFE_INTEGER)
            ? Number(request.amountMsat)
            : `${request.amountMsat}msat`,
        label: keysendLabel(request.label, retryForS, ourHash),
        maxfee: `${request.maxFeeMsat}msat`,
        retry_for: retryForS,
        extratlvs: { ...request.customRecords },
      };
      logger.info(
        { label: request.label, destination: request.destination, amountMsat: String(request.amountMsat) },
        'cln keysend',
      );
      const answer = startKeysend(ourHash, retryForS, params);
      const outcome = await within(answer, request.timeoutMs);
      // Past our timeout the command runs on: the payment is pending until the node says it is final.
      if (outcome === undefined) return (await findQuietly(ourHash)) ?? pending(ourHash);
      if ('result' in outcome) return keysendResultOf(parseAnswer('keysend', keysendSchema, outcome.result));
      const err = outcome.error;
      if (!(err instanceof ClnError) || !isPaymentFailure(err)) throw err;
      return reconcile(err, ourHash);
    },

    async lookupPayment(paymentHash) {
      if (typeof paymentHash !== 'string' || !HEX32.test(paymentHash))
        throw new InputError('payment hash must be 64 lowercase hex characters');
      return findPayment(paymentHash);
    },

    async listReceived(sinceMs) {
      if (!Number.isSafeInteger(sinceMs) || sinceMs < 0)
        throw new InputError('sinceMs must be a non-negative integer (unix ms)');
      const { invoices } = await call('listinvoices', {}, listInvoicesSchema);
      const received: ReceivedPayment[] = [];
      for (const invoice of invoices) {
        // lightningd's keysend plugin files each received keysend as a paid "keysend-<time>" invoice.
        if (invoice.status !== 'paid' || !invoice.label.startsWith('keysend-')) continue;
        if (invoice.paid_at === undefined || invoice.amount_received_msat === undefined) {
          throw new ClnError(
            'bad_response',
            `Core Lightning listinvoices: paid invoice ${invoice.label} lacks paid_at or amount_received_msat`,
          );
        }
        const settledAt = invoice.paid_at * 1000;
        if (settledAt < sinceMs) continue;
        received.push({
          paymentHash: invoice.payment_hash,
          amountMsat: invoice.amount_received_msat,
          settledAt,
          customRecords: null,
        });
      }
      return received;
    },

    close: () => transport.close(),
  };

  /**
   * Calls keysend with no deadline of ours and remembers that the command runs until lightningd
   * answers (or the answer is lost), so no lookup calls the payment failed meanwhile.
   */
  function startKeysend(
    ourHash: string,
    retryForS: number,
    params: Record<string, unknown>,
  ): Promise<{ result: unknown } | { error: unknown }> {
    commands.start(ourHash, retryForS, now());
    const ended = (how: 'answered' | 'lost', outcome: string): void => {
      commands.end(ourHash, how);
      logger.info({ paymentRef: ourHash, outcome }, 'cln keysend command ended');
    };
    return transport.call('keysend', params, { timeoutMs: null }).then(
      (result) => (ended('answered', 'complete'), { result }),
      (error: unknown) => {
        // Only keysend's own failure answer says the command is over; any other error (a dropped
        // connection, a proxy's timeout) may have left it running.
        const answered = error instanceof ClnError && isPaymentFailure(error) && error.rpcCode !== PAY_IN_PROGRESS;
        ended(answered ? 'answered' : 'lost', error instanceof Error ? error.message : 'error');
        return { error };
      },
    );
  }

  /** findPayment, but pending when the node cannot be asked (the ledger asks again later). */
  async function findQuietly(ourHash: string): Promise<PaymentResult | null> {
    try {
      return await findPayment(ourHash);
    } catch (lookupError) {
      logger.warn({ err: (lookupError as Error).message }, 'cln keysend outcome unknown');
      return pending(ourHash);
    }
  }

  /** The keysend command answered with a payment failure: failed, unless another attempt of ours lives on. */
  async function reconcile(cause: ClnError, ourHash: string): Promise<PaymentResult> {
    const known = await findQuietly(ourHash);
    if (known && known.status !== 'failed') return known;
    if (cause.rpcCode === PAY_IN_PROGRESS) return known ?? pending(ourHash);
    return { paymentHash: known?.paymentHash ?? ourHash, status: 'failed', feeMsat: null, failure: cause.message };
  }
}

function pending(paymentHash: string): PaymentResult {
  return { paymentHash, status: 'pending', feeMsat: null, failure: null };
}

/** Resolves with `promise`'s value, or with undefined after `ms` (leaving `promise` to run on). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** lightningd's PAY_* codes (200..219) and keysend's catch-all -1 say the payment, not the call, failed. */
function isPaymentFailure(err: ClnError): boolean {
  return (
    err.kind === 'rpc' && err.rpcCode !== null && (err.rpcCode === -1 || (err.rpcCode >= 200 && err.rpcCode < 220))
  );
}
const PAY_IN_PROGRESS = 200;

const HEX_BYTES = /^(?:[0-9a-f]{2})*$/;
/** BOLT 1 reserves types below 2^16; custom records live at or above it. */
const MIN_CUSTOM_TLV_TYPE = 65536n;

function checkKeysendRequest(r: KeysendRequest): void {
  if (!NODE_ID.test(r.destination))
    throw new InputError('keysend destination must be a 33-byte compressed node id in lowercase hex');
  if (typeof r.amountMsat !== 'bigint' || r.amountMsat <= 0n)
    throw new InputError('keysend amountMsat must be a positive bigint');
  if (typeof r.maxFeeMsat !== 'bigint' || r.maxFeeMsat < 0n)
    throw new InputError('keysend maxFeeMsat must be a non-negative bigint');
  if (!HEX32.test(r.preimage)) throw new InputError('keysend preimage must be 32 bytes as 64 lowercase hex characters');
  if (typeof r.label !== 'string' || r.label.length === 0 || r.label.length > 200)
    throw new InputError('keysend label must be 1 to 200 characters');
  if (!Number.isSafeInteger(r.timeoutMs) || r.timeoutMs <= 0)
    throw new InputError('keysend timeoutMs must be a positive integer');
  for (const [type, value] of Object.entries(r.customRecords)) {
    if (!/^[1-9]\d{0,19}$/.test(type) || BigInt(type) < MIN_CUSTOM_TLV_TYPE || BigInt(type) >= 2n ** 64n) {
      throw new InputError(`custom record type ${JSON.stringify(type)} must be an integer from 65536 to 2^64-1`);
    }
    if (typeof value !== 'string' || !HEX_BYTES.test(value))
      throw new InputError(`custom record ${type} must be lowercase hex bytes`);
  }
}

function refOf(label: string | undefined): string | null {
  return parseKeysendLabel(label).ref;
}
