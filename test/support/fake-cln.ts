/**
 * A fake Core Lightning v26.06 node for tests: one FakeNode behind (a) lightningd's JSON-RPC 2.0
 * unix socket and (b) the clnrest plugin's HTTP(S) API. Both answer the methods the settlement
 * client uses (getinfo, help, listpeerchannels, listclosedchannels, xkeysend, keysend,
 * listsendpays, listpays, listinvoices, wait) with the request params and response fields of Core
 * Lightning's JSON schemas, msat as JSON integers, and errors as lightningd's `{code, message}`
 * objects; clnrest wraps them in its HTTP statuses (201 ok, 401/403 rune refused, 404 unknown
 * method, 500 RPC error).
 *
 * As v26.06 does: `xkeysend` answers `{payment_preimage, amount_msat, amount_sent_msat,
 * failed_parts, successful_parts}`; `keysend` is deprecated, and refused with -32601 when the node
 * runs with deprecated APIs off (an older version has keysend only, v27.03 xkeysend only). A
 * keysend command answers only when its payment is final, however long that takes, and runs on
 * when the caller hangs up; meanwhile listsendpays reports the parts sent so far. A received
 * keysend is an invoice created after the fact (shapes in fake-cln-shapes.ts); its TLVs are kept
 * nowhere a client can ask for them, except what `htlcAcceptedParams` gives a plugin's hook.
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
import {
  METHOD_NOT_FOUND,
  PARAMS_INVALID,
  channelJson,
  closedChannelJson,
  deliveredRecords,
  htlcAcceptedParams,
  invoiceJson,
  keysendFailure,
  msatNumber,
  parseMsat,
  rpcError,
  sendPayJson,
  type Answer,
} from './fake-cln-shapes.js';
import type { FakeNode, FakePayment, FakeReceipt } from './fake-lightning.js';

/** One call the fake received, for tests to inspect params. */
export interface FakeClnCall {
  readonly method: string;
  readonly params: Record<string, unknown>;
}

export interface FakeClnOptions {
  /** getinfo's version (default v26.06): xkeysend from v26.06, keysend until v27.03. */
  readonly version?: string;
  /** allow-deprecated-apis (default true); off, as in developer mode, v26.06 refuses keysend. */
  readonly deprecatedApis?: boolean;
  /** The keysend plugin is loaded (default true); `disable-plugin=keysend` on an older node leaves no command to pay. */
  readonly keysendPlugin?: boolean;
  /** accept-htlc-tlv-type: even TLV types this node keeps (odd ones always pass). */
  readonly acceptHtlcTlvTypes?: readonly string[];
}

const HASH = /^[0-9a-f]{64}$/;
const XKEYSEND_PARAMS = [
  'destination',
  'amount_msat',
  'label',
  'maxfee',
  'layers',
  'retry_for',
  'maxdelay',
  'extratlvs',
];
const KEYSEND_PARAMS = [
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
];

/** v<major>.<minor> as a number to compare, e.g. v26.06 -> 2606. */
function versionNumber(version: string): number {
  const m = /^v(\d+)\.(\d+)/.exec(version);
  return m ? Number(m[1]) * 100 + Number(m[2]) : 0;
}

/** lightningd's answers for one FakeNode, shared by the socket and the REST front ends. */
export class FakeClnNode {
  readonly calls: FakeClnCall[] = [];
  readonly version: string;
  private readonly waiting = new Set<() => void>();
  private readonly poll: NodeJS.Timeout;
  private readonly acceptedEven: ReadonlySet<string>;

  constructor(
    readonly node: FakeNode,
    private readonly options: FakeClnOptions = {},
  ) {
    this.version = options.version ?? 'v26.06';
    this.acceptedEven = new Set(options.acceptHtlcTlvTypes ?? []);
    // Keysends left pending answer once a test resolves them, like lightningd's blocking keysend.
    this.poll = setInterval(() => {
      for (const check of [...this.waiting]) check();
    }, 5);
    this.poll.unref();
  }

