/**
 * LightningBackend over LND's REST API: getinfo, channels, keysend through SendPaymentV2
 * (`/v2/router/send`, preimage in TLV record 5482373484), lookup through TrackPaymentV2, and
 * received keysends from the invoice list. The macaroon and the CA are read from files once, at
 * construction; neither is ever logged or put in an error.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/log.js';
import { readCaFile, readSecretFile } from '../core/private-file.js';
import { nodeBaseUrl } from './node-url.js';
import { GRPC_ALREADY_EXISTS, GRPC_NOT_FOUND, LndError, LndHttp } from './lnd-http.js';
import {
  KEYSEND_PREIMAGE_RECORD,
  PENDING_STATES,
  channelMatches,
  closedChannelsSchema,
  getInfoSchema,
  listChannelsSchema,
  listInvoicesSchema,
  notOpenChannelState,
  parseLnd,
  pendingChannelsSchema,
  shortChannelIdToChanId,
  toChannelState,
  toPaymentResult,
  toReceivedPayment,
} from './lnd-wire.js';
import type { ChannelState, KeysendRequest, LightningBackend, PaymentResult, ReceivedPayment } from './types.js';

export { LndError } from './lnd-http.js';

export interface LndRestOptions {
  /** LND's REST listener, e.g. "https://127.0.0.1:8080". Plain http only to a loopback address. */
  readonly url: string;
  /** File holding the macaroon (binary, as lnd writes it); must be mode 0600 or stricter. */
  readonly macaroonFile: string;
  /** LND's tls.cert (PEM) to trust; the system CA store when absent. */
  readonly caFile?: string;
  /** Deadline of each non-payment call, ms (default 15 s). */
  readonly requestTimeoutMs?: number;
  readonly logger?: Logger;
}

const HEX32 = /^[0-9a-f]{64}$/;
const NODE_ID = /^0[23][0-9a-f]{64}$/;
const EVEN_HEX = /^(?:[0-9a-f]{2})*$/;
const INVOICE_PAGE = 100;
/** A keysend invoice is created when its HTLC arrives and settles at once; an hour covers that. */
const CREATION_SLACK_S = 3600;

/**
 * Builds an LND REST backend. Throws ConfigError for a bad URL (cleartext to a remote host is
 * refused: the macaroon would travel in the clear), KeyError for a macaroon file that is missing,
 * empty or readable by others, or a CA file that holds no certificate.
 */
export function createLndRestBackend(options: LndRestOptions): LightningBackend {
  return new LndRestBackend(options);
}

class LndRestBackend implements LightningBackend {
  private readonly http: LndHttp;
  private readonly timeoutMs: number;
  private readonly log: Logger;
  /**
   * The channel point of each channel seen open, by chan_id: lnd lists a channel being opened or
   * closed by its channel point only, so one configured by chan_id or short channel id is followed
   * through its close by what this process saw of it.
   */
  private readonly pointOf = new Map<string, string>();

  constructor(options: LndRestOptions) {
    const url = nodeBaseUrl(options.url, 'LND REST');
    const macaroon = readSecretFile(options.macaroonFile, 'macaroon file');
    const ca = options.caFile === undefined ? undefined : readCaFile(options.caFile);
    this.timeoutMs = options.requestTimeoutMs ?? 15_000;
    this.log = (options.logger ?? silentLogger).child({ backend: 'lnd-rest' });
    this.http = new LndHttp({
      url,
      macaroonHex: macaroon.toString('hex'),
      timeoutMs: this.timeoutMs,
      ...(ca ? { ca } : {}),
    });
  }

  async getNodeId(): Promise<string> {
    return parseLnd(getInfoSchema, await this.http.call('GET', '/v1/getinfo'), '/v1/getinfo').identity_pubkey;
  }

  async getChannel(channelId: string): Promise<ChannelState | null> {
    const { channels } = parseLnd(listChannelsSchema, await this.http.call('GET', '/v1/channels'), '/v1/channels');
    for (const c of channels) this.pointOf.set(c.chan_id.toString(), c.channel_point);
    const channel = channels.find((c) => channelMatches(c, channelId));
    if (channel) return toChannelState(channel);
    const closed = parseLnd(closedChannelsSchema, await this.http.call('GET', '/v1/channels/closed'), 'closed');
    const gone = closed.channels.find((c) => channelMatches(c, channelId));
    if (gone)
      return notOpenChannelState({
        nodeState: 'closed',
        channelId: gone.chan_id.toString(),
        peerId: gone.remote_pubkey,
        capacitySat: gone.capacity,
        localSat: gone.settled_balance,
      });
    return this.pendingChannel(channelId);
  }

