/**
 * Core Lightning behind our LightningBackend, written once for both of its transports (the
 * JSON-RPC unix socket and the clnrest plugin speak the same methods with the same JSON): which
 * methods we call with which params, and how their answers map to our types.
 *
 * keysend in Core Lightning draws its own random preimage; it cannot take ours. So the payment
 * hash the node reports differs from sha256(request.preimage). To keep the ledger's hash useful
 * we tag the CLN label with it (`<label> ref=<our hash>`), and `lookupPayment` accepts either the
 * node's hash or ours. Results carry the node's hash whenever the node told us one.
 *
 * Core Lightning does not expose the custom TLV records of received keysends (listinvoices has no
 * field for them), so `listReceived` returns them empty.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { InputError, PeerStablesError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/log.js';
import type { ChannelState, KeysendRequest, LightningBackend, PaymentResult, ReceivedPayment } from './types.js';

/** What went wrong talking to Core Lightning; `code` is `cln_<kind>`. */
export type ClnErrorKind = 'rpc' | 'unavailable' | 'timeout' | 'unauthorized' | 'bad_response';

/**
 * A failed call to Core Lightning. `rpcCode` is the JSON-RPC error code when the node answered
 * with an error object (e.g. 205 "unable to find a route"), else null. Messages never carry
 * credentials.
 */
export class ClnError extends PeerStablesError {
  constructor(
    readonly kind: ClnErrorKind,
    message: string,
    readonly rpcCode: number | null = null,
  ) {
    super(`cln_${kind}`, message);
  }
}

