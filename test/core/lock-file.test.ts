import { expect } from 'chai';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLockFile } from '../../src/core/lock-file.js';
import { ConfigError } from '../../src/core/errors.js';

describe('core/lock-file', () => {
  const file = () => join(mkdtempSync(join(tmpdir(), 'ps-lock-')), 'data', 'oracle.lock');

  it('is exclusive while held, and free again once released', () => {
    const path = file();
    const release = acquireLockFile(path);
    expect(() => acquireLockFile(path)).to.throw(ConfigError, 'already in use by this process');
    release();
    expect(existsSync(path)).to.equal(false);
    acquireLockFile(path)();
  });

  it('refuses a lock held by another live process', () => {
    const path = file();
    acquireLockFile(path)(); // creates the folder
    writeFileSync(path, `${process.ppid}\n`); // our parent is alive
    expect(() => acquireLockFile(path)).to.throw(ConfigError, `another process (pid ${process.ppid}) is using`);
  });

  it('takes over a lock left by a process that is gone', () => {
    const path = file();
    acquireLockFile(path)();
    writeFileSync(path, '999999999\n');
    const release = acquireLockFile(path);
    release();
  });
});
