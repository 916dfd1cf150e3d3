/**
 * A fake Core Lightning node for tests: one FakeNode behind (a) lightningd's JSON-RPC 2.0 unix
 * socket and (b) the clnrest plugin's HTTP(S) API. Both answer the methods the settlement client
 * uses (getinfo, listpeerchannels, keysend, listpays, listinvoices) with the request params and
 * response fields of Core Lightning's schemas (doc/schemas/*.json, v24+), msat as JSON integers,
 * and errors as lightningd's `{code, message}` objects; clnrest wraps them in its HTTP statuses
 * (201 ok, 401/403 rune refused, 404 unknown method, 500 RPC error).
 *
 * As in lightningd, a keysend command answers only when its payment is final, however long that
 * takes (an HTLC held in flight, or attempts that fail while the command keeps retrying), and it
 * runs on when the caller hangs up; meanwhile listpays reports the parts sent so far.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { JsonObjectSplitter } from '../../src/lightning/cln-rpc.js';
import type { FakeHtlc, FakeNode, FakePayment } from './fake-lightning.js';

interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}
/** A JSON-RPC answer, or `drop`: hang up on the caller without one. */
type Answer = { result: unknown } | { error: RpcErrorObject } | { drop: true };

/** One call the fake received, for tests to inspect params. */
export interface FakeClnCall {
  readonly method: string;
  readonly params: Record<string, unknown>;
}

const PARAMS_INVALID = -32602;
const METHOD_NOT_FOUND = -32601;
const PAY_DESTINATION_PERM_FAIL = 203;
const PAY_ROUTE_NOT_FOUND = 205;
const PAY_ROUTE_TOO_EXPENSIVE = 206;
const PAY_STOPPED_RETRYING = 210;

/** lightningd's answers for one FakeNode, shared by the socket and the REST front ends. */
export class FakeClnNode {
  readonly calls: FakeClnCall[] = [];
  private readonly waiting = new Set<() => void>();
  private readonly poll: NodeJS.Timeout;

  constructor(readonly node: FakeNode) {
    // Keysends left pending answer once a test resolves them, like lightningd's blocking keysend.
    this.poll = setInterval(() => {
      for (const check of [...this.waiting]) check();
    }, 5);
    this.poll.unref();
  }

  /** Answers one call; a pending keysend resolves only when its payment leaves "pending". */
  async handle(method: string, params: unknown): Promise<Answer> {
    const named = params === undefined ? {} : params;
    if (typeof named !== 'object' || named === null || Array.isArray(named)) {
      return rpcError(PARAMS_INVALID, 'Expected named params (an object)');
    }
    const p = named as Record<string, unknown>;
    this.calls.push({ method, params: p });
    switch (method) {
      case 'getinfo':
        return { result: this.getinfo() };
      case 'listpeerchannels':
        return { result: { channels: this.channels(p) } };
      case 'keysend':
        return this.keysend(p);
      case 'listpays':
        return this.listpays(p);
      case 'listinvoices':
        return { result: { invoices: this.invoices() } };
      default:
        return rpcError(METHOD_NOT_FOUND, `Unknown command '${method}'`);
    }
  }

  close(): void {
    clearInterval(this.poll);
    this.waiting.clear();
  }

  private getinfo(): Record<string, unknown> {
    return {
      id: this.node.id,
      alias: this.node.alias,
      color: '023456',
      num_peers: this.node.channels().length,
      num_pending_channels: 0,
      num_active_channels: this.node.channels().filter((c) => c.state === 'normal').length,
      num_inactive_channels: 0,
      address: [],
      binding: [],
      version: 'v24.11',
      blockheight: 800_000,
      network: 'regtest',
      fees_collected_msat: 0,
      'lightning-dir': '/tmp/fake-cln/regtest',
      our_features: { init: '', node: '', channel: '', invoice: '' },
    };
  }

