/**
 * `peer-stables funding-index`: the operator's one way to give the oracle a funding index to
 * continue when none is stored for its key (docs/METHODOLOGY.md 8.8). The oracle never starts one
 * by itself for a key that may have signed one before: a lost database must not silently restart
 * an index at zero, since every client's next increment would then be wrong. `--new` starts one
 * (a key that never signed an index: a new oracle, or one upgraded from before the kind existed);
 * `--restore` continues the last one the key signed, from that attestation as it was published.
 */
import { join } from 'node:path';
import { publicKeyOf, loadSecretKey } from '../attest/keys.js';
import { verifyJson } from '../attest/json.js';
import { loadConfig } from '../config/load.js';
import type { OracleConfig } from '../config/schema.js';
import { ConfigError, InputError } from '../core/errors.js';
import { FUNDING_INDEX_EXPONENT, formatDecimal } from '../core/fixed.js';
import { acquireLockFile } from '../core/lock-file.js';
import { NEW_FUNDING_INDEX, type FundingIndexState } from '../index/funding-index.js';
import { LOCK_FILE, openStore } from '../store/sqlite.js';
import { readAttestationText } from './verify.js';

/** What the command records, and the line it prints. Throws for every refusal, with the reason. */
export async function fundingIndexCommand(
  configPath: string,
  opts: { readonly new?: boolean; readonly restore?: string },
): Promise<string> {
  if ((opts.new === true) === (opts.restore !== undefined))
    throw new InputError('give exactly one of --new and --restore <attestation file, "-" or URL>');
  return recordFundingIndex(loadConfig(configPath), opts.restore);
}

/** Records a new index (no `restore`) or the one `restore` names, for the oracle of `config`. */
export async function recordFundingIndex(config: OracleConfig, restore?: string): Promise<string> {
  if (config.funding === undefined)
    throw new ConfigError('funding is not configured: this oracle signs no funding index');
  const { pair } = config.funding;
  const publicKeyHex = Buffer.from(publicKeyOf(loadSecretKey(config.oracle.keyFile))).toString('hex');
  const state = restore === undefined ? NEW_FUNDING_INDEX : await restoredState(restore, publicKeyHex, pair);
  const release = acquireLockFile(join(config.oracle.dataDir, LOCK_FILE));
  try {
    const store = openStore({ dataDir: config.oracle.dataDir, historyCacheSize: 1 });
    try {
      store.startFundingIndex(publicKeyHex, pair, state);
    } finally {
      store.close();
    }
  } finally {
    release();
  }
  return state.at === null
    ? `started a new funding index for ${pair}: 0 at the next funding tick`
    : `the funding index for ${pair} continues from ${formatDecimal(state.value, FUNDING_INDEX_EXPONENT)} ` +
        `at ${new Date(state.at).toISOString()}`;
}

/**
 * The state a signed funding_index continues from: its value and time. What its floor carried
 * (under one unit of 10^-17) is not published, so it restarts at 0: at most one unit is lost.
 */
async function restoredState(source: string, publicKeyHex: string, pair: string): Promise<FundingIndexState> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readAttestationText(source, { kind: 'funding_index', pair }));
  } catch (err) {
    if (err instanceof SyntaxError) throw new InputError(`${source} is not JSON: ${err.message}`);
    throw err;
  }
  const signed = verifyJson(raw, publicKeyHex);
  if (signed.kind !== 'funding_index' || signed.pair !== pair || signed.exponent !== FUNDING_INDEX_EXPONENT)
    throw new InputError(
      `--restore needs a funding_index attestation of ${pair} at exponent ${FUNDING_INDEX_EXPONENT}, ` +
        `got ${signed.kind} of ${signed.pair} at ${signed.exponent}`,
    );
  return { value: signed.value, remainder: 0n, at: Number(signed.observedAt) };
}
