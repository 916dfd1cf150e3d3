/**
 * One process per lock, held by the kernel: refused while another process (or this one) holds it,
 * free the moment the holder ends, whatever pid it had. Processes here are real child processes.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireLockFile } from '../../src/core/lock-file.js';
import { ConfigError } from '../../src/core/errors.js';
import { childEnv } from '../support/child-env.js';

const LOCK_MODULE = fileURLToPath(new URL('../../src/core/lock-file.ts', import.meta.url));

/** A child process that takes the lock, says "locked", and holds it until killed. */
async function holdInChild(path: string): Promise<ChildProcess> {
  const code = `import { acquireLockFile } from ${JSON.stringify(LOCK_MODULE)}; acquireLockFile(${JSON.stringify(path)}); console.log('locked'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => (chunk.toString().includes('locked') ? resolve() : undefined));
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return child;
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('core/lock-file', function () {
  this.timeout(20_000);
  const file = () => join(mkdtempSync(join(tmpdir(), 'ps-lock-')), 'data', 'oracle.lock');

  it('is exclusive within this process while held, and free again once released', () => {
    const path = file();
    const release = acquireLockFile(path);
    expect(() => acquireLockFile(path)).to.throw(ConfigError, 'already in use by this process');
    release();
    release(); // idempotent
    acquireLockFile(path)();
  });

  it('refuses a lock another process holds, naming that process', async () => {
    const path = file();
    const holder = await holdInChild(path);
    try {
      expect(() => acquireLockFile(path)).to.throw(
        ConfigError,
        new RegExp(`another process \\(pid ${holder.pid} on .*\\) is using`),
      );
    } finally {
      await killed(holder);
    }
  });

  it('is free the moment its holder dies, even killed without a chance to clean up', async () => {
    const path = file();
    await killed(await holdInChild(path));
    acquireLockFile(path)();
  });

  it('never takes a stale lock for its own because the pid matches (a restarted container is pid 1 again)', () => {
    const path = file();
    acquireLockFile(path)();
    writeFileSync(`${path}.owner`, `pid ${process.pid} on another-container since 2026-01-01T00:00:00.000Z\n`);
    acquireLockFile(path)();
    // The lock file of an older version, left by a crash, holding what is now our pid.
    writeFileSync(path, `${process.pid}\n`);
    acquireLockFile(path)();
  });

  it("takes over an older version's lock left by a process that is gone, and refuses one whose process lives", () => {
    const path = file();
    acquireLockFile(path)();
    writeFileSync(path, '999999999\n');
    acquireLockFile(path)();
    writeFileSync(path, `${process.ppid}\n`); // our parent is alive
    expect(() => acquireLockFile(path)).to.throw(
      ConfigError,
      `another process (pid ${process.ppid}, an older version)`,
    );
  });
});
