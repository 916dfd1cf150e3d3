/**
 * The default configuration re-pointed at a running simulator, with a private key and data
 * directory: what the demo and the integration tests run, so they exercise the real defaults
 * (sources, thresholds, conversions) and differ only in where the exchanges are.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../config/load.js';
import type { OracleConfig } from '../config/schema.js';

interface RawMarket {
  sources: { exchange: string }[];
}

interface RawConfig {
  oracle: Record<string, unknown>;
  index: RawMarket;
  conversions: Record<string, RawMarket>;
  funding?: RawMarket;
  dlc?: Record<string, unknown>;
  exchanges: Record<string, Record<string, unknown>>;
  server: Record<string, unknown>;
  polling: Record<string, unknown>;
  log: Record<string, unknown>;
}

export interface SimulatedConfigOptions {
  /** The simulator's base URL for an exchange id (Simulator#baseUrlFor). */
  baseUrlFor(exchange: string): string;
  /** Directory for the key file (`oracle.key`) and the database (`data/`). */
  dir: string;
  tickIntervalMs?: number;
  pollIntervalMs?: number;
  /** Funding tick and perpetual poll interval (the defaults are a minute and 15 s). */
  fundingTickIntervalMs?: number;
  fundingPollIntervalMs?: number;
  /**
   * Run the DLC oracle too (off by default), passing every `dlcPassMs`: its nonce secret in `dir`,
   * its journal in the sibling folder `<dir>-journal` (never inside the key or data folders).
   */
  dlc?: boolean;
  dlcPassMs?: number;
  timeoutMs?: number;
  logLevel?: string;
}

/** config/default.json with every exchange at the simulator and the oracle on 127.0.0.1, port 0. */
export function simulatedConfig(o: SimulatedConfigOptions): OracleConfig {
  const file = fileURLToPath(new URL('../../config/default.json', import.meta.url));
  const raw = JSON.parse(readFileSync(file, 'utf8')) as RawConfig;
  const markets = [raw.index, ...Object.values(raw.conversions), ...(raw.funding ? [raw.funding] : [])];
  const ids = new Set(markets.flatMap((m) => m.sources.map((s) => s.exchange)));
  for (const id of ids) raw.exchanges[id] = { ...raw.exchanges[id], baseUrl: o.baseUrlFor(id) };
  raw.oracle = {
    ...raw.oracle,
    keyFile: join(o.dir, 'oracle.key'),
    dataDir: join(o.dir, 'data'),
    tickIntervalMs: o.tickIntervalMs ?? 1000,
  };
  raw.server = { ...raw.server, host: '127.0.0.1', port: 0 };
  raw.polling = {
    ...raw.polling,
    intervalMs: o.pollIntervalMs ?? 500,
    ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
  };
  if (raw.funding) {
    raw.funding = {
      ...raw.funding,
      ...(o.fundingTickIntervalMs ? { tickIntervalMs: o.fundingTickIntervalMs } : {}),
      ...(o.fundingPollIntervalMs ? { pollIntervalMs: o.fundingPollIntervalMs } : {}),
    };
  }
  raw.dlc = o.dlc
    ? {
        ...raw.dlc,
        enabled: true,
        nonceSecretFile: join(o.dir, 'dlc-nonce.key'),
        journalFile: join(`${o.dir}-journal`, 'dlc-journal.jsonl'),
        passIntervalMs: o.dlcPassMs ?? 1000,
      }
    : { enabled: false };
  raw.log = { level: o.logLevel ?? 'warn' };
  return parseConfig(raw);
}