  /** Which payment commands this version has, and whether keysend is refused as deprecated. */
  get commands(): { xkeysend: boolean; keysend: boolean; keysendRefused: boolean } {
    const v = versionNumber(this.version);
    const plugin = this.options.keysendPlugin !== false;
    return {
      xkeysend: plugin && v >= 2606,
      keysend: plugin && v < 2703,
      keysendRefused: v >= 2606 && this.options.deprecatedApis === false,
    };
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
      case 'help':
        return this.help(p);
      case 'listpeerchannels':
        return { result: { channels: this.openChannels(p) } };
      case 'listclosedchannels':
        return { result: { closedchannels: this.closedChannels() } };
      case 'xkeysend':
        return this.commands.xkeysend ? this.pay('xkeysend', p) : unknownCommand(method);
      case 'keysend':
        if (!this.commands.keysend) return unknownCommand(method);
        if (this.commands.keysendRefused) return rpcError(METHOD_NOT_FOUND, 'Command "keysend" is deprecated');
        return this.pay('keysend', p);
      case 'listsendpays':
        return this.listsendpays(p);
      case 'listinvoices':
        return this.listinvoices(p);
      case 'wait':
        return this.wait(p);
      default:
        return unknownCommand(method);
    }
  }

  /** The htlc_accepted hook's params for the keysend this node received as receipt `r`. */
  hookParams(r: FakeReceipt): unknown {
    const payer = this.node.network.nodes.map((n) => n.payments.get(r.paymentHash)).find((x) => x !== undefined);
    return htlcAcceptedParams(r, payer?.preimage ?? '00'.repeat(32), deliveredRecords(r, this.acceptedEven));
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
      version: this.version,
      blockheight: 800_000,
      network: 'regtest',
      fees_collected_msat: 0,
      'lightning-dir': '/tmp/fake-cln/regtest',
      our_features: { init: '', node: '', channel: '', invoice: '' },
    };
  }

  private help(p: Record<string, unknown>): Answer {
    const usage: Record<string, string> = {
      ...(this.commands.xkeysend
        ? { xkeysend: 'xkeysend destination amount_msat [label] [maxfee] [layers] [retry_for] [maxdelay] [extratlvs]' }
        : {}),
      // With deprecated APIs off, lightningd leaves deprecated commands out of help.
      ...(this.commands.keysend && !this.commands.keysendRefused
        ? {
            keysend: `keysend${this.commands.xkeysend ? ' (DEPRECATED!)' : ''} destination amount_msat [label] ...`,
          }
        : {}),
      listsendpays: 'listsendpays [bolt11] [payment_hash] [status] [index] [start] [limit]',
    };
    if (p.command === undefined)
      return { result: { help: Object.values(usage).map((command) => ({ command })), 'format-hint': 'simple' } };
    // As lightningd's json_help: -32601 for a command it does not have, and for a deprecated one
    // while deprecated APIs are off.
    if (p.command === 'keysend' && this.commands.keysend && this.commands.keysendRefused)
      return rpcError(METHOD_NOT_FOUND, 'Deprecated command keysend');
    const found = typeof p.command === 'string' ? usage[p.command] : undefined;
    if (found === undefined) return rpcError(METHOD_NOT_FOUND, `Unknown command ${String(p.command)}`);
    return { result: { help: [{ command: found }], 'format-hint': 'simple' } };
  }

  private openChannels(p: Record<string, unknown>): Record<string, unknown>[] {
    return this.node
      .channels()
      .filter((c) => c.state !== 'closed')
      .filter((c) => p.id === undefined || this.node.sides(c).peer.id === p.id)
      .filter((c) => p.short_channel_id === undefined || c.shortChannelId === p.short_channel_id)
      .map((c) => channelJson(this.node, c));
  }

  private closedChannels(): Record<string, unknown>[] {
    return this.node
      .channels()
      .filter((c) => c.state === 'closed')
      .map((c) => closedChannelJson(this.node, c));
  }

  private async pay(method: 'keysend' | 'xkeysend', p: Record<string, unknown>): Promise<Answer> {
    const allowed = new Set(method === 'xkeysend' ? XKEYSEND_PARAMS : KEYSEND_PARAMS);
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
    if (payment.status !== 'complete') return keysendFailure(payment, method);
    const amounts = {
      amount_msat: msatNumber(payment.amountMsat),
      amount_sent_msat: msatNumber(payment.amountMsat + payment.feeMsat),
    };
    if (method === 'xkeysend') {
      const failed = payment.attempts.filter((a) => a.status === 'failed').length;
      return { result: { payment_preimage: payment.preimage, ...amounts, failed_parts: failed, successful_parts: 1 } };
    }
    return {
      result: {
        destination: payment.destination,
        payment_hash: payment.paymentHash,
        // A float with the nanoseconds, as lightningd prints a timeabs (the fake's clock has ms).
        created_at: Number(
          `${Math.floor(payment.createdAt / 1000)}.${String(payment.createdAt % 1000).padStart(3, '0')}123456`,
        ),
        parts: payment.attempts.length,
        ...amounts,
        payment_preimage: payment.preimage,
        status: 'complete',
      },
    };
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
   * listsendpays: every part (attempt) this node sent, in created order; by payment_hash (a
   * lookup), or from `start` on the `created` index, up to `limit`. A keysend that found no route
   * at all sent no part and is not listed.
   */
  private listsendpays(p: Record<string, unknown>): Answer {
    if (p.payment_hash !== undefined && (typeof p.payment_hash !== 'string' || !HASH.test(p.payment_hash)))
      return rpcError(PARAMS_INVALID, 'payment_hash: should be a 32 byte hex value');
    const range = indexRange(p);
    if (typeof range === 'string') return rpcError(PARAMS_INVALID, range);
    let parts;
    if (typeof p.payment_hash === 'string') parts = this.node.payments.get(p.payment_hash)?.attempts ?? [];
    else
      parts = this.node.attempts.slice(
        range.start - 1,
        range.limit === null ? undefined : range.start - 1 + range.limit,
      );
    const payments = parts.map(sendPayJson).filter((x) => p.status === undefined || x.status === p.status);
    return { result: { payments } };
  }

  /** listinvoices: by label or payment_hash, or from `start` on the `created` index, up to `limit`. */
  private listinvoices(p: Record<string, unknown>): Answer {
    const range = indexRange(p);
    if (typeof range === 'string') return rpcError(PARAMS_INVALID, range);
    const receipts = this.node.receipts;
    const end = range.limit === null ? receipts.length : Math.min(receipts.length, range.start - 1 + range.limit);
    const invoices: Record<string, unknown>[] = [];
    for (let i = range.start - 1; i < end; i += 1) {
      const r = receipts[i] as FakeReceipt;
      if (typeof p.payment_hash === 'string' && r.paymentHash !== p.payment_hash) continue;
      const invoice = invoiceJson(r, i + 1, this.acceptedEven);
      if (typeof p.label === 'string' && invoice.label !== p.label) continue;
      invoices.push(invoice);
    }
    return { result: { invoices } };
  }

  /** wait: answers at once when the index has reached `nextvalue`, else when it does. */
  private async wait(p: Record<string, unknown>): Promise<Answer> {
    const counts: Record<string, () => number> = {
      sendpays: () => this.node.attempts.length,
      invoices: () => this.node.receipts.length,
    };
    const count = typeof p.subsystem === 'string' ? counts[p.subsystem] : undefined;
    if (!count || p.indexname !== 'created' || typeof p.nextvalue !== 'number')
      return rpcError(PARAMS_INVALID, 'wait: subsystem sendpays or invoices, indexname created, nextvalue');
    const next = p.nextvalue;
    if (count() < next)
      await new Promise<void>((resolve) => {
        const check = (): void => {
          if (count() < next) return;
          this.waiting.delete(check);
          resolve();
        };
        this.waiting.add(check);
      });
    const created = count();
    return { result: { subsystem: p.subsystem, ...(created > 0 ? { created } : {}) } };
  }
}