  private channels(p: Record<string, unknown>): Record<string, unknown>[] {
    return this.node
      .channels()
      .filter((c) => p.id === undefined || this.node.sides(c).peer.id === p.id)
      .filter((c) => p.short_channel_id === undefined || c.shortChannelId === p.short_channel_id)
      .map((c) => {
        const { local, remote, peer, opener } = this.node.sides(c);
        // lightningd's to_us_msat is channel->our_msat: it moves only when an HTLC is removed
        // (settled or failed), and no commitment fee or anchor is taken from it.
        return {
          peer_id: peer.id,
          peer_connected: this.node.connected && peer.connected,
          state: c.state === 'normal' ? 'CHANNELD_NORMAL' : 'CHANNELD_SHUTTING_DOWN',
          opener: opener ? 'local' : 'remote',
          features: ['option_static_remotekey', ...(c.anchorsMsat > 0n ? ['option_anchors'] : [])],
          last_tx_fee_msat: msatNumber(c.commitFeeMsat),
          feerate: { perkw: 253, perkb: 1012 },
          short_channel_id: c.shortChannelId,
          direction: c.a === this.node ? 0 : 1,
          channel_id: c.channelId,
          funding_txid: c.channelPoint.split(':')[0],
          funding_outnum: 0,
          private: false,
          to_us_msat: msatNumber(local),
          total_msat: msatNumber(local + remote),
          our_reserve_msat: msatNumber(c.reserveMsat),
          their_reserve_msat: msatNumber(c.reserveMsat),
          spendable_msat: msatNumber(this.node.spendableMsat(c)),
          receivable_msat: msatNumber(peer.spendableMsat(c)),
          htlcs: c.htlcs.map((h, i) => htlcJson(h.offerer === this.node ? 'out' : 'in', i, h)),
        };
      });
  }

  private async keysend(p: Record<string, unknown>): Promise<Answer> {
    const allowed = new Set([
      'destination',
      'amount_msat',
      'label',
      'maxfeepercent',
      'retry_for',
      'maxdelay',
      'exemptfee',
      'routehints',
      'extratlvs',
      'maxfee',
    ]);
    const unknown = Object.keys(p).find((k) => !allowed.has(k));
    if (unknown) return rpcError(PARAMS_INVALID, `unknown parameter: ${unknown}`);
    if (typeof p.destination !== 'string' || !/^0[23][0-9a-f]{64}$/.test(p.destination))
      return rpcError(PARAMS_INVALID, 'destination: should be a node id');
    const amount = parseMsat(p.amount_msat);
    if (amount === null) return rpcError(PARAMS_INVALID, 'amount_msat: should be a millisatoshi amount');
    const maxfee = p.maxfee === undefined ? 2n ** 63n : parseMsat(p.maxfee);
    if (maxfee === null) return rpcError(PARAMS_INVALID, 'maxfee: should be a millisatoshi amount');
    if (p.maxfee !== undefined && (p.maxfeepercent !== undefined || p.exemptfee !== undefined)) {
      return rpcError(PARAMS_INVALID, 'maxfee: Cannot specify maxfee with maxfeepercent or exemptfee');
    }
    const tlvs = p.extratlvs ?? {};
    if (
      typeof tlvs !== 'object' ||
      tlvs === null ||
      Array.isArray(tlvs) ||
      Object.entries(tlvs).some(([k, v]) => !/^\d+$/.test(k) || typeof v !== 'string' || !/^([0-9a-f]{2})*$/.test(v))
    ) {
      return rpcError(PARAMS_INVALID, 'extratlvs: should be an object of fieldnumber: hexstring');
    }
    if (this.node.nextFault?.kind === 'rpc_error') {
      const { code, message } = this.node.nextFault;
      this.node.nextFault = null;
      return rpcError(code, message);
    }
    const drop = this.node.nextFault?.kind === 'drop';
    // lightningd's keysend draws the preimage itself; the caller cannot choose it.
    const payment = this.node.keysend({
      destination: p.destination,
      amountMsat: amount,
      maxFeeMsat: maxfee,
      preimage: randomBytes(32).toString('hex'),
      customRecords: { ...(tlvs as Record<string, string>) },
      label: typeof p.label === 'string' ? p.label : '',
    });
    if (drop) return { drop: true };
    if (payment.status === 'pending') await this.settled(payment);
    if (payment.status === 'complete') {
      return {
        result: {
          destination: payment.destination,
          payment_hash: payment.paymentHash,
          created_at: payment.createdAt / 1000,
          parts: 1,
          amount_msat: msatNumber(payment.amountMsat),
          amount_sent_msat: msatNumber(payment.amountMsat + payment.feeMsat),
          payment_preimage: payment.preimage,
          status: 'complete',
        },
      };
    }
    return keysendFailure(payment);
  }

