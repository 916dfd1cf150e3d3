/**
 * Start-up of the DLC oracle, as a list of steps that each open one resource and register its
 * closer, so a refusal anywhere gives everything back: check where the journal lives, lock and
 * read the journal, open the database, check that both belong to this oracle and to one lineage
 * (src/dlc/lineage.ts), reconcile them, prune, and build the served JSON older databases lack.
 */
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { toHex } from '../attest/bytes.js';
import { taggedHash } from '../attest/hash.js';
import { loadSecretKey, publicKeyOf } from '../attest/keys.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import type { HistoryReader } from '../store/types.js';
import type { DlcConfig } from './config.js';
import { OutcomeJournal } from './journal.js';
import { planLineage, type DatabaseLineage, type LineageFiles } from './lineage.js';
import { checkJournalPlacement } from './placement.js';
import { DlcService } from './service.js';
import { openDlcStore, type DlcIdentity, type DlcStore, type StoredIdentity } from './store.js';

/** Name of the DLC database file inside the oracle's data directory. */
export const DLC_DATABASE_FILE = 'dlc.sqlite3';

const FINGERPRINT_TAG = 'PeerStables/dlc-nonce-fingerprint/v1';

export interface DlcServiceOptions {
  readonly config: DlcConfig;
  /** The oracle's data directory: the DLC database is DLC_DATABASE_FILE in it. */
  readonly dataDir: string;
  /** The oracle key file (only its folder is used: the journal must stay out of it). */
  readonly keyFile: string;
  /** The oracle's secret key (the same one that signs the index). */
  readonly secretKey: Uint8Array;
  /** The signed index history (kind index_price) the outcomes come from. */
  readonly history: HistoryReader;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Opens the DLC oracle. Throws ConfigError when the journal shares a backed-up folder, when
 * another process holds the journal, when the database belongs to another key, nonce secret,
 * signing version or lineage than the journal, or when journal and database disagree; KeyError
 * for a missing or unsafe nonce secret file. Nothing stays open after a throw.
 */
export function openDlcService(options: DlcServiceOptions): DlcService {
  const c = options.config;
  checkJournalPlacement(c.journalFile, [
    { what: 'data directory', folder: options.dataDir },
    { what: 'folder of the oracle key', folder: dirname(options.keyFile) },
    { what: 'folder of the nonce secret', folder: dirname(c.nonceSecretFile) },
  ]);
  const nonceSecret = loadSecretKey(c.nonceSecretFile);
  const publicKey = publicKeyOf(options.secretKey);
  const databaseFile = join(options.dataDir, DLC_DATABASE_FILE);
  const closers: Array<() => void> = [];
  try {
    const journal = OutcomeJournal.open(c.journalFile);
    closers.push(() => journal.close());
    const store = openDlcStore(databaseFile);
    closers.push(() => store.close());
    const claim = {
      publicKeyHex: toHex(publicKey),
      nonceFingerprintHex: toHex(taggedHash(FINGERPRINT_TAG, nonceSecret)),
      signingVersion: c.signingVersion,
    };
    const instanceId = establishLineage(store, journal, claim, { databaseFile, journalFile: c.journalFile });
    const { history, clock, logger, secretKey } = options;
    const nonces = { nonceSecret, publicKey, instanceId, signingVersion: c.signingVersion };
    const service = new DlcService({ config: c, secretKey, nonces, history, clock, logger }, store, journal);
    service.reconcile();
    service.prune();
    const built = service.buildMissingViews();
    if (built > 0) logger.info({ built }, 'built the served JSON of DLC messages stored by an older version');
    return service;
  } catch (error) {
    for (const close of closers.reverse()) close();
    throw error;
  }
}

/**
 * Checks the database against this oracle, then applies the lineage step: database first, then
 * journal, then the bound flag, so a start interrupted anywhere is finished by the next one.
 * Returns the instance id (32 bytes).
 */
function establishLineage(
  store: DlcStore,
  journal: OutcomeJournal,
  claim: DlcIdentity,
  files: LineageFiles,
): Uint8Array {
  const stored = store.claimIdentity(claim);
  const owner = journal.identity();
  const journalLineage = {
    instanceId: owner?.instanceId ?? null,
    publicKeyHex: owner?.publicKeyHex ?? null,
    entries: journal.entries().length,
  };
  const step = planLineage(databaseLineage(stored, store), journalLineage, claim.publicKeyHex, files);
  const bindJournal = (instanceId: string): void => {
    if (journal.identity() === null) journal.writeIdentity({ instanceId, publicKeyHex: claim.publicKeyHex });
    store.setInstance(instanceId, true);
  };
  let instanceId: string;
  switch (step.kind) {
    case 'create':
      instanceId = toHex(randomBytes(32));
      store.createIdentity(claim, instanceId);
      bindJournal(instanceId);
      break;
    case 'upgrade':
      instanceId = toHex(randomBytes(32));
      store.setInstance(instanceId, false);
      bindJournal(instanceId);
      break;
    case 'adopt':
    case 'finish':
      instanceId = step.instanceId;
      bindJournal(instanceId);
      break;
    case 'ready':
      instanceId = step.instanceId;
      break;
  }
  return Uint8Array.from(Buffer.from(instanceId, 'hex'));
}

function databaseLineage(stored: StoredIdentity | null, store: DlcStore): DatabaseLineage {
  if (stored === null) return { kind: 'new' };
  if (stored.instanceId === null) return { kind: 'legacy', events: store.eventCount() };
  return { kind: 'instance', instanceId: stored.instanceId, bound: stored.journalBound };
}