  /** The channel among those lnd is opening or closing (listed by channel point only), or null. */
  private async pendingChannel(channelId: string): Promise<ChannelState | null> {
    const point = channelId.includes(':') ? channelId : this.chanIdOf(channelId);
    if (point === null) return null;
    const pending = parseLnd(pendingChannelsSchema, await this.http.call('GET', '/v1/channels/pending'), 'pending');
    for (const [list, nodeState] of Object.entries(PENDING_STATES) as [keyof typeof PENDING_STATES, string][]) {
      const found = pending[list].find((p) => p.channel.channel_point === point);
      if (found)
        return notOpenChannelState({
          nodeState,
          channelId,
          peerId: found.channel.remote_node_pub,
          capacitySat: found.channel.capacity,
          localSat: found.channel.local_balance,
        });
    }
    return null;
  }

  /** The channel point this process saw for a chan_id or short channel id, or null. */
  private chanIdOf(channelId: string): string | null {
    const chanId = /^\d+$/.test(channelId) ? channelId : shortChannelIdToChanId(channelId)?.toString();
    return chanId === undefined ? null : (this.pointOf.get(chanId) ?? null);
  }

  async paymentCursor(): Promise<string | null> {
    // lnd finds a payment by its hash, which is sha256 of our preimage: no cursor is needed.
    return null;
  }

  async keysend(request: KeysendRequest): Promise<PaymentResult> {
    const { paymentHash, body } = sendPaymentRequest(request);
    if (request.channelId !== undefined) {
      // Pin the first hop to the settlement channel (routerrpc outgoing_chan_ids).
      const { channels } = parseLnd(listChannelsSchema, await this.http.call('GET', '/v1/channels'), '/v1/channels');
      const channel = channels.find((c) => channelMatches(c, request.channelId as string));
      if (!channel)
        return {
          paymentHash,
          status: 'failed',
          preimage: null,
          feeMsat: null,
          failure: `channel ${request.channelId} not found`,
        };
      body.outgoing_chan_ids = [channel.chan_id.toString()];
    }
    this.log.info(
      {
        label: request.label,
        destination: request.destination,
        amountMsat: request.amountMsat.toString(),
        paymentHash,
      },
      'lnd keysend',
    );
    const seen = { result: null as PaymentResult | null };
    try {
      await this.http.stream('POST', '/v2/router/send', body, request.timeoutMs, (raw) => {
        seen.result = toPaymentResult(raw, paymentHash);
        return seen.result.status !== 'pending';
      });
    } catch (err) {
      return await this.afterSendError(err, paymentHash, seen.result !== null);
    }
    return seen.result ?? pending(paymentHash);
  }

  async lookupPayment(paymentHash: string): Promise<PaymentResult | null> {
    if (!HEX32.test(paymentHash)) throw new InputError('payment hash must be 32 bytes as 64 lowercase hex characters');
    const seen = { result: null as PaymentResult | null };
    try {
      // TrackPaymentV2 sends the payment's current state first; that is all we need.
      await this.http.stream(
        'GET',
        `/v2/router/track/${base64UrlPadded(paymentHash)}`,
        undefined,
        this.timeoutMs,
        (raw) => {
          seen.result = toPaymentResult(raw, paymentHash);
          return true;
        },
      );
    } catch (err) {
      if (err instanceof LndError && err.grpcCode === GRPC_NOT_FOUND) return null;
      throw err;
    }
    if (!seen.result) throw new LndError('lnd_error', `LND's payment tracker said nothing about ${paymentHash}`);
    return seen.result;
  }

  async listReceived(sinceMs: number): Promise<ReceivedPayment[]> {
    if (!Number.isSafeInteger(sinceMs) || sinceMs < 0)
      throw new InputError('sinceMs must be a non-negative integer of unix milliseconds');
    const sinceS = Math.floor(sinceMs / 1000);
    const received: ReceivedPayment[] = [];
    let offset = 0n;
    for (;;) {
      const query = new URLSearchParams({
        index_offset: offset.toString(),
        num_max_invoices: String(INVOICE_PAGE),
        creation_date_start: String(Math.max(0, sinceS - CREATION_SLACK_S)),
      });
      const page = parseLnd(listInvoicesSchema, await this.http.call('GET', `/v1/invoices?${query}`), '/v1/invoices');
      for (const invoice of page.invoices) {
        // settle_date has whole seconds: keep the whole second that contains sinceMs.
        const payment = toReceivedPayment(invoice);
        if (payment && payment.settledAt >= sinceS * 1000) received.push(payment);
      }
      if (page.invoices.length < INVOICE_PAGE || page.last_index_offset <= offset) return received;
      offset = page.last_index_offset;
    }
  }

