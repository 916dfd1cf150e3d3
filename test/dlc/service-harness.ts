/** Shared set-up of the DLC service tests: temp dirs, a manual clock, and an in-memory signed index history. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toJson } from '../../src/attest/json.js';
import { generateKeyFile } from '../../src/attest/keys.js';
import { signAttestation } from '../../src/attest/sign.js';
import type { AttestationJson } from '../../src/attest/types.js';
import { ManualClock } from '../../src/core/clock.js';
import { PRICE_EXPONENT, parseDecimal } from '../../src/core/fixed.js';
import { silentLogger } from '../../src/core/log.js';
import { dlcConfigSchema, type DlcConfig } from '../../src/dlc/config.js';
import { DLC_DATABASE_FILE, openDlcService } from '../../src/dlc/open.js';
import type { DlcService } from '../../src/dlc/service.js';
import type { HistoryQuery, HistoryReader } from '../../src/store/types.js';

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

/** Test-only keys (never use keys like these for real). */
export const ORACLE_SECRET = bytes('00'.repeat(31) + '07');
export const OTHER_SECRET = bytes('00'.repeat(31) + '09');

/** 2024-05-01T12:00:00Z: a maturity of both an hourly event and (at midnight) a daily one nearby. */
export const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
export const HOUR = 3_600_000;
export const EVENT_T0 = 'btcusd-hourly-2024-05-01T12:00:00Z';

/** Signed index_price history in memory, answering range() like the SQLite store. */
export class MemoryHistory implements HistoryReader {
  rows: AttestationJson[] = [];
  range(q: HistoryQuery): AttestationJson[] {
    return this.rows
      .filter(
        (r) =>
          (q.kind === undefined || r.kind === q.kind) && Number(r.observedAt) >= q.from && Number(r.observedAt) <= q.to,
      )
      .sort((a, b) => Number(a.observedAt) - Number(b.observedAt))
      .slice(0, q.limit);
  }
  /** Adds an index of `usd` (decimal string) observed at `observedAt`, signed by `secret`. */
  add(observedAt: number, usd: string, secret: Uint8Array = ORACLE_SECRET): AttestationJson {
    const row = toJson(
      signAttestation(
        {
          version: 1,
          kind: 'index_price',
          pair: 'BTC/USD',
          value: parseDecimal(usd, PRICE_EXPONENT),
          exponent: PRICE_EXPONENT,
          observedAt: BigInt(observedAt),
          sequence: BigInt(observedAt),
          sourceCount: 3,
          dispersionPpm: 10,
          sourcesCommitment: new Uint8Array(32),
        },
        secret,
        new Uint8Array(32),
      ),
    );
    this.rows.push(row);
    return row;
  }
}

export interface Harness {
  readonly dir: string;
  readonly clock: ManualClock;
  readonly history: MemoryHistory;
  readonly config: DlcConfig;
  /** The oracle's data directory (the DLC database is DLC_DATABASE_FILE in it). */
  readonly dataDir: string;
  readonly databaseFile: string;
  /** Where the oracle key would be: the journal must stay out of its folder. */
  readonly keyFile: string;
  /** Opens the service on the harness's files (with `secretKey`, the oracle key by default). */
  open(options?: { secretKey?: Uint8Array; config?: DlcConfig }): DlcService;
  /** Closes every service opened and removes the temp dir. */
  cleanup(): void;
}

/**
 * A fresh oracle layout in a temp dir, each part in its own folder as an operator is told to keep
 * them (keys/, data/, journal/), with a nonce secret; hourly events only, announced 2 h ahead,
 * 60 s tolerance.
 */
export function makeHarness(overrides: Record<string, unknown> = {}, now = T0 - 30 * 60_000): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'dlc-'));
  const config = Object.freeze(
    dlcConfigSchema.parse({
      enabled: true,
      events: [{ name: 'hourly', everyMs: HOUR }],
      announceAheadMs: 2 * HOUR,
      toleranceMs: 60_000,
      nonceSecretFile: join(dir, 'keys', 'dlc-nonce.key'),
      journalFile: join(dir, 'journal', 'dlc-journal.jsonl'),
      ...overrides,
    }),
  );
  generateKeyFile(config.nonceSecretFile);
  const clock = new ManualClock(now);
  const history = new MemoryHistory();
  const dataDir = join(dir, 'data');
  const databaseFile = join(dataDir, DLC_DATABASE_FILE);
  const keyFile = join(dir, 'keys', 'oracle.key');
  const opened: DlcService[] = [];
  return {
    dir,
    clock,
    history,
    config,
    dataDir,
    databaseFile,
    keyFile,
    open(options = {}) {
      const service = openDlcService({
        config: options.config ?? config,
        dataDir,
        keyFile,
        secretKey: options.secretKey ?? ORACLE_SECRET,
        history,
        clock,
        logger: silentLogger,
      });
      opened.push(service);
      return service;
    },
    cleanup() {
      for (const s of opened) s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
