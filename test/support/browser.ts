/**
 * Debian's Chromium, driven by playwright-core, for the dashboard tests. No browser is downloaded:
 * the tests use the one installed on the machine (`apt-get install -y chromium`; `.ci/run` installs
 * it when missing), or CHROMIUM_PATH, and fail at once, naming the install command, when there is
 * none. Every page records its console errors and uncaught exceptions, which the tests assert away.
 */
import { existsSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The flags this machine's closed network needs (no background connections, no QUIC, no GPU). */
const FLAGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Launches headless Chromium (a fresh profile each time); throws naming the install command when it is missing. */
export async function launchChromium(executablePath: string = CHROMIUM_PATH): Promise<Browser> {
  if (!existsSync(executablePath))
    throw new Error(
      `the browser tests need Chromium at ${executablePath}: install it with \`sudo apt-get install -y chromium\` ` +
        '(Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium or Chrome executable',
    );
  return chromium.launch({ executablePath, headless: true, chromiumSandbox: false, args: FLAGS });
}

/** A page of a fixed size whose console errors and exceptions are collected in `errors`. */
export async function openPage(browser: Browser, at: number): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    timezoneId: 'UTC',
    locale: 'en-US',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`exception: ${err.message}`));
  await page.clock.setFixedTime(at);
  return { page, errors };
}

/**
 * A transparent HTTP proxy in front of `upstream`, so the page's origin is the proxy's: what the
 * page fetches is the oracle's answer, except that `inject` writes an event of the test's into
 * every /stream the page holds, as a tampering server or mirror could.
 */
export async function startTamperingProxy(upstream: string): Promise<{
  url: string;
  inject(frame: string): number;
  close(): Promise<void>;
}> {
  const streams = new Set<ServerResponse>();
  const target = new URL(upstream);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const forward = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (req.url === '/stream') {
          streams.add(res);
          res.once('close', () => streams.delete(res));
        }
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    inject: (frame) => {
      for (const res of streams) res.write(frame);
      return streams.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