  private settled(payment: FakePayment): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (payment.status === 'pending') return;
        this.waiting.delete(check);
        resolve();
      };
      this.waiting.add(check);
    });
  }

  /**
   * listpays as the pay plugin builds it from listsendpays: one entry per payment (one keysend
   * command is one sendpay group), "complete" if any part completed, else "pending" if any part is
   * in flight, else "failed" (also between the attempts of a keysend that is still retrying: the
   * keysend plugin runs apart from listpays). A payment that never sent a part is not listed.
   */
  private listpays(p: Record<string, unknown>): Answer {
    if (
      p.payment_hash !== undefined &&
      (typeof p.payment_hash !== 'string' || !/^[0-9a-f]{64}$/.test(p.payment_hash))
    ) {
      return rpcError(PARAMS_INVALID, 'payment_hash: should be a 32 byte hex value');
    }
    const pays = [...this.node.payments.values()]
      .filter((x) => x.attempts.length > 0)
      .filter((x) => p.payment_hash === undefined || x.paymentHash === p.payment_hash)
      .map((x, i) => payJson(x, i + 1))
      .filter((x) => p.status === undefined || x.status === p.status);
    return { result: { pays } };
  }

  private invoices(): Record<string, unknown>[] {
    return this.node.receipts.map((r, i) => ({
      // lightningd's keysend plugin files each received keysend as a paid "keysend-<time>" invoice.
      label:
        r.kind === 'keysend'
          ? `keysend-${Math.floor(r.settledAt / 1000)}.${String(i).padStart(9, '0')}`
          : r.label || `invoice-${i + 1}`,
      ...(r.kind === 'invoice' ? { bolt11: `lnbcrt${r.amountMsat}n1fake${r.paymentHash.slice(0, 16)}` } : {}),
      description: r.kind === 'keysend' ? 'keysend' : 'an ordinary invoice',
      payment_hash: r.paymentHash,
      status: 'paid',
      expires_at: Math.floor(r.settledAt / 1000) + 3600,
      amount_msat: msatNumber(r.amountMsat),
      amount_received_msat: msatNumber(r.amountMsat),
      paid_at: Math.floor(r.settledAt / 1000),
      created_index: i + 1,
      updated_index: i + 1,
    }));
  }
}

function htlcJson(direction: 'in' | 'out', id: number, h: FakeHtlc): Record<string, unknown> {
  return {
    direction,
    id,
    amount_msat: msatNumber(h.amountMsat),
    expiry: 800_144,
    payment_hash: h.paymentHash,
    state: direction === 'out' ? 'SENT_ADD_ACK_REVOCATION' : 'RCVD_ADD_ACK_REVOCATION',
  };
}

/** One listpays entry; amounts as the pay plugin tallies them (failed parts count for nothing). */
function payJson(x: FakePayment, createdIndex: number): Record<string, unknown> & { status: string } {
  const status = x.attempts.some((a) => a.status === 'complete')
    ? 'complete'
    : x.attempts.some((a) => a.status === 'pending')
      ? 'pending'
      : 'failed';
  const live = x.attempts.filter((a) => a.status !== 'failed').length;
  const completedAt = x.attempts.find((a) => a.status === 'complete')?.createdAt;
  return {
    payment_hash: x.paymentHash,
    status,
    destination: x.destination,
    created_at: Math.floor(x.attempts[0]!.createdAt / 1000),
    ...(completedAt !== undefined ? { completed_at: Math.floor(completedAt / 1000), preimage: x.preimage } : {}),
    label: x.label,
    ...(live > 0 ? { amount_msat: msatNumber(x.amountMsat) } : {}),
    amount_sent_msat: msatNumber(BigInt(live) * (x.amountMsat + x.feeMsat)),
    created_index: createdIndex,
  };
}

/** lightningd's keysend error for a failed payment, by what the fake network said. */
function keysendFailure(payment: FakePayment): Answer {
  const data = {
    payment_hash: payment.paymentHash,
    status: 'failed',
    amount_msat: msatNumber(payment.amountMsat),
    destination: payment.destination,
  };
  if (payment.failure === 'no route to destination' || payment.failure === 'insufficient balance') {
    return {
      error: {
        code: PAY_ROUTE_NOT_FOUND,
        message: `Ran out of routes to try after 1 attempt: see \`paystatus\` (${payment.failure})`,
        data,
      },
    };
  }
  if (payment.failure === 'gave up retrying') {
    const n = payment.attempts.length;
    return {
      error: {
        code: PAY_STOPPED_RETRYING,
        message: `Ran out of routes to try after ${n} attempt${n === 1 ? '' : 's'}: see \`paystatus\``,
        data,
      },
    };
  }
  if (payment.failure === 'fee exceeds maxfee') {
    return { error: { code: PAY_ROUTE_TOO_EXPENSIVE, message: 'Route too expensive: fee exceeds maxfee', data } };
  }
  return {
    error: {
      code: PAY_DESTINATION_PERM_FAIL,
      message: `failed: WIRE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS (${payment.failure ?? 'failed'})`,
      data,
    },
  };
}

