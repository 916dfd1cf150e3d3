/**
 * Which DLC lineage a database and a journal belong to, and whether they may run together.
 * A lineage is one DLC database and its journal, named by the instance id (32 random bytes) its
 * nonces are bound to (src/dlc/nonces.ts); it is made once, when a DLC database is first created,
 * and recorded in both. Only copies of one lineage derive the same nonces, so start-up refuses
 * every pairing that could come from a copy rather than from the oracle itself:
 *
 * | database | journal | step |
 * |---|---|---|
 * | new | new (no identity, no entry) | create a lineage |
 * | new | any identity or entry | refuse: restore the database (a journal copy must not clone nonces) |
 * | legacy (older than instance ids) | identity I | adopt I (a pre-upgrade backup restored) |
 * | legacy | no identity, entries or an empty database | upgrade: a new id, written to both |
 * | legacy with events | new | refuse: a copy of another oracle's database, or a lost journal |
 * | I, not yet bound | no identity, or I | finish binding (start-up was interrupted) |
 * | I, bound | I | ready |
 * | I | another id J | refuse, naming both |
 * | I, bound | no identity | refuse: restore the current journal (catches a copied data directory) |
 *
 * Pure: the caller reads both sides, applies the step (database first, then journal, then the
 * bound flag, so an interruption anywhere is finished by the next start) and never guesses.
 */
import { ConfigError } from '../core/errors.js';

/** The lineage as the database records it. */
export type DatabaseLineage =
  | { readonly kind: 'new' }
  | { readonly kind: 'legacy'; readonly events: number }
  | { readonly kind: 'instance'; readonly instanceId: string; readonly bound: boolean };

/** The lineage as the journal records it. */
export interface JournalLineage {
  readonly instanceId: string | null;
  readonly publicKeyHex: string | null;
  readonly entries: number;
}

/** What start-up does about the lineage; `instanceId` absent means "make a new one". */
export type LineageStep =
  | { readonly kind: 'create' }
  | { readonly kind: 'upgrade' }
  | { readonly kind: 'adopt'; readonly instanceId: string }
  | { readonly kind: 'finish'; readonly instanceId: string }
  | { readonly kind: 'ready'; readonly instanceId: string };

/** The files, for error messages. */
export interface LineageFiles {
  readonly databaseFile: string;
  readonly journalFile: string;
}

/** The step for `db` and `journal` of the oracle `publicKeyHex`; throws ConfigError for every refused pairing. */
export function planLineage(
  db: DatabaseLineage,
  journal: JournalLineage,
  publicKeyHex: string,
  files: LineageFiles,
): LineageStep {
  if (journal.publicKeyHex !== null && journal.publicKeyHex !== publicKeyHex) {
    throw new ConfigError(
      `the DLC journal ${files.journalFile} belongs to oracle key ${journal.publicKeyHex}, not ${publicKeyHex}`,
    );
  }
  const journalIsNew = journal.instanceId === null && journal.entries === 0;
  if (db.kind === 'new') {
    if (journalIsNew) return { kind: 'create' };
    const owner = journal.instanceId === null ? 'an existing oracle' : `DLC instance ${journal.instanceId}`;
    throw new ConfigError(
      `the DLC database ${files.databaseFile} is new, but the journal ${files.journalFile} belongs to ${owner}; ` +
        'a journal alone never starts an oracle: restore the newest backup of its DLC database (any older copy ' +
        'works, the journal fills it in), or, if none exists and the oracle that wrote the journal is stopped ' +
        'for good, archive the journal and start with a new one',
    );
  }
  if (db.kind === 'legacy') {
    if (journal.instanceId !== null) return { kind: 'adopt', instanceId: journal.instanceId };
    if (journal.entries > 0 || db.events === 0) return { kind: 'upgrade' };
    throw new ConfigError(
      `the DLC database ${files.databaseFile} holds ${db.events} announced event(s) but the journal ` +
        `${files.journalFile} is empty: if this is a copy of another oracle's data directory, give it a DLC ` +
        'database of its own; if the journal was lost, restore its newest copy; if this oracle never attested ' +
        'anything, deleting the DLC database is safe (its events are announced again, with other nonces)',
    );
  }
  if (journal.instanceId !== null && journal.instanceId !== db.instanceId) {
    throw new ConfigError(
      `the DLC database ${files.databaseFile} belongs to DLC instance ${db.instanceId}, but the journal ` +
        `${files.journalFile} to instance ${journal.instanceId}: restore the database and journal that belong together`,
    );
  }
  if (!db.bound) return { kind: 'finish', instanceId: db.instanceId };
  if (journal.instanceId === db.instanceId) return { kind: 'ready', instanceId: db.instanceId };
  throw new ConfigError(
    `the DLC database ${files.databaseFile} (instance ${db.instanceId}) has no journal at ${files.journalFile}: ` +
      "put back this database's current journal (never an old copy); a copy of a data directory never runs " +
      'beside the oracle it was copied from: give a second oracle a DLC database of its own',
  );
}
