/**
 * An exclusive lock on a data directory, held by a file naming the owner's pid. Two oracles on one
 * data directory would hand out the same sequence numbers and, as DLC oracles, could attest one
 * event twice with different values; the second one refuses to start instead.
 */
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from './errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Creates `file` holding our pid, or throws ConfigError when a live process holds it. A lock left
 * by a process that no longer runs (a crash) is taken over. Returns the release function.
 */
export function acquireLockFile(file: string): () => void {
  fs.mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return () => {
        try {
          if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.unlinkSync(file);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new ConfigError(`cannot create the lock file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    const owner = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
    if (Number.isSafeInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
      throw new ConfigError(`another process (pid ${owner}) is using ${dirname(file)}; run one oracle per data directory`);
    }
    if (owner === process.pid) throw new ConfigError(`${dirname(file)} is already in use by this process`);
    fs.unlinkSync(file); // stale: its owner is gone
  }
  throw new ConfigError(`cannot take the lock file ${file}`);
}
