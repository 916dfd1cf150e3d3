/**
 * Core Lightning behind our LightningBackend, written once for both of its transports (the
 * JSON-RPC unix socket and the clnrest plugin speak the same methods with the same JSON): which
 * methods we call with which params (the answers' shapes are in cln-wire.ts).
 *
 * Payments go by `xkeysend` where the node has it, else by `keysend` (cln-keysend-method.ts,
 * asked once). Both draw their own preimage: they cannot take ours, so the payment hash the node
 * reports differs from sha256(request.preimage). Results carry the node's hash and, once complete,
 * its preimage (the proof of payment). We tag the label with our hash
 * (`<label> retry_for=<s> ref=<our hash>`) so that a payment whose answer was lost can be found;
 * `lookupPayment` accepts either hash. Payments are found in `listsendpays` by the node's hash, or,
 * before the node told us one, among the parts created after the cursor the intent was written
 * with: never by listing every payment ever made. A keysend call is never abandoned: past
 * `timeoutMs` the backend reports the payment pending and leaves the command running, and it
 * reports "failed" only once lightningd can no longer retry (cln-keysends.ts).
 *
 * Received keysends come from the invoices lightningd files for them (cln-receipts.ts).
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { InputError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/log.js';
import {
  METHOD_NOT_FOUND,
  answerSchemaOf,
  detectKeysendMethod,
  keysendDisabled,
  keysendParams,
  type KeysendMethod,
} from './cln-keysend-method.js';
import { KeysendCommands, couldStillStart, keysendLabel, parseKeysendLabel, retryForOf } from './cln-keysends.js';
import { listKeysendsSince } from './cln-receipts.js';
import { summarizeParts } from './cln-sendpays.js';
import {
  ClnError,
  HEX32,
  channelStateOf,
  closedChannelStateOf,
  completedResultOf,
  getInfoSchema,
  listClosedChannelsSchema,
  listPeerChannelsSchema,
  listSendPaysSchema,
  parseAnswer,
  waitSchema,
  type SendPay,
} from './cln-wire.js';
import { checkKeysendRequest, isPaymentFailure, pending, within, PAY_IN_PROGRESS } from './cln-checks.js';
import type { LightningBackend, PaymentHints, PaymentResult } from './types.js';

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

export interface ClnBackendOptions {
  readonly logger?: Logger;
  /** The clock (unix ms) the finality of failed keysends is judged by. */
  readonly now?: () => number;
  /** The custom records of a received payment, where something saw them (the plugin's htlc_accepted hook). */
  readonly recordsOf?: (paymentHash: string) => Record<string, string> | undefined;
}

/** The Core Lightning backend: the contract, and which keysend command the node has (asked once). */
export interface ClnBackend extends LightningBackend {
  keysendMethod(): Promise<KeysendMethod>;
}

