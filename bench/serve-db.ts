/**
 * The databases the serving benchmark runs over: `days` of history ending at END_MS, as a 30-day
 * retention leaves it, built once through the real store and DLC service and cached in
 * bench/results/ (git-ignored). Each run works on a copy, so a cached database never changes.
 *
 * What is real: every DLC announcement and attestation (the real service, stepped through the
 * days on a manual clock with a pass every simulated minute, the default schedule: hourly and
 * daily events announced a day ahead), and the index attestation at every hour boundary the DLC
 * events settle on (aggregated from 20 synthetic sources and signed). What is synthetic: the other
 * index attestations (one every 5 s) and the funding_rate and perp_premium ones (every 60 s) are
 * copies of a signed one with observedAt and sequence changed, so their signatures do not verify;
 * the store does not check signatures and serving never does, so they weigh and cost the same.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toJson } from '../src/attest/json.js';
import { generateKeyFile } from '../src/attest/keys.js';
import type { AttestationJson } from '../src/attest/types.js';
import { ManualClock } from '../src/core/clock.js';
import { RATE_EXPONENT } from '../src/core/fixed.js';
import { silentLogger } from '../src/core/log.js';
import { dlcConfigSchema, type DlcConfig } from '../src/dlc/config.js';
import { DLC_DATABASE_FILE, openDlcService } from '../src/dlc/open.js';
import { signFigure } from '../src/oracle/figures.js';
import { DATABASE_FILE, openStore } from '../src/store/sqlite.js';
import { BENCH_SECRET_KEY, signedTick, syntheticInput } from './fixtures.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const INDEX_EVERY_MS = 5_000;
export const FUNDING_EVERY_MS = 60_000;
/** 2025-01-31T00:00:00Z: where every benchmark database ends, and where its live clock starts. */
export const END_MS = Date.UTC(2025, 0, 31);
/** Bump when the layout or content changes, so a stale cache is rebuilt. */
const FORMAT = 2;

export interface BenchDatabase {
  readonly days: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly attestations: number;
  readonly dlcAnnounced: number;
  readonly dlcAttested: number;
  /** Size of oracle.sqlite3 and dlc.sqlite3 together. */
  readonly bytes: number;
  readonly buildSeconds: number;
  /** The longest DLC pass after the first (one hourly announcement and attestation), in ms, on the oracle's loop. */
  readonly longestDlcPassMs: number;
}

/** Where a database lives: its store and the DLC database, the keys, and the journal apart from both. */
export function layout(dir: string): { dataDir: string; keyFile: string; dlc: DlcConfig; dlcDatabase: string } {
  const dlc = dlcConfigSchema.parse({
    enabled: true,
    nonceSecretFile: join(dir, 'keys', 'dlc-nonce.key'),
    journalFile: join(dir, 'journal', 'dlc.jsonl'),
  });
  const dataDir = join(dir, 'data');
  return { dataDir, keyFile: join(dir, 'keys', 'oracle.key'), dlc, dlcDatabase: join(dataDir, DLC_DATABASE_FILE) };
}

/**
 * A fresh copy of the `days`-day database in a temp directory (built and cached first if needed)
 * and its description. The caller removes the copy.
 */
export function copyOfBenchDatabase(days: number, log: (line: string) => void): { dir: string; db: BenchDatabase } {
  const cached = fileURLToPath(new URL(`./results/db-v${FORMAT}-${days}d/`, import.meta.url));
  // Written last: a build that was interrupted leaves no manifest and is started over.
  const manifest = join(cached, 'manifest.json');
  if (!existsSync(manifest)) {
    log(`building the ${days}-day database in ${cached} (once; later runs reuse it)`);
    rmSync(cached, { recursive: true, force: true });
    writeFileSync(manifest, `${JSON.stringify(buildDatabase(cached, days), null, 2)}\n`);
  }
  const db = JSON.parse(readFileSync(manifest, 'utf8')) as BenchDatabase;
  const dir = mkdtempSync(join(tmpdir(), `peer-stables-bench-${days}d-`));
  cpSync(cached, dir, { recursive: true });
  return { dir, db };
}

/** Builds the database in `dir` (which must not exist) and describes it. */
function buildDatabase(dir: string, days: number): BenchDatabase {
  const started = performance.now();
  const { dataDir, keyFile, dlc: config, dlcDatabase } = layout(dir);
  generateKeyFile(config.nonceSecretFile);
  const startMs = END_MS - days * DAY_MS;
  const clock = new ManualClock(startMs);
  const store = openStore({ dataDir, historyCacheSize: 1, clock, logger: silentLogger });
  const dlc = openDlcService({
    config,
    dataDir,
    keyFile,
    secretKey: BENCH_SECRET_KEY,
    history: store,
    clock,
    logger: silentLogger,
  });
  const templates = signedTemplates(startMs);
  let attestations = 0;
  let longestDlcPassMs = 0;
  const dlcDone = { announced: 0, attested: 0 };
  try {
    for (let t = startMs; t <= END_MS; t += INDEX_EVERY_MS) {
      clock.set(t);
      // The index each DLC event settles on must verify; the rest only has to weigh the same.
      store.append(t % HOUR_MS === 0 ? signedTick(syntheticInput(20, t), BigInt(t)) : copyAt(templates.index, t, 0));
      attestations++;
      if (t % FUNDING_EVERY_MS !== 0) continue;
      store.append(copyAt(templates.funding, t, 1));
      store.append(copyAt(templates.premium, t, 2));
      attestations += 2;
      const passStarted = performance.now();
      const done = dlc.pass();
      // The first pass announces a whole day at once, as at an oracle's first start; the others are hourly.
      if (t > startMs) longestDlcPassMs = Math.max(longestDlcPassMs, performance.now() - passStarted);
      dlcDone.announced += done.announced;
      dlcDone.attested += done.attested;
    }
  } finally {
    dlc.close();
    store.close();
  }
  const bytes = statSync(join(dataDir, DATABASE_FILE)).size + statSync(dlcDatabase).size;
  const buildSeconds = Math.round((performance.now() - started) / 100) / 10;
  return {
    days,
    startMs,
    endMs: END_MS,
    attestations,
    dlcAnnounced: dlcDone.announced,
    dlcAttested: dlcDone.attested,
    bytes,
    buildSeconds,
    longestDlcPassMs,
  };
}

/** A signed attestation of each kind, to copy. */
function signedTemplates(now: number): Record<'index' | 'funding' | 'premium', AttestationJson> {
  const committed = [0, 1, 2, 3, 4].map((i) => ({
    source: `perp${i}:BTC/USD:USD`,
    price: 1_000_000n + BigInt(i),
    exchangeTs: now - 900,
    receivedAt: now - 500,
  }));
  const rate = { pair: 'BTC/USD', exponent: RATE_EXPONENT, observedAt: now, dispersionPpm: 40, committed };
  const key = BENCH_SECRET_KEY;
  return {
    index: signedTick(syntheticInput(20, now), BigInt(now)),
    funding: toJson(signFigure({ ...rate, kind: 'funding_rate', value: 1_000_002n }, BigInt(now) + 1n, key)),
    premium: toJson(signFigure({ ...rate, kind: 'perp_premium', value: -155_000n }, BigInt(now) + 2n, key)),
  };
}

/** `template` observed at `t`, with a sequence unique to (t, slot). */
function copyAt(template: AttestationJson, t: number, slot: number): AttestationJson {
  return { ...template, observedAt: String(t), sequence: String(t + slot) };
}
