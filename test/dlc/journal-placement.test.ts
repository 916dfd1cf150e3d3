/**
 * The outcome journal must never ride along in a backup of the data directory or of the key
 * folders: restoring such a backup would restore an old journal with an old database, and let
 * an event be attested again from a new index. Containment is checked both ways, after
 * resolving symbolic links.
 */
import { expect } from 'chai';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyFile } from '../../src/attest/keys.js';
import { ConfigError } from '../../src/core/errors.js';
import { makeHarness, type Harness } from './service-harness.js';

describe('DLC journal placement', () => {
  let h: Harness;
  beforeEach(() => {
    h = makeHarness();
  });
  afterEach(() => h.cleanup());
  const openWithJournal = (journalFile: string) => h.open({ config: { ...h.config, journalFile } });

  const refused: ReadonlyArray<[where: string, journal: (h: Harness) => string, message: RegExp]> = [
    ['in the data directory', (h) => join(h.dataDir, 'dlc.jsonl'), /inside the data directory/],
    [
      'in a subfolder of the data directory',
      (h) => join(h.dataDir, 'journal', 'dlc.jsonl'),
      /inside the data directory/,
    ],
    ['in a folder that holds the data directory', (h) => join(h.dir, 'dlc.jsonl'), /holds the data directory/],
    ['in the oracle key folder', (h) => join(h.dir, 'keys', 'dlc.jsonl'), /oracle key/],
    ['in a subfolder of the oracle key folder', (h) => join(h.dir, 'keys', 'journal', 'dlc.jsonl'), /oracle key/],
  ];
  for (const [where, journal, message] of refused) {
    it(`refuses a journal ${where}`, () => {
      expect(() => openWithJournal(journal(h))).to.throw(ConfigError, message);
    });
  }

  it('refuses a journal in the nonce secret folder, kept apart from the oracle key', () => {
    const config = {
      ...h.config,
      nonceSecretFile: join(h.dir, 'nonce', 'dlc-nonce.key'),
      journalFile: join(h.dir, 'nonce', 'j', 'dlc.jsonl'),
    };
    generateKeyFile(config.nonceSecretFile);
    expect(() => h.open({ config })).to.throw(ConfigError, /nonce secret/);
  });

  it('refuses a journal folder that is a symbolic link into the data directory', () => {
    mkdirSync(join(h.dataDir, 'hidden'), { recursive: true });
    symlinkSync(join(h.dataDir, 'hidden'), join(h.dir, 'journal-link'));
    expect(() => openWithJournal(join(h.dir, 'journal-link', 'new', 'dlc.jsonl'))).to.throw(
      ConfigError,
      /inside the data directory/,
    );
  });

  it('accepts a journal in its own folder beside them, even one whose name starts like the data directory', () => {
    expect(() => openWithJournal(join(`${h.dataDir}-journal`, 'dlc.jsonl')).close()).not.to.throw();
  });
});
