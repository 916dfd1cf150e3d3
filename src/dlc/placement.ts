/**
 * Where the outcome journal may live. It is the record that stops a restored database from
 * attesting an event a second time with another value, so it must never be restored together
 * with an old database: it may not sit inside, nor hold, a folder that operators back up and
 * restore as a whole (the data directory, the oracle key's folder, the nonce secret's folder).
 * Paths are compared after resolving symbolic links, both ways, component by component, so
 * neither a link nor a shared name prefix ("data" and "data-journal") fools the check.
 */
import * as fs from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../core/errors.js';

/** A folder the journal must stay out of, and what to call it in an error. */
export interface GuardedFolder {
  readonly what: string;
  readonly folder: string;
}

/**
 * Throws ConfigError naming both folders when `journalFile`'s folder is one of `guarded`, lies
 * inside one, or holds one. Folders that do not exist yet are resolved through their nearest
 * existing ancestor.
 */
export function checkJournalPlacement(journalFile: string, guarded: readonly GuardedFolder[]): void {
  const journalFolder = realFolder(dirname(journalFile));
  for (const { what, folder } of guarded) {
    const other = realFolder(folder);
    if (isWithin(journalFolder, other)) {
      throw new ConfigError(
        `the DLC journal ${journalFile} is inside the ${what} (${folder}): every backup of that folder would ` +
          'hold it, and restoring one would bring back an old journal with it; give the journal its own folder ' +
          'or volume (see docs/DLC.md)',
      );
    }
    if (isWithin(other, journalFolder)) {
      throw new ConfigError(
        `the DLC journal's folder ${dirname(journalFile)} holds the ${what} (${folder}): a backup of the ` +
          "journal's folder would hold that too; give the journal a folder of its own (see docs/DLC.md)",
      );
    }
  }
}

/** True when `inner` is `outer` or lies below it. */
function isWithin(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** The real path of `folder`: its nearest existing ancestor resolved by realpath, the rest appended. */
function realFolder(folder: string): string {
  const missing: string[] = [];
  let current = resolve(folder);
  for (;;) {
    try {
      return join(fs.realpathSync.native(current), ...missing.reverse());
    } catch (error) {
      const parent = dirname(current);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === current) {
        const code = (error as NodeJS.ErrnoException).code ?? String(error);
        throw new ConfigError(`cannot resolve ${folder}: ${code}`, { cause: error });
      }
      missing.push(basename(current));
      current = parent;
    }
  }
}