  async close(): Promise<void> {
    this.http.close();
  }

  /**
   * What a failed send means. LND refusing before any update (bad request, not synced) is a failed
   * payment it never started; "already exists" means this hash was paid or is in flight, so ask the
   * node; anything after an update, or a dropped answer, leaves the payment pending for lookup.
   */
  private async afterSendError(err: unknown, paymentHash: string, started: boolean): Promise<PaymentResult> {
    if (!(err instanceof LndError)) throw err;
    if (err.code === 'lnd_auth' || err.code === 'lnd_unreachable') {
      if (!started) throw err;
      return pending(paymentHash);
    }
    if (err.grpcCode === GRPC_ALREADY_EXISTS) return (await this.lookupPayment(paymentHash)) ?? pending(paymentHash);
    if (started || err.grpcCode === null) return pending(paymentHash);
    this.log.warn({ paymentHash, code: err.grpcCode }, 'lnd refused the keysend');
    return { paymentHash, status: 'failed', preimage: null, feeMsat: null, failure: err.message };
  }
}

function pending(paymentHash: string): PaymentResult {
  return { paymentHash, status: 'pending', preimage: null, feeMsat: null, failure: null };
}

/** Checks a KeysendRequest and builds routerrpc.SendPaymentRequest. Throws InputError. */
function sendPaymentRequest(r: KeysendRequest): { paymentHash: string; body: Record<string, unknown> } {
  if (!NODE_ID.test(r.destination))
    throw new InputError('keysend destination must be a 33-byte node id in lowercase hex');
  if (!HEX32.test(r.preimage)) throw new InputError('keysend preimage must be 32 bytes as 64 lowercase hex characters');
  if (typeof r.amountMsat !== 'bigint' || r.amountMsat <= 0n)
    throw new InputError('keysend amountMsat must be a positive bigint');
  if (typeof r.maxFeeMsat !== 'bigint' || r.maxFeeMsat < 0n)
    throw new InputError('keysend maxFeeMsat must be a non-negative bigint');
  if (!Number.isSafeInteger(r.timeoutMs) || r.timeoutMs <= 0)
    throw new InputError('keysend timeoutMs must be a positive integer');
  const records: Record<string, string> = {};
  for (const [type, value] of Object.entries(r.customRecords)) {
    if (!/^\d+$/.test(type) || BigInt(type) < 65536n || BigInt(type) >= 1n << 64n)
      throw new InputError(`custom record type ${type} must be an integer in 65536..2^64-1`);
    if (type === KEYSEND_PREIMAGE_RECORD)
      throw new InputError(`custom record ${type} is the keysend preimage record and is set from the preimage`);
    if (!EVEN_HEX.test(value)) throw new InputError(`custom record ${type} must be lowercase hex bytes`);
    records[type] = Buffer.from(value, 'hex').toString('base64');
  }
  const preimage = Buffer.from(r.preimage, 'hex');
  const paymentHash = createHash('sha256').update(preimage).digest();
  records[KEYSEND_PREIMAGE_RECORD] = preimage.toString('base64');
  return {
    paymentHash: paymentHash.toString('hex'),
    body: {
      dest: Buffer.from(r.destination, 'hex').toString('base64'),
      amt_msat: r.amountMsat.toString(),
      payment_hash: paymentHash.toString('base64'),
      dest_custom_records: records,
      fee_limit_msat: r.maxFeeMsat.toString(),
      // LND's own give-up time for path finding; it must be non-zero.
      timeout_seconds: Math.max(1, Math.ceil(r.timeoutMs / 1000)),
      no_inflight_updates: false,
    },
  };
}

/** grpc-gateway decodes `bytes` path segments as standard or URL-safe base64, padded. */
function base64UrlPadded(hex: string): string {
  const text = Buffer.from(hex, 'hex').toString('base64url');
  return text + '='.repeat((4 - (text.length % 4)) % 4);
}