/** The LightningBackend over one Core Lightning transport. Takes ownership of `transport` (close() closes it). */
export function createClnBackend(transport: ClnTransport, options: ClnBackendOptions = {}): ClnBackend {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const recordsOf = options.recordsOf ?? (() => undefined);
  const commands = new KeysendCommands();
  let method: Promise<KeysendMethod> | null = null;
  // Set once the node refused the deprecated keysend (-32601): no later payment can go, so each
  // one is refused before its intent is written (paymentCursor), never left as a phantom intent.
  let disabled: ClnError | null = null;
  const call = async <T>(name: string, params: Record<string, unknown>, schema: z.ZodType<T>): Promise<T> =>
    parseAnswer(name, schema, await transport.call(name, params));
  const keysendMethod = (): Promise<KeysendMethod> => {
    if (disabled !== null) return Promise.reject(disabled);
    method ??= detectKeysendMethod(call).catch((err: unknown) => {
      method = null;
      throw err;
    });
    return method;
  };

  /** The parts of the payment `asked` names (the node's hash, or ours), found without listing old payments. */
  async function partsOf(asked: string, hints: PaymentHints): Promise<{ ref: string; parts: SendPay[] }> {
    const byHash = async (hash: string) =>
      (await call('listsendpays', { payment_hash: hash }, listSendPaysSchema)).payments;
    const direct = await byHash(asked);
    if (direct.length > 0) return { ref: refOf(direct) ?? asked, parts: direct };
    const known = hints.nodePaymentHash ?? commands.nodeHashOf(asked);
    if (known) return { ref: asked, parts: await byHash(known) };
    // Not yet known by the node's hash: ours is in the label of the parts we made after the cursor
    // (an intent written by an older version has none, and is looked for among all parts once).
    const after = hints.sentAfter;
    const params = after == null ? {} : { index: 'created', start: Number(after) + 1 };
    const { payments } = await call('listsendpays', params, listSendPaysSchema);
    const ours = payments.filter((p) => parseKeysendLabel(p.label).ref === asked);
    const hash = ours[0]?.payment_hash;
    return { ref: asked, parts: hash ? payments.filter((p) => p.payment_hash === hash) : [] };
  }

  /** What the node knows of a payment: null when it has no part of it and can no longer start one. */
  async function findPayment(asked: string, hints: PaymentHints = {}): Promise<PaymentResult | null> {
    const { ref, parts } = await partsOf(asked, hints);
    const summary = summarizeParts(parts);
    if (summary === null) {
      if (commands.isLive(ref, now())) return pending(asked);
      const failure = commands.failureOf(ref);
      if (failure !== null) return { paymentHash: asked, status: 'failed', preimage: null, feeMsat: null, failure };
      const startable =
        hints.sentAt !== undefined && couldStillStart(hints.sentAt, retryForOf(hints.timeoutMs ?? 3_600_000), now());
      return startable ? pending(asked) : null;
    }
    commands.learnHash(ref, summary.paymentHash);
    if (summary.status === 'complete') {
      const { paymentHash, preimage, feeMsat } = summary;
      return { paymentHash, status: 'complete', preimage, feeMsat, failure: null };
    }
    const attempts = [{ created_at: summary.firstCreatedAtS, label: summary.label }];
    if (summary.status === 'pending' || !commands.haveStopped(ref, attempts, now()))
      return pending(summary.paymentHash);
    return {
      paymentHash: summary.paymentHash,
      status: 'failed',
      preimage: null,
      feeMsat: null,
      failure:
        commands.failureOf(ref) ?? 'payment failed (every part failed, and the keysend command stopped retrying)',
    };
  }

  return {
    keysendMethod,

    async getNodeId() {
      return (await call('getinfo', {}, getInfoSchema)).id;
    },

    async getChannel(channelId) {
      if (typeof channelId !== 'string' || channelId.length === 0)
        throw new InputError('channel id must be a non-empty string');
      const names = (c: {
        short_channel_id?: string;
        channel_id?: string;
        alias?: { local?: string; remote?: string };
      }) => [c.short_channel_id, c.channel_id, c.alias?.local, c.alias?.remote].includes(channelId);
      const { channels } = await call('listpeerchannels', {}, listPeerChannelsSchema);
      const open = channels.find(names);
      if (open) return channelStateOf(open);
      // lightningd forgets a channel 100 blocks after it was resolved on chain: then it is "closed".
      const { closedchannels } = await call('listclosedchannels', {}, listClosedChannelsSchema);
      const closed = closedchannels.find(names);
      return closed ? closedChannelStateOf(closed) : null;
    },

    async paymentCursor() {
      await keysendMethod(); // a node that cannot pay refuses here, before an intent is written
      const { created } = await call('wait', { subsystem: 'sendpays', indexname: 'created', nextvalue: 0 }, waitSchema);
      return String(created ?? 0);
    },

    async keysend(request) {
      checkKeysendRequest(request);
      const ourHash = createHash('sha256').update(Buffer.from(request.preimage, 'hex')).digest('hex');
      // Never pay twice for one request: a keysend with our hash in flight, done or still retrying stands.
      // Every lookup for this request, before and after the command, is bounded by its cursor.
      const hints: PaymentHints = { sentAfter: request.sentAfter ?? null, timeoutMs: request.timeoutMs };
      const earlier = await findPayment(ourHash, hints);
      if (earlier && earlier.status !== 'failed') return earlier;
      const retryForS = retryForOf(request.timeoutMs);
      const params = keysendParams({
        destination: request.destination,
        amountMsat: request.amountMsat,
        label: keysendLabel(request.label, retryForS, ourHash),
        maxFeeMsat: request.maxFeeMsat,
        retryForS,
        extratlvs: { ...request.customRecords },
      });
      const name = await keysendMethod();
      logger.info(
        {
          label: request.label,
          destination: request.destination,
          amountMsat: String(request.amountMsat),
          method: name,
        },
        'cln keysend',
      );
      const outcome = await within(startKeysend(name, ourHash, retryForS, params), request.timeoutMs);
      // Past our timeout the command runs on: the payment is pending until the node says it is final.
      if (outcome === undefined) return (await findQuietly(ourHash, hints)) ?? pending(ourHash);
      if ('result' in outcome) {
        const done = completedResultOf(parseAnswer(name, answerSchemaOf(name), outcome.result));
        commands.learnHash(ourHash, done.paymentHash);
        return done;
      }
      const err = outcome.error;
      if (err instanceof ClnError && err.rpcCode === METHOD_NOT_FOUND) throw (disabled = keysendDisabled(err));
      if (!(err instanceof ClnError) || !isPaymentFailure(err)) throw err;
      return reconcile(err, ourHash, hints);
    },

    async lookupPayment(paymentHash, hints) {
      if (typeof paymentHash !== 'string' || !HEX32.test(paymentHash))
        throw new InputError('payment hash must be 64 lowercase hex characters');
      return findPayment(paymentHash, hints);
    },

    async listReceived(sinceMs) {
      if (!Number.isSafeInteger(sinceMs) || sinceMs < 0)
        throw new InputError('sinceMs must be a non-negative integer (unix ms)');
      return listKeysendsSince(call, sinceMs, recordsOf);
    },

    close: () => transport.close(),
  };

  /**
   * Calls the keysend command with no deadline of ours and remembers that it runs until lightningd
   * answers (or the answer is lost), so no lookup calls the payment failed meanwhile.
   */
  function startKeysend(
    name: KeysendMethod,
    ourHash: string,
    retryForS: number,
    params: Record<string, unknown>,
  ): Promise<{ result: unknown } | { error: unknown }> {
    commands.start(ourHash, retryForS, now());
    const ended = (how: 'answered' | 'lost', outcome: string, failure: string | null = null): void => {
      commands.end(ourHash, how, failure);
      logger.info({ paymentRef: ourHash, outcome }, 'cln keysend command ended');
    };
    return transport.call(name, params, { timeoutMs: null }).then(
      (result) => (ended('answered', 'complete'), { result }),
      (error: unknown) => {
        // Only the command's own failure answer says it is over; any other error (a dropped
        // connection, a proxy's timeout) may have left it running. A refusal (-32601: deprecated)
        // started nothing.
        const refused = error instanceof ClnError && error.rpcCode === METHOD_NOT_FOUND;
        const failed = error instanceof ClnError && isPaymentFailure(error) && error.rpcCode !== PAY_IN_PROGRESS;
        const message = error instanceof Error ? error.message : 'error';
        ended(refused || failed ? 'answered' : 'lost', message, refused || failed ? message : null);
        return { error };
      },
    );
  }

  /** findPayment, but pending when the node cannot be asked (the ledger asks again later). */
  async function findQuietly(ourHash: string, hints: PaymentHints): Promise<PaymentResult | null> {
    try {
      return await findPayment(ourHash, hints);
    } catch (lookupError) {
      logger.warn({ err: (lookupError as Error).message }, 'cln keysend outcome unknown');
      return pending(ourHash);
    }
  }

  /** The keysend command answered with a payment failure: failed, unless another attempt of ours lives on. */
  async function reconcile(cause: ClnError, ourHash: string, hints: PaymentHints): Promise<PaymentResult> {
    const known = await findQuietly(ourHash, hints);
    if (known && known.status !== 'failed') return known;
    if (cause.rpcCode === PAY_IN_PROGRESS) return known ?? pending(ourHash);
    return {
      paymentHash: known?.paymentHash ?? ourHash,
      status: 'failed',
      preimage: null,
      feeMsat: null,
      failure: cause.message,
    };
  }
}

/** Our hash, from the label of the parts of a payment found by the node's hash. */
function refOf(parts: readonly SendPay[]): string | null {
  return parts.map((p) => parseKeysendLabel(p.label).ref).find((r) => r !== null) ?? null;
}
