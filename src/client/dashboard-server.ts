/**
 * The agreement dashboard (docs/DASHBOARDS.md), served by the settlement client: the page at /, its
 * assets, and /status.json, the same figures as `peer-stables status --json`, read from the ledger
 * at each request. Read-only: GET and HEAD only, nothing that changes the ledger or the node. It
 * shows the channel's balances, so it binds to 127.0.0.1 by default, and it answers only requests
 * addressed to an IP address, `localhost` or the host it is bound to: a web page elsewhere cannot
 * rebind a domain of its own to this port to read it. Nothing secret is in the status
 * (src/client/status-report.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeDashboardFile, type DashboardFiles } from '../dashboard/files.js';
import type { Logger } from '../core/log.js';
import type { AgreementStatus } from './status-report.js';

/** Where the dashboard listens unless told otherwise: loopback only. */
export const DEFAULT_DASHBOARD_ADDRESS = { host: '127.0.0.1', port: 8081 } as const;

export interface AgreementDashboard {
  readonly url: string;
  close(): Promise<void>;
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** Whether the Host header names an address (not a domain a stranger could point here) or our own host. */
export function isAllowedHost(header: string | undefined, boundHost: string): boolean {
  if (header === undefined) return false;
  const hostname = header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : header.replace(/:\d+$/, '');
  const bare = hostname.toLowerCase();
  return bare === 'localhost' || IPV4.test(bare) || bare.startsWith('[') || bare === boundHost.toLowerCase();
}

function answer(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res
    .writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers })
    .end(`${text}\n`);
}

function handle(
  req: IncomingMessage,
  res: ServerResponse,
  files: DashboardFiles,
  status: () => AgreementStatus,
  host: string,
): void {
  if (!isAllowedHost(req.headers.host, host)) return answer(res, 421, 'this dashboard answers only its own address');
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return answer(res, 405, 'read-only: GET or HEAD', { Allow: 'GET, HEAD' });
  const path = (req.url ?? '/').split('?')[0] as string;
  if (path === '/status.json') {
    const body = Buffer.from(JSON.stringify(status()));
    res.writeHead(200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(body.length),
      'Cache-Control': 'no-store',
      'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  const file = files.get(path);
  if (file === undefined) return answer(res, 404, `not found: ${path.slice(0, 100)}`);
  writeDashboardFile(req, res, file);
}

/**
 * Listens on `host:port` (port 0: any free one) and serves the page `files` with `status()` at
 * /status.json. A status that throws (the ledger unreadable) answers 500 without its message.
 */
export async function serveAgreementDashboard(o: {
  files: DashboardFiles;
  status: () => AgreementStatus;
  host: string;
  port: number;
  logger: Logger;
}): Promise<AgreementDashboard> {
  const server = createServer((req, res) => {
    try {
      handle(req, res, o.files, o.status, o.host);
    } catch (err) {
      o.logger.error({ err }, 'agreement dashboard: could not answer');
      if (!res.headersSent) answer(res, 500, 'the status could not be read; see the client log');
      else res.destroy();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const shown = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${shown}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
