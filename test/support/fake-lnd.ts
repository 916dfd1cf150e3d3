/**
 * A fake LND REST gateway on 127.0.0.1 wrapping one FakeNode: the grpc-gateway shapes of
 * /v1/getinfo, /v1/channels, /v2/router/send (a newline-delimited stream: IN_FLIGHT, then
 * SUCCEEDED or FAILED, or nothing more while the payment is pending), /v2/router/track/{hash} and
 * /v1/invoices, with LND's error shape `{code, message, details}` and its HTTP statuses. Every call
 * must carry the macaroon in `Grpc-Metadata-macaroon` (hex), as lnd checks it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { FakeNode, FakePayment } from './fake-lightning.js';

/** Self-signed P-256 certificate for 127.0.0.1 / localhost, valid to 2126: test use only. */
export const FAKE_LND_TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBmTCCAT+gAwIBAgIUTifHcuHc0039p3nl6vchyJ5usdswCgYIKoZIzj0EAwIw
EzERMA8GA1UEAwwIZmFrZS1sbmQwIBcNMjYxMTMwMDQwNjE4WhgPMjEyNjExMDYw
NDA2MThaMBMxETAPBgNVBAMMCGZha2UtbG5kMFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAEoU7MGB2hJvAFc8sTQZgXQhDlCdWbGhqPGNtJfNknGXfgHzjuoCry+B03
dyqXzjwn+vx+9NQmNXN5NZoZplMGUKNvMG0wHQYDVR0OBBYEFPUbufDdIWqSmcnP
xOSkOpkyClsVMB8GA1UdIwQYMBaAFPUbufDdIWqSmcnPxOSkOpkyClsVMA8GA1Ud
EwEB/wQFMAMBAf8wGgYDVR0RBBMwEYcEfwAAAYIJbG9jYWxob3N0MAoGCCqGSM49
BAMCA0gAMEUCIQDr+s3gSgzZUDKwDggA8aLwJb/HdJRNYgK4cQiW4YyRagIgaRzf
imDxEib6Yd1yBCjdjmZjN38kgKFP/Z15lGSknWs=
-----END CERTIFICATE-----
`;
const FAKE_LND_TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgbyjO61p1DQmFQy+W
O02GmRbV5FHqWE5G8zkGfl4wx5ChRANCAAShTswYHaEm8AVzyxNBmBdCEOUJ1Zsa
Go8Y20l82ScZd+AfOO6gKvL4HTd3KpfOPCf6/H701CY1c3k1mhmmUwZQ
-----END PRIVATE KEY-----
`;
/** Another self-signed certificate for 127.0.0.1: a CA that must NOT be trusted for the fake. */
export const OTHER_TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBiDCCAS6gAwIBAgIUHhRxSlIfw/nviwrdpr+qqrXHbz4wCgYIKoZIzj0EAwIw
EDEOMAwGA1UEAwwFb3RoZXIwIBcNMjYxMTMwMDQwNjE4WhgPMjEyNjExMDYwNDA2
MThaMBAxDjAMBgNVBAMMBW90aGVyMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
63R/v/N6eusISfu44og6Giqc2JAU02dC/lNA0j8kfhxk+RK4O3OFO2mOKflDkwE0
bTzeZGeVi0TAPLjBZkmHEKNkMGIwHQYDVR0OBBYEFKyz3yiNyrrHKXtc/eOhZaPo
vhQ9MB8GA1UdIwQYMBaAFKyz3yiNyrrHKXtc/eOhZaPovhQ9MA8GA1UdEwEB/wQF
MAMBAf8wDwYDVR0RBAgwBocEfwAAATAKBggqhkjOPQQDAgNIADBFAiALR2MEFdO1
+aUd7xjVrMbZqTRrD4fSct8EoHuHEvQmvwIhAPW5zPyAnKEYaWlPwyfkCvo0Il82
xowsttt9KZrPYtJl
-----END CERTIFICATE-----
`;

const PREIMAGE_RECORD = '5482373484';
/** lnd's default dust limit for a commitment output, sat. */
const DUST_LIMIT_SAT = 354n;
/** grpc-gateway's HTTPStatusFromCode for the codes the fake uses. */
const HTTP_STATUS: Record<number, number> = {
  2: 500,
  3: 400,
  5: 404,
  6: 409,
  7: 403,
  9: 400,
  12: 501,
  14: 503,
  16: 401,
};

export interface FakeLnd {
  /** Base URL, e.g. https://127.0.0.1:PORT. */
  readonly url: string;
  /** The macaroon the fake accepts (raw bytes, as lnd writes admin.macaroon). */
  readonly macaroon: Buffer;
  /** Every SendPaymentV2 request body, as received. */
  readonly sendRequests: Record<string, unknown>[];
  close(): Promise<void>;
}

export interface FakeLndOptions {
  /** Serve HTTPS with FAKE_LND_TLS_CERT (default true); false serves plain HTTP. */
  readonly tls?: boolean;
}

/** Starts a fake LND REST gateway for `node` on 127.0.0.1, port 0. */
export async function startFakeLnd(node: FakeNode, options: FakeLndOptions = {}): Promise<FakeLnd> {
  const macaroon = randomBytes(64);
  const sendRequests: Record<string, unknown>[] = [];
  const watchers = new Set<() => void>();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void route(req, res).catch(() => {
      if (!res.headersSent) sendError(res, 13, 'internal error');
      else res.end();
    });
  };
  const tls = options.tls ?? true;
  const server: Server = tls
    ? createHttpsServer({ cert: FAKE_LND_TLS_CERT, key: FAKE_LND_TLS_KEY }, handler)
    : createHttpServer(handler);
  // Pending payments finish when a test resolves them; open streams notice on the next poll.
  const poll = setInterval(() => watchers.forEach((w) => w()), 5);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const streaming = url.pathname === '/v2/router/send' || url.pathname.startsWith('/v2/router/track/');
    const given = req.headers['grpc-metadata-macaroon'];
    if (typeof given !== 'string' || given === '') return sendError(res, 2, 'expected 1 macaroon, got 0', streaming);
    if (given !== macaroon.toString('hex'))
      return sendError(res, 2, 'verification failed: signature mismatch after caveat verification', streaming);
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    if (req.method === 'GET' && url.pathname === '/v1/getinfo') return sendJson(res, getInfo());
    if (req.method === 'GET' && url.pathname === '/v1/channels') return sendJson(res, { channels: listChannels() });
    if (req.method === 'GET' && url.pathname === '/v1/channels/pending') return sendJson(res, pendingChannels());
    if (req.method === 'GET' && url.pathname === '/v1/channels/closed') return sendJson(res, closedChannels());
    if (req.method === 'GET' && url.pathname === '/v1/invoices') return sendJson(res, listInvoices(url.searchParams));
    if (req.method === 'POST' && url.pathname === '/v2/router/send') return sendPayment(res, body);
    if (req.method === 'GET' && url.pathname.startsWith('/v2/router/track/'))
      return trackPayment(res, decodeURIComponent(url.pathname.slice('/v2/router/track/'.length)));
    return sendError(res, 12, `unknown method ${req.method} ${url.pathname}`);
  }

  function getInfo(): Record<string, unknown> {
    const active = node.channels().filter((c) => isActive(c)).length;
    return {
      version: '0.18.0-beta',
      identity_pubkey: node.id,
      alias: node.alias,
      num_active_channels: active,
      num_peers: active,
      block_height: 800000,
      synced_to_chain: true,
      synced_to_graph: true,
      chains: [{ chain: 'bitcoin', network: 'regtest' }],
    };
  }

  function isActive(c: ReturnType<FakeNode['channels']>[number]): boolean {
    return c.state === 'normal' && node.connected && node.sides(c).peer.connected;
  }

  // A closing channel is no longer in ListChannels: lnd moves it to PendingChannels.
  function listChannels(): Record<string, unknown>[] {
    return node
      .channels()
      .filter((c) => c.state === 'normal')
      .map((c) => {
        const { local, remote, peer, opener, offeredLocal, offeredRemote } = node.sides(c);
        const reserveSat = (c.reserveMsat / 1000n).toString();
        const fees = c.commitFeeMsat + c.anchorsMsat;
        // lnd's balances are its commitment's outputs before dust trimming: each side less the
        // HTLCs it offered and, at the initiator, less the commitment fee and the anchors; in whole
        // sats, the msat remainder truncated.
        const localSat = (local - offeredLocal - (opener ? fees : 0n)) / 1000n;
        const remoteSat = (remote - offeredRemote - (opener ? 0n : fees)) / 1000n;
        const capacitySat = (local + remote) / 1000n;
        const htlcs = c.htlcs.map((h) => ({
          incoming: h.offerer !== node,
          amount: (h.amountMsat / 1000n).toString(),
          hash_lock: b64(h.paymentHash),
          expiration_height: 800040,
          htlc_index: '0',
          forwarding_channel: '0',
          forwarding_htlc_index: '0',
          locked_in: true,
        }));
        const htlcSat = c.htlcs.map((h) => h.amountMsat / 1000n);
        // commit_fee is capacity minus the commitment transaction's outputs: it also holds the
        // msat remainders and every output trimmed as dust.
        const outputs = [localSat, remoteSat, ...htlcSat].filter((sat) => sat >= DUST_LIMIT_SAT);
        const sumOutputs = outputs.reduce((sum, sat) => sum + sat, c.anchorsMsat / 1000n);
        const constraints = {
          csv_delay: 144,
          chan_reserve_sat: reserveSat,
          dust_limit_sat: String(DUST_LIMIT_SAT),
          max_pending_amt_msat: '99000000',
          min_htlc_msat: '1',
          max_accepted_htlcs: 483,
        };
        return {
          active: isActive(c),
          remote_pubkey: peer.id,
          channel_point: c.channelPoint,
          chan_id: c.lndChanId,
          capacity: capacitySat.toString(),
          local_balance: localSat.toString(),
          remote_balance: remoteSat.toString(),
          commit_fee: (capacitySat - sumOutputs).toString(),
          commit_weight: '772',
          fee_per_kw: '253',
          unsettled_balance: htlcSat.reduce((sum, sat) => sum + sat, 0n).toString(),
          total_satoshis_sent: '0',
          total_satoshis_received: '0',
          num_updates: '1',
          pending_htlcs: htlcs,
          csv_delay: 144,
          private: true,
          initiator: opener,
          chan_status_flags: 'ChanStatusDefault',
          local_chan_reserve_sat: reserveSat,
          remote_chan_reserve_sat: reserveSat,
          static_remote_key: false,
          commitment_type: c.anchorsMsat > 0n ? 'ANCHORS' : 'STATIC_REMOTE_KEY',
          lifetime: '100',
          uptime: '100',
          close_address: '',
          push_amount_sat: '0',
          thaw_height: 0,
          local_constraints: constraints,
          remote_constraints: constraints,
          alias_scids: [],
          zero_conf: false,
          zero_conf_confirmed_scid: '0',
          peer_alias: peer.alias,
          peer_scid_alias: '0',
          memo: '',
        };
      });
  }

  /** PendingChannels: channels being opened, closed mutually (waiting_close) or by force (on chain). */
  function pendingChannels(): Record<string, unknown> {
    const of = (state: string) =>
      node
        .channels()
        .filter((c) => c.state === state)
        .map((c) => {
          const { local, remote, peer, opener } = node.sides(c);
          return {
            channel: {
              remote_node_pub: peer.id,
              channel_point: c.channelPoint,
              capacity: ((local + remote) / 1000n).toString(),
              local_balance: (local / 1000n).toString(),
              remote_balance: (remote / 1000n).toString(),
              local_chan_reserve_sat: (c.reserveMsat / 1000n).toString(),
              remote_chan_reserve_sat: (c.reserveMsat / 1000n).toString(),
              initiator: opener ? 'INITIATOR_LOCAL' : 'INITIATOR_REMOTE',
              commitment_type: 'ANCHORS',
              num_forwarding_packages: '0',
              chan_status_flags: '',
              private: true,
              memo: '',
            },
            limbo_balance: (local / 1000n).toString(),
          };
        });
    return {
      total_limbo_balance: '0',
      pending_open_channels: of('opening'),
      pending_closing_channels: [],
      pending_force_closing_channels: of('onchain'),
      waiting_close_channels: of('closing'),
    };
  }

  function closedChannels(): Record<string, unknown> {
    return {
      channels: node
        .channels()
        .filter((c) => c.state === 'closed')
        .map((c) => {
          const { local, remote, peer } = node.sides(c);
          return {
            channel_point: c.channelPoint,
            chan_id: c.lndChanId,
            chain_hash: '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206',
            closing_tx_hash: 'ab'.repeat(32),
            remote_pubkey: peer.id,
            capacity: ((local + remote) / 1000n).toString(),
            close_height: 800_100,
            settled_balance: (local / 1000n).toString(),
            time_locked_balance: '0',
            close_type: 'COOPERATIVE_CLOSE',
            open_initiator: 'INITIATOR_LOCAL',
            close_initiator: 'INITIATOR_LOCAL',
            resolutions: [],
          };
        }),
    };
  }

  function sendPayment(res: ServerResponse, body: unknown): void {
    const fault = node.nextFault;
    if (fault?.kind === 'rpc_error') {
      node.nextFault = null;
      return sendError(res, fault.code, fault.message, true);
    }
    const request = checkSendRequest(body);
    if (typeof request === 'string') return sendError(res, 2, request, true);
    sendRequests.push(body as Record<string, unknown>);
    const existing = node.payments.get(request.paymentHash);
    if (existing?.status === 'complete') return sendError(res, 6, 'invoice is already paid', true);
    if (existing?.status === 'pending') return sendError(res, 6, 'payment is in transition', true);
    if (fault?.kind === 'hang') {
      // lnd accepted the payment but the gateway says nothing: no headers, no update.
      node.keysend({ ...request, label: '' });
      return;
    }
    if (fault?.kind === 'drop') {
      // lnd took the payment, and the connection drops before any update.
      node.keysend({ ...request, label: '' });
      return void res.destroy();
    }
    const payment = node.keysend({ ...request, label: '' });
    // The payment is already decided here, but lnd first reports it in flight unless told not to.
    if (request.inflightUpdates) writeLine(res, { ...payment, status: 'pending' });
    streamPayment(res, payment);
  }

  function trackPayment(res: ServerResponse, encoded: string): void {
    const hash = decodeBytes(encoded);
    if (!hash || hash.length !== 32) return sendError(res, 3, 'invalid payment hash', true);
    const payment = node.payments.get(hash.toString('hex'));
    if (!payment) return sendError(res, 5, "payment isn't initiated", true);
    streamPayment(res, payment);
  }

  /** Writes the payment's current state, then its final one, and ends the stream there. */
  function streamPayment(res: ServerResponse, payment: FakePayment): void {
    writeLine(res, payment);
    if (payment.status !== 'pending') return void res.end();
    const watch = (): void => {
      if (payment.status === 'pending') return;
      watchers.delete(watch);
      writeLine(res, payment);
      res.end();
    };
    watchers.add(watch);
    res.on('close', () => watchers.delete(watch));
  }

  function listInvoices(params: URLSearchParams): Record<string, unknown> {
    const offset = Number(params.get('index_offset') ?? '0');
    const max = Number(params.get('num_max_invoices') ?? '100') || 100;
    const createdFrom = Number(params.get('creation_date_start') ?? '0');
    const all = node.receipts
      .map((r, i) => invoiceJson(r, i + 1))
      .filter((inv) => Number(inv.creation_date) >= createdFrom);
    const page = all.filter((inv) => Number(inv.add_index) > offset).slice(0, max);
    return {
      invoices: page,
      last_index_offset: page.length ? page[page.length - 1]!.add_index : '0',
      first_index_offset: page.length ? page[0]!.add_index : '0',
    };
  }

  function invoiceJson(
    r: FakeNode['receipts'][number],
    index: number,
  ): Record<string, string | unknown> & { add_index: string; creation_date: string } {
    const payer = node.network.nodes.map((n) => n.payments.get(r.paymentHash)).find((p) => p !== undefined);
    const preimage = payer?.preimage ?? '00'.repeat(32);
    const keysend = r.kind === 'keysend';
    // A keysend carries its preimage in a record; an invoice's preimage is the payee's own.
    const records: Record<string, string> = keysend ? { [PREIMAGE_RECORD]: b64(preimage) } : {};
    for (const [type, value] of Object.entries(r.customRecords)) records[type] = b64(value);
    const seconds = String(Math.floor(r.settledAt / 1000));
    return {
      memo: keysend ? '' : r.label,
      r_preimage: b64(preimage),
      r_hash: b64(r.paymentHash),
      value: (r.amountMsat / 1000n).toString(),
      value_msat: r.amountMsat.toString(),
      settled: true,
      creation_date: seconds,
      settle_date: seconds,
      payment_request: keysend ? '' : `lnbcrt${r.amountMsat}n1fake${r.paymentHash.slice(0, 16)}`,
      description_hash: null,
      expiry: '86400',
      fallback_addr: '',
      cltv_expiry: '40',
      route_hints: [],
      private: false,
      add_index: String(index),
      settle_index: String(index),
      amt_paid: (r.amountMsat / 1000n).toString(),
      amt_paid_sat: (r.amountMsat / 1000n).toString(),
      amt_paid_msat: r.amountMsat.toString(),
      state: 'SETTLED',
      htlcs: [
        {
          chan_id: node.channels()[0]?.lndChanId ?? '0',
          htlc_index: String(index),
          amt_msat: r.amountMsat.toString(),
          accept_height: 800000,
          accept_time: seconds,
          resolve_time: seconds,
          expiry_height: 800040,
          state: 'SETTLED',
          custom_records: records,
          mpp_total_amt_msat: r.amountMsat.toString(),
          amp: null,
        },
      ],
      features: {},
      is_keysend: keysend,
      payment_addr: b64('00'.repeat(32)),
      is_amp: false,
      amp_invoice_state: {},
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    macaroon,
    sendRequests,
    close: async () => {
      clearInterval(poll);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type CheckedSend = {
  destination: string;
  amountMsat: bigint;
  maxFeeMsat: bigint;
  preimage: string;
  customRecords: Record<string, string>;
  paymentHash: string;
  inflightUpdates: boolean;
};

/** Checks a SendPaymentRequest as lnd's router would; returns lnd's error text for a bad one. */
function checkSendRequest(body: unknown): CheckedSend | string {
  if (typeof body !== 'object' || body === null) return 'invalid request body';
  const b = body as Record<string, unknown>;
  const dest = typeof b.dest === 'string' ? decodeBytes(b.dest) : null;
  if (!dest || dest.length !== 33) return 'invalid vertex length of 0, want 33';
  if (typeof b.amt_msat !== 'string' || !/^\d+$/.test(b.amt_msat)) return 'amount must be specified';
  if (typeof b.fee_limit_msat !== 'string' || !/^\d+$/.test(b.fee_limit_msat)) return 'fee limit must be specified';
  if (typeof b.timeout_seconds !== 'number' || b.timeout_seconds <= 0) return 'timeout_seconds must be specified';
  const hash = typeof b.payment_hash === 'string' ? decodeBytes(b.payment_hash) : null;
  if (!hash || hash.length !== 32) return 'invalid hash length of 0, expected 32';
  const records = b.dest_custom_records;
  if (typeof records !== 'object' || records === null) return 'keysend requires the preimage custom record';
  const decoded: Record<string, string> = {};
  for (const [type, value] of Object.entries(records as Record<string, unknown>)) {
    const bytes = typeof value === 'string' ? decodeBytes(value) : null;
    if (!bytes) return `invalid custom record ${type}`;
    decoded[type] = bytes.toString('hex');
  }
  const preimage = decoded[PREIMAGE_RECORD];
  if (!preimage || createHash('sha256').update(Buffer.from(preimage, 'hex')).digest().compare(hash) !== 0)
    return 'keysend preimage does not match payment hash';
  const { [PREIMAGE_RECORD]: _preimage, ...customRecords } = decoded;
  for (const type of Object.keys(customRecords))
    if (BigInt(type) < 65536n) return `custom record ${type} below the custom range`;
  return {
    destination: dest.toString('hex'),
    amountMsat: BigInt(b.amt_msat),
    maxFeeMsat: BigInt(b.fee_limit_msat),
    preimage,
    customRecords,
    paymentHash: hash.toString('hex'),
    inflightUpdates: b.no_inflight_updates !== true,
  };
}

/** lnrpc.Payment for a fake payment. Fault messages that name a FAILURE_REASON_* are used as is. */
function paymentJson(p: FakePayment): Record<string, unknown> {
  const status = p.status === 'complete' ? 'SUCCEEDED' : p.status === 'failed' ? 'FAILED' : 'IN_FLIGHT';
  return {
    payment_hash: p.paymentHash,
    value: (p.amountMsat / 1000n).toString(),
    creation_date: String(Math.floor(p.createdAt / 1000)),
    fee: p.status === 'complete' ? (p.feeMsat / 1000n).toString() : '0',
    payment_preimage: p.status === 'complete' ? p.preimage : '0'.repeat(64),
    value_sat: (p.amountMsat / 1000n).toString(),
    value_msat: p.amountMsat.toString(),
    payment_request: '',
    status,
    fee_sat: p.status === 'complete' ? (p.feeMsat / 1000n).toString() : '0',
    fee_msat: p.status === 'complete' ? p.feeMsat.toString() : '0',
    creation_time_ns: (BigInt(p.createdAt) * 1_000_000n).toString(),
    htlcs: [],
    payment_index: '1',
    failure_reason: p.status === 'failed' ? failureReason(p.failure ?? '') : 'FAILURE_REASON_NONE',
    first_hop_custom_records: {},
  };
}

function failureReason(message: string): string {
  if (message.startsWith('FAILURE_REASON_')) return message;
  if (message.includes('insufficient')) return 'FAILURE_REASON_INSUFFICIENT_BALANCE';
  if (message.includes('no route') || message.includes('fee')) return 'FAILURE_REASON_NO_ROUTE';
  return 'FAILURE_REASON_ERROR';
}

/** As grpc-gateway's runtime.Bytes: standard base64, else URL-safe base64 (both padded). */
function decodeBytes(text: string): Buffer | null {
  if (/^[A-Za-z0-9+/]*={0,2}$/.test(text) && text.length % 4 === 0) return Buffer.from(text, 'base64');
  if (/^[A-Za-z0-9_-]*={0,2}$/.test(text) && text.length % 4 === 0) return Buffer.from(text, 'base64url');
  return null;
}

function b64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

function writeLine(res: ServerResponse, payment: FakePayment): void {
  if (!res.headersSent) res.writeHead(200, { 'content-type': 'application/json' });
  res.write(`${JSON.stringify({ result: paymentJson(payment) })}\n`);
}

function sendJson(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** lnd's error: `{code, message, details}`, wrapped in `{error}` on a stream, with grpc-gateway's status. */
function sendError(res: ServerResponse, code: number, message: string, stream = false): void {
  const status = { code, message, details: [] };
  res.writeHead(HTTP_STATUS[code] ?? 500, { 'content-type': 'application/json' });
  res.end(JSON.stringify(stream ? { error: status } : status));
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        resolve(undefined);
      }
    });
  });
}
