/**
 * Builds the two read-only dashboards (docs/DASHBOARDS.md) into `dist/web/`: each page's
 * TypeScript under `web/` bundled with esbuild, uPlot and the attestation verifier included, into
 * content-hashed files under `assets/`, and its HTML shell pointing at them. The oracle and the
 * settlement client serve these files and nothing else (src/dashboard/files.ts): no CDN, no inline
 * script, so a content security policy of `script-src 'self'` holds. `npm run build` runs this
 * after tsc; the browser tests call buildDashboards() before they start a server.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { DEFAULT_DASHBOARD_DIR } from '../src/dashboard/files.js';

/** The pages, by the name their HTML is served under. */
export const DASHBOARD_PAGES = ['oracle', 'agreement'] as const;
export type DashboardPage = (typeof DASHBOARD_PAGES)[number];

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where the servers look for the build (src/dashboard/files.ts reads the same place). */
export const DEFAULT_OUT_DIR = DEFAULT_DASHBOARD_DIR;
const PLACEHOLDER = '<!--ASSETS-->';

/** Bundles every page into `outDir` (emptied first); resolves with the files written, relative to it. */
export async function buildDashboards(outDir: string = DEFAULT_OUT_DIR): Promise<string[]> {
  rmSync(outDir, { recursive: true, force: true });
  const assetsDir = join(outDir, 'assets');
  mkdirSync(assetsDir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: Object.fromEntries(DASHBOARD_PAGES.map((page) => [page, join(ROOT, 'web', page, 'main.ts')])),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // BigInt and the other ES2022 features the verifier uses; every current browser has them.
    target: ['es2022'],
    minify: true,
    entryNames: '[name]-[hash]',
    outdir: assetsDir,
    metafile: true,
    // uPlot's and noble's licence notices stay with the code they cover.
    legalComments: 'eof',
    logLevel: 'warning',
    absWorkingDir: ROOT,
  });
  const written: string[] = [];
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    written.push(relative(outDir, join(ROOT, file)));
    if (output.entryPoint === undefined) continue;
    const page = DASHBOARD_PAGES.find((p) => output.entryPoint === `web/${p}/main.ts`);
    if (page === undefined) continue;
    const script = basename(file);
    const style = output.cssBundle === undefined ? null : basename(output.cssBundle);
    const tags = [
      ...(style === null ? [] : [`<link rel="stylesheet" href="/assets/${style}">`]),
      `<script type="module" src="/assets/${script}"></script>`,
    ].join('\n    ');
    const shell = readFileSync(join(ROOT, 'web', page, 'index.html'), 'utf8');
    if (!shell.includes(PLACEHOLDER)) throw new Error(`web/${page}/index.html has no ${PLACEHOLDER} line`);
    writeFileSync(join(outDir, `${page}.html`), shell.replace(PLACEHOLDER, tags));
    written.push(`${page}.html`);
  }
  return written.sort();
}

// Run as a script (npm run build). No top-level await: the tests import this module, and a module
// graph with one is loaded twice by the test runner (require first, then import), which doubles it.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildDashboards().then(
    (files) =>
      process.stdout.write(`dashboards built in ${relative(process.cwd(), DEFAULT_OUT_DIR)}: ${files.join(', ')}\n`),
    (err: unknown) => {
      process.stderr.write(`the dashboards could not be built: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