/** How one Core Lightning transport makes a call; both reject with ClnError only. */
export interface ClnTransport {
  /** Calls `method` with named params; resolves with the JSON `result`. */
  call(
    method: string,
    params: Readonly<Record<string, unknown>>,
    options?: { readonly timeoutMs?: number },
  ): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Turns a JSON-RPC error object `{code, message}` (what lightningd answers, and what clnrest puts
 * in its HTTP error bodies) into a ClnError naming `method`. Anything else becomes a bad_response.
 */
export function clnErrorFrom(method: string, error: unknown): ClnError {
  const parsed = rpcErrorSchema.safeParse(error);
  if (!parsed.success)
    return new ClnError('bad_response', `Core Lightning ${method} failed with an error in an unexpected shape`);
  const { code, message } = parsed.data;
  const codeText = code === undefined || code === null ? '' : ` (code ${code})`;
  return new ClnError('rpc', `Core Lightning ${method} failed${codeText}: ${oneLine(message)}`, code ?? null);
}

const rpcErrorSchema = z.object({ code: z.number().int().nullable().optional(), message: z.string() });

/**
 * The LightningBackend over one Core Lightning transport. Takes ownership of `transport` (close()
 * closes it).
 */
export function createClnBackend(
  transport: ClnTransport,
  options: { readonly logger?: Logger } = {},
): LightningBackend {
  const logger = options.logger ?? silentLogger;
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

  async function findPayment(paymentHash: string): Promise<PaymentResult | null> {
    const byHash = await call('listpays', { payment_hash: paymentHash }, listPaysSchema);
    if (byHash.pays.length > 0) return paymentOf(byHash.pays);
    // Not the node's hash: perhaps ours, which we put in the label of the keysend we made.
    const all = await call('listpays', {}, listPaysSchema);
    const tagged = all.pays.filter((p) => refOf(p.label) === paymentHash);
    return tagged.length > 0 ? paymentOf(tagged) : null;
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
      // Never pay twice for one request: a keysend with our hash in flight or done stands.
      const earlier = await findPayment(ourHash);
      if (earlier && earlier.status !== 'failed') return earlier;
      const params = {
        destination: request.destination,
        // A plain integer where JSON holds it exactly: rune conditions such as
        // "pnameamount_msat<N" compare integers, and would refuse a "<n>msat" string.
        amount_msat:
          request.amountMsat <= BigInt(Number.MAX_SAFE_INTEGER)
            ? Number(request.amountMsat)
            : `${request.amountMsat}msat`,
        label: `${request.label} ref=${ourHash}`,
        maxfee: `${request.maxFeeMsat}msat`,
        retry_for: Math.max(1, Math.ceil(request.timeoutMs / 1000)),
        extratlvs: { ...request.customRecords },
      };
      logger.info(
        { label: request.label, destination: request.destination, amountMsat: String(request.amountMsat) },
        'cln keysend',
      );
      try {
        return keysendResultOf(await call('keysend', params, keysendSchema, request.timeoutMs));
      } catch (err) {
        if (!(err instanceof ClnError) || !(err.kind === 'timeout' || isPaymentFailure(err))) throw err;
        return reconcile(err, ourHash);
      }
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
   * A keysend that errored or timed out may still be in flight: ask the node before calling it
   * failed, and call it pending when we cannot tell (the ledger reconciles pending payments).
   */
  async function reconcile(cause: ClnError, ourHash: string): Promise<PaymentResult> {
    let known: PaymentResult | null;
    try {
      known = await findPayment(ourHash);
    } catch (lookupError) {
      logger.warn({ err: (lookupError as Error).message }, 'cln keysend outcome unknown');
      return { paymentHash: ourHash, status: 'pending', feeMsat: null, failure: null };
    }
    if (known && known.status !== 'failed') return known;
    if (cause.kind === 'timeout' || cause.rpcCode === PAY_IN_PROGRESS) {
      return known ?? { paymentHash: ourHash, status: 'pending', feeMsat: null, failure: null };
    }
    return { paymentHash: known?.paymentHash ?? ourHash, status: 'failed', feeMsat: null, failure: cause.message };
  }
}

/** lightningd's PAY_* codes (200..219) and keysend's catch-all -1 say the payment, not the call, failed. */
function isPaymentFailure(err: ClnError): boolean {
  return (
    err.kind === 'rpc' && err.rpcCode !== null && (err.rpcCode === -1 || (err.rpcCode >= 200 && err.rpcCode < 220))
  );
}
const PAY_IN_PROGRESS = 200;

const HEX32 = /^[0-9a-f]{64}$/;
const NODE_ID = /^0[23][0-9a-f]{64}$/;
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

/** Core Lightning prints msat as JSON integers (v23+), older versions as "<n>msat" strings. */
const msat = z.union([
  z
    .number()
    .int()
    .nonnegative()
    .transform((n) => BigInt(n)),
  z
    .string()
    .regex(/^\d+(msat)?$/)
    .transform((s) => BigInt(s.replace(/msat$/, ''))),
]);
const hash = z.string().regex(HEX32);

const getInfoSchema = z.object({ id: z.string().regex(NODE_ID) });

const channelSchema = z.object({
  peer_id: z.string().regex(NODE_ID),
  peer_connected: z.boolean(),
  state: z.string(),
  short_channel_id: z.string().optional(),
  channel_id: z.string().optional(),
  alias: z.object({ local: z.string().optional(), remote: z.string().optional() }).optional(),
  to_us_msat: msat,
  total_msat: msat,
  spendable_msat: msat.optional(),
  receivable_msat: msat.optional(),
  htlcs: z.array(z.object({ direction: z.enum(['in', 'out']), amount_msat: msat, payment_hash: hash })).optional(),
});
const listPeerChannelsSchema = z.object({ channels: z.array(channelSchema) });

const paySchema = z.object({
  payment_hash: hash,
  status: z.enum(['pending', 'complete', 'failed']),
  label: z.string().optional(),
  amount_msat: msat.optional(),
  amount_sent_msat: msat.optional(),
});
const listPaysSchema = z.object({ pays: z.array(paySchema) });

const keysendSchema = z.object({
  payment_hash: hash,
  status: z.literal('complete'),
  amount_msat: msat,
  amount_sent_msat: msat,
});

const listInvoicesSchema = z.object({
  invoices: z.array(
    z.object({
      label: z.string(),
      payment_hash: hash,
      status: z.string(),
      amount_received_msat: msat.optional(),
      paid_at: z.number().int().nonnegative().optional(),
    }),
  ),
});

function parseAnswer<T>(method: string, schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
  throw new ClnError(
    'bad_response',
    `Core Lightning ${method} answered an unexpected shape at ${where}: ${issue?.message ?? 'invalid'}`,
  );
}

function channelStateOf(c: z.output<typeof channelSchema>): ChannelState {
  if (c.to_us_msat > c.total_msat)
    throw new ClnError('bad_response', 'Core Lightning listpeerchannels: to_us_msat exceeds total_msat');
  return {
    channelId: c.short_channel_id ?? c.channel_id ?? '',
    peerId: c.peer_id,
    normal: c.state === 'CHANNELD_NORMAL',
    peerConnected: c.peer_connected,
    spendableMsat: c.spendable_msat ?? 0n,
    receivableMsat: c.receivable_msat ?? 0n,
    localBalanceMsat: c.to_us_msat,
    remoteBalanceMsat: c.total_msat - c.to_us_msat,
    balanceResolutionMsat: 1n,
    pendingHtlcs: (c.htlcs ?? []).map((h) => ({
      direction: h.direction,
      amountMsat: h.amount_msat,
      paymentHash: h.payment_hash,
    })),
  };
}

function keysendResultOf(r: z.output<typeof keysendSchema>): PaymentResult {
  return {
    paymentHash: r.payment_hash,
    status: 'complete',
    feeMsat: feeOf(r.amount_msat, r.amount_sent_msat),
    failure: null,
  };
}

/** One payment's attempts (listpays entries) -> its status: any success wins, then any in flight. */
function paymentOf(pays: readonly z.output<typeof paySchema>[]): PaymentResult {
  const pick =
    pays.find((p) => p.status === 'complete') ?? pays.find((p) => p.status === 'pending') ?? pays[pays.length - 1]!;
  return {
    paymentHash: pick.payment_hash,
    status: pick.status,
    feeMsat:
      pick.status === 'complete' && pick.amount_msat !== undefined && pick.amount_sent_msat !== undefined
        ? feeOf(pick.amount_msat, pick.amount_sent_msat)
        : null,
    failure: pick.status === 'failed' ? 'payment failed (Core Lightning listpays status "failed")' : null,
  };
}

function feeOf(amount: bigint, sent: bigint): bigint {
  if (sent < amount) throw new ClnError('bad_response', 'Core Lightning reported amount_sent_msat below amount_msat');
  return sent - amount;
}

function refOf(label: string | undefined): string | null {
  return label ? (/(?:^| )ref=([0-9a-f]{64})$/.exec(label)?.[1] ?? null) : null;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 297)}...` : flat;
}
