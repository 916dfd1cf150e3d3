/**
 * What the DLC oracle's own work costs the signing loop: one pass that announces a day of events
 * and attests one, run in one piece (pass(), as tools and tests run it: the baseline) and as a
 * running oracle runs it, a step per turn of the event loop (start()). For each, the wall time of
 * the pass and how late a 10 ms timer ran meanwhile (monitorEventLoopDelay), in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { generateKeyFile } from '../src/attest/keys.js';
import { ManualClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/log.js';
import { dlcConfigSchema } from '../src/dlc/config.js';
import { openDlcService } from '../src/dlc/open.js';
import type { DlcService } from '../src/dlc/service.js';
import type { AttestationJson } from '../src/attest/types.js';
import { BENCH_SECRET_KEY, signedTick, syntheticInput } from './fixtures.js';

const HOUR_MS = 3_600_000;
/** An hour boundary in 2026: the event maturing then is attested by the measured pass. */
const MATURITY_MS = 494_444 * HOUR_MS;

/** One way of running the pass. */
export interface DlcPassTiming {
  readonly announced: number;
  readonly attested: number;
  readonly wallMs: number;
  /** Longest delay of a 10 ms timer while the pass ran. */
  readonly timerMaxMs: number;
}

export interface DlcPassResult {
  readonly inOnePiece: DlcPassTiming;
  readonly inTurns: DlcPassTiming;
}

/** A DLC service whose next pass announces the default schedule's next day and attests one event. */
function readyService(dir: string): DlcService {
  const config = dlcConfigSchema.parse({
    enabled: true,
    nonceSecretFile: join(dir, 'keys', 'dlc-nonce.key'),
    journalFile: join(dir, 'journal', 'dlc.jsonl'),
  });
  generateKeyFile(config.nonceSecretFile);
  const clock = new ManualClock(MATURITY_MS - 1_000);
  const index: AttestationJson[] = [];
  const history = { range: () => index };
  const options = { config, dataDir: join(dir, 'data'), keyFile: join(dir, 'keys', 'oracle.key') };
  const service = openDlcService({ ...options, secretKey: BENCH_SECRET_KEY, history, clock, logger: silentLogger });
  service.pass(); // announces the day ahead, the event at MATURITY_MS among them
  index.push(signedTick(syntheticInput(20, MATURITY_MS + 1_000), BigInt(MATURITY_MS + 1_000)));
  clock.set(MATURITY_MS + HOUR_MS + 2_000); // one more hour to announce, the event at MATURITY_MS to attest
  return service;
}

type Pass = { readonly announced: number; readonly attested: number };

async function measure(run: (service: DlcService) => Promise<Pass>): Promise<DlcPassTiming> {
  const dir = mkdtempSync(join(tmpdir(), 'peer-stables-bench-dlc-'));
  const service = readyService(dir);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  // The timer runs a little either side of the pass, so the monitor sees a delay the pass causes.
  const settle = () => new Promise((r) => setTimeout(r, 50));
  try {
    delay.enable();
    await settle();
    const started = performance.now();
    const { announced, attested } = await run(service);
    const wallMs = performance.now() - started;
    await settle();
    delay.disable();
    return { announced, attested, wallMs, timerMaxMs: Math.max(0, delay.max / 1e6 - 10) };
  } finally {
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the same pass both ways. */
export async function benchDlcPass(): Promise<DlcPassResult> {
  const inOnePiece = await measure((service) => Promise.resolve(service.pass()));
  const inTurns = await measure((service) => service.passInTurns());
  return { inOnePiece, inTurns };
}
