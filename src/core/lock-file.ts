/**
 * An exclusive lock on a file, for one writer per data directory (sequence numbers) and per DLC
 * journal (a nonce must never sign two outcomes). The lock is the kernel's: SQLite's exclusive
 * locking mode holds a POSIX lock on the lock file for as long as the connection is open, and the
 * kernel drops it when the process ends, however it ends. A pid written in a file cannot do this:
 * in containers every oracle is pid 1, so a restarted one would find "its own" pid in a stale
 * lock, and two containers sharing a volume would each see a live pid 1. The owner's pid and host
 * are written beside the lock (`<file>.owner`) only to name it in the error.
 */
import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError } from './errors.js';

/** Lock files this process holds, so a second acquire here says so instead of naming ourselves. */
const held = new Set<string>();

/**
 * Takes the exclusive lock `file` (created with its folder when missing), or throws ConfigError
 * naming the holder when another process (or this one) holds it. Returns the release function,
 * which is idempotent. The lock file itself stays: deleting it could let two processes lock two
 * different files of the same name.
 */
export function acquireLockFile(file: string): () => void {
  const key = fs.existsSync(file) ? fs.realpathSync(file) : file;
  if (held.has(key)) throw new ConfigError(`${dirname(file)} is already in use by this process`);
  fs.mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  removeLegacyLock(file);
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: 0 });
  } catch (err) {
    throw new ConfigError(`cannot create the lock file ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // The first write takes the exclusive lock; EXCLUSIVE mode keeps it after the commit.
    db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS lock (id INTEGER PRIMARY KEY); COMMIT;');
  } catch (err) {
    db.close();
    if (err instanceof Database.SqliteError && err.code.startsWith('SQLITE_BUSY')) {
      throw new ConfigError(
        `another process (${ownerOf(file)}) is using ${dirname(file)}; run one per data directory`,
        { cause: err },
      );
    }
    throw new ConfigError(`cannot take the lock file ${file}: ${(err as Error).message}`, { cause: err });
  }
  const lockKey = fs.realpathSync(file);
  held.add(lockKey);
  writeOwner(file);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    held.delete(lockKey);
    db.close();
  };
}

/**
 * Versions before 0.2 locked with a file holding only a pid, removed on release; one left behind
 * means that process crashed. It is removed unless that pid still runs here (a stale pid file
 * cannot be told from a live old oracle, so a live pid keeps refusing).
 */
function removeLegacyLock(file: string): void {
  let text: string;
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch {
    return;
  }
  const legacy = /^(\d+)\n?$/.exec(text);
  if (legacy === null) return;
  const pid = Number(legacy[1]);
  if (pid !== process.pid && isAlive(pid)) {
    throw new ConfigError(
      `another process (pid ${pid}, an older version) is using ${dirname(file)}; run one per data directory`,
    );
  }
  fs.unlinkSync(file);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function writeOwner(file: string): void {
  try {
    fs.writeFileSync(`${file}.owner`, `pid ${process.pid} on ${hostname()} since ${new Date().toISOString()}\n`, {
      mode: 0o600,
    });
  } catch {
    // Only used to word an error; the lock holds without it.
  }
}

function ownerOf(file: string): string {
  try {
    return fs.readFileSync(`${file}.owner`, 'utf8').trim();
  } catch {
    return 'its owner is unknown';
  }
}