function unknownCommand(method: string): Answer {
  return rpcError(METHOD_NOT_FOUND, `Unknown command '${method}'`);
}

/** `index`/`start`/`limit` as Core Lightning takes them (start and limit need index "created"). */
function indexRange(p: Record<string, unknown>): { start: number; limit: number | null } | string {
  if (p.start === undefined && p.limit === undefined) return { start: 1, limit: null };
  if (p.index !== 'created') return 'index: start and limit need index "created"';
  const start = p.start ?? 1;
  if (typeof start !== 'number' || !Number.isSafeInteger(start) || start < 0) return 'start: should be a u64';
  if (p.limit !== undefined && (typeof p.limit !== 'number' || !Number.isSafeInteger(p.limit) || p.limit < 0))
    return 'limit: should be a u32';
  return { start: Math.max(1, start), limit: (p.limit as number | undefined) ?? null };
}

export interface FakeClnServer {
  readonly cln: FakeClnNode;
  close(): Promise<void>;
}

/**
 * lightningd's JSON-RPC socket for `node`, in a new temp folder: reads concatenated JSON request
 * objects, answers each with one JSON object followed by a blank line, as lightningd does.
 */
export async function startFakeClnRpc(
  node: FakeNode,
  options: FakeClnOptions = {},
): Promise<FakeClnServer & { readonly socketPath: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-cln-'));
  const socketPath = path.join(dir, 'lightning-rpc');
  const cln = new FakeClnNode(node, options);
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

export interface FakeClnRestOptions extends FakeClnOptions {
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
  const cln = new FakeClnNode(node, options);
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
