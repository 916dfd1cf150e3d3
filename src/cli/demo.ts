/**
 * `peer-stables demo` (npm run demo): the offline way to see the whole thing work. Starts the
 * exchange simulator on the calm scenario, an oracle with a throw-away key pointed at it, fetches
 * /price and /funding over HTTP and verifies them exactly as a client would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyFile } from '../attest/keys.js';
import { createLogger } from '../core/log.js';
import { startOracle } from '../oracle/run.js';
import { loadScenario, startSimulator } from '../sim/index.js';
import { simulatedConfig } from '../sim/oracle-config.js';
import { verifyCommand } from './verify.js';

const packageFile = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));

async function waitFor(url: string, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const response = await fetch(url);
    if (response.ok) return;
    if (Date.now() > until) throw new Error(`no signed quote within ${deadlineMs} ms: ${await response.text()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function runDemo(opts: { keep: boolean }): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'peer-stables-demo-'));
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const sim = await startSimulator(loadScenario(packageFile('config/scenarios/calm.json')), { port: 0 });
  try {
    const config = simulatedConfig({
      baseUrlFor: (id) => sim.baseUrlFor(id),
      dir,
      fundingTickIntervalMs: 5_000,
      fundingPollIntervalMs: 1_000,
    });
    const { publicKeyHex } = generateKeyFile(config.oracle.keyFile);
    out(`exchange simulator on ${sim.url}`);
    const oracle = await startOracle(config, { logger: createLogger({ level: 'warn' }) });
    try {
      out(`oracle on ${oracle.url}, public key ${publicKeyHex}`);
      for (const path of ['/price', '/funding']) {
        await waitFor(`${oracle.url}${path}`, 15_000);
        const body = await (await fetch(`${oracle.url}${path}`)).text();
        out(`\nGET ${oracle.url}${path}\n${body}`);
        out(await verifyCommand(`${oracle.url}${path}`, { pubkey: publicKeyHex, maxAge: 120 }));
      }
      if (opts.keep) {
        out(`running; verify it yourself: npx peer-stables verify ${oracle.url}/price --pubkey ${publicKeyHex}`);
        out(`or open the dashboard (docs/DASHBOARDS.md): ${oracle.url}/`);
        out('Ctrl-C to stop');
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
      }
    } finally {
      await oracle.close();
    }
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
