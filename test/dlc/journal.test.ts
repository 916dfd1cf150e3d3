/** The outcome journal: append-only lines, an identity line, refusals of every edit, and its lock. */
import { expect } from 'chai';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, InputError } from '../../src/core/errors.js';
import { OutcomeJournal, outcomesDigest } from '../../src/dlc/journal.js';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const owner = { instanceId: 'ee'.repeat(32), publicKeyHex: 'aa'.repeat(32) };

describe('DLC outcome journal', () => {
  let dir: string;
  let file: string;
  const entry = {
    eventId: 'a',
    announcementHex: '0102',
    series: 'hourly',
    maturity: T0,
    outcomes: ['0', '1'],
    value: '1',
    indexObservedAt: T0,
    indexSequence: '5',
    late: false,
    attestationHex: 'fdd868',
  };
  const opened: OutcomeJournal[] = [];
  /** Opens the journal, closing the one opened before (one holder at a time). */
  const open = (): OutcomeJournal => {
    opened.pop()?.close();
    const journal = OutcomeJournal.open(file);
    opened.push(journal);
    return journal;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dlc-journal-'));
    file = join(dir, 'sub', 'journal.jsonl');
  });
  afterEach(() => {
    opened.splice(0).forEach((j) => j.close());
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads back what was appended, with the outcomes digest', () => {
    open().append(entry);
    const again = open();
    expect(again.get('a')).to.deep.equal({ ...entry, outcomesDigest: outcomesDigest(['0', '1']) });
    expect(again.entries()).to.have.length(1);
  });

  it('refuses a second entry for one event', () => {
    const journal = open();
    journal.append(entry);
    expect(() => journal.append({ ...entry, outcomes: ['1', '1'] })).to.throw(InputError, /already journaled/);
  });

  it('cuts a torn last line (a crash inside append, before anything was released)', () => {
    open().append(entry);
    appendFileSync(file, '{"eventId":"b","outc');
    const journal = open();
    expect(journal.entries().map((e) => e.eventId)).to.deep.equal(['a']);
    journal.append({ ...entry, eventId: 'b' });
    expect(
      open()
        .entries()
        .map((e) => e.eventId),
    ).to.deep.equal(['a', 'b']);
  });

  const corruptions: ReadonlyArray<[what: string, edit: (text: string) => string, message: RegExp]> = [
    ['edited outcomes', (t) => t.replace('["0","1"]', '["1","1"]'), /do not match their digest/],
    ['a line that is not JSON', (t) => `${t}garbage\n`, /line 2 is not JSON/],
    ['a line missing fields', (t) => `${t}{"eventId":"c"}\n`, /line 2 is not a journal entry/],
    ['two entries for one event', (t) => t + t, /a second entry for event a/],
  ];
  for (const [what, edit, message] of corruptions) {
    it(`refuses to open with ${what}`, () => {
      open().append(entry);
      writeFileSync(file, edit(readFileSync(file, 'utf8')));
      expect(() => open()).to.throw(ConfigError, message);
    });
  }

  it('names its lineage in an identity line, once', () => {
    const journal = open();
    expect(journal.identity()).to.equal(null);
    journal.writeIdentity(owner);
    journal.append(entry);
    expect(() => journal.writeIdentity(owner)).to.throw(InputError, /already belongs to instance/);
    const again = open();
    expect(again.identity()).to.deep.equal(owner);
    expect(again.entries().map((e) => e.eventId)).to.deep.equal(['a']);
  });

  it('refuses a second identity line', () => {
    const journal = open();
    journal.writeIdentity(owner);
    appendFileSync(file, readFileSync(file, 'utf8'));
    expect(() => open()).to.throw(ConfigError, /line 2: a second identity line/);
  });

  it('is held by one holder at a time, and free again once closed', () => {
    const journal = open();
    expect(() => OutcomeJournal.open(file)).to.throw(ConfigError, /already in use by this process/);
    journal.close();
    opened.pop();
    expect(() => open()).not.to.throw();
  });
});