function rpcError(code: number, message: string): Answer {
  return { error: { code, message } };
}

function parseMsat(value: unknown): bigint | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^\d+(msat)?$/.test(value)) return BigInt(value.replace(/msat$/, ''));
  return null;
}

function msatNumber(value: bigint): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`fake-cln: ${value} msat is beyond what JSON numbers hold exactly`);
  return n;
}

/** A running fake front end. */
export interface FakeClnServer {
  readonly cln: FakeClnNode;
  close(): Promise<void>;
}

/**
 * lightningd's JSON-RPC socket for `node`, in a new temp folder: reads concatenated JSON request
 * objects, answers each with one JSON object followed by a blank line, as lightningd does.
 */
export async function startFakeClnRpc(node: FakeNode): Promise<FakeClnServer & { readonly socketPath: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-cln-'));
  const socketPath = path.join(dir, 'lightning-rpc');
  const cln = new FakeClnNode(node);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setEncoding('utf8');
    const splitter = new JsonObjectSplitter(1024 * 1024);
    socket.on('data', (chunk: string) => {
      let texts: string[];
      try {
        texts = splitter.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const text of texts) void answerSocket(cln, socket, text);
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    cln,
    socketPath,
    async close() {
      cln.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function answerSocket(cln: FakeClnNode, socket: net.Socket, text: string): Promise<void> {
  let request: { id?: unknown; method?: unknown; params?: unknown };
  try {
    request = JSON.parse(text) as typeof request;
  } catch {
    socket.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } })}\n\n`,
    );
    return;
  }
  const answer =
    typeof request.method === 'string'
      ? await cln.handle(request.method, request.params)
      : rpcError(-32600, 'Invalid request: no method');
  if ('drop' in answer) return void socket.destroy();
  if (!socket.destroyed) socket.write(`${JSON.stringify({ jsonrpc: '2.0', id: request.id ?? null, ...answer })}\n\n`);
}

export interface FakeClnRestOptions {
  /** The rune the fake accepts in the `Rune` header. */
  readonly rune: string;
  /** Methods the rune permits (default: all). */
  readonly allowedMethods?: readonly string[];
  /** Serve HTTPS with this key and certificate (PEM); plain HTTP when absent. */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
}

/** The clnrest plugin for `node` on 127.0.0.1, a free port; `url` is its base URL. */
export async function startFakeClnRest(
  node: FakeNode,
  options: FakeClnRestOptions,
): Promise<FakeClnServer & { readonly url: string; readonly runeHeaders: (string | undefined)[] }> {
  const cln = new FakeClnNode(node);
  const runeHeaders: (string | undefined)[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const match = /^\/v1\/([a-z0-9_-]+)$/.exec(req.url ?? '');
        if (req.method !== 'POST' || !match)
          return send(res, 404, { code: METHOD_NOT_FOUND, message: 'Path not registered' });
        const method = match[1]!;
        const rune = req.headers.rune;
        runeHeaders.push(typeof rune === 'string' ? rune : undefined);
        if (typeof rune !== 'string') return send(res, 403, { code: 1501, message: 'Not authorized: Missing rune' });
        if (rune !== options.rune)
          return send(res, 401, { code: 1501, message: 'Not authorized: Not derived from master' });
        if (options.allowedMethods && !options.allowedMethods.includes(method)) {
          return send(res, 401, {
            code: 1502,
            message: `Not permitted: method is not equal to ${options.allowedMethods[0] ?? ''}`,
          });
        }
        let params: unknown;
        try {
          params = chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return send(res, 500, { code: PARAMS_INVALID, message: 'Could not parse params as object' });
        }
        const answer = await cln.handle(method, params);
        if ('drop' in answer) return void res.destroy();
        if ('result' in answer) return send(res, 201, answer.result);
        return send(res, answer.error.code === METHOD_NOT_FOUND ? 404 : 500, answer.error);
      })();
    });
  };
  const server = options.tls
    ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    cln,
    runeHeaders,
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    async close() {
      cln.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
