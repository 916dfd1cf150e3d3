/**
 * A dashboard's built files (scripts/build-dashboards.ts writes them to dist/web/), read once
 * into memory with the headers each is served with. The HTML carries its own content security
 * policy: scripts, styles and connections from this origin only, nothing inline, nothing framed.
 * The assets are content-hashed, so a browser may keep them for a year; the HTML is revalidated.
 * Both the oracle (src/server/dashboard.ts) and the settlement client (src/client/dashboard-server.ts)
 * serve through this module, so the two pages get the same policy.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where `npm run build` puts the dashboards, from src/ and from dist/ alike: beside the compiled code
 * (dist/<folder of src>), in a folder no source folder compiles to.
 */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** The policy of a dashboard page; `img-src data:` is for the empty favicon only. */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** One file ready to serve. */
export interface DashboardFile {
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  readonly etag: string;
}

/** A page's HTML and the assets it references, by URL path ("/" and "/assets/<name>"). */
export type DashboardFiles = ReadonlyMap<string, DashboardFile>;

const TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};
const ASSET_PATH = /\/assets\/([A-Za-z0-9_-]+\.(?:js|css))/g;

function file(body: Buffer, headers: Record<string, string>): DashboardFile {
  const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
  return { body, etag, headers: { ...headers, ETag: etag, 'X-Content-Type-Options': 'nosniff' } };
}

/**
 * Reads the page `page` ("oracle" or "agreement") and every asset its HTML names from `dir`.
 * Returns null when the page was not built (`npm run build` writes it); throws when the build is
 * incomplete (the HTML names an asset that is missing), which is a broken installation.
 */
export function loadDashboard(page: string, dir: string = DEFAULT_DASHBOARD_DIR): DashboardFiles | null {
  const htmlFile = join(dir, `${page}.html`);
  if (!existsSync(htmlFile)) return null;
  const html = readFileSync(htmlFile);
  const files = new Map<string, DashboardFile>();
  files.set(
    '/',
    file(html, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': PAGE_CSP,
      'Cache-Control': 'no-cache',
      'Referrer-Policy': 'no-referrer',
    }),
  );
  for (const [, name] of html.toString('utf8').matchAll(ASSET_PATH)) {
    const asset = name as string;
    const type = TYPES[asset.slice(asset.lastIndexOf('.'))] as string;
    const body = readFileSync(join(dir, 'assets', basename(asset)));
    files.set(
      `/assets/${asset}`,
      file(body, { 'Content-Type': type, 'Cache-Control': 'public, max-age=31536000, immutable' }),
    );
  }
  return files;
}

/** Writes `file` (200, or 304 when the browser has it; no body for HEAD). */
export function writeDashboardFile(req: IncomingMessage, res: ServerResponse, file: DashboardFile): void {
  if (isNotModified(req.headers['if-none-match'], file.etag)) {
    res.writeHead(304, file.headers).end();
    return;
  }
  res.writeHead(200, { ...file.headers, 'Content-Length': String(file.body.length) });
  res.end(req.method === 'HEAD' ? undefined : file.body);
}

/** Whether an If-None-Match header names `etag` (or `*`). */
function isNotModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || tag.trim().replace(/^W\//, '') === etag);
}
