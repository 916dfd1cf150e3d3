/** The lineage table of src/dlc/lineage.ts, row by row: what start-up does with each pairing. */
import { expect } from 'chai';
import { ConfigError } from '../../src/core/errors.js';
import { planLineage, type DatabaseLineage, type JournalLineage, type LineageStep } from '../../src/dlc/lineage.js';

const KEY = 'aa'.repeat(32);
const I = '11'.repeat(32);
const J = '22'.repeat(32);
const files = { databaseFile: 'data/dlc.sqlite3', journalFile: 'journal/dlc.jsonl' };
const journal = (
  instanceId: string | null,
  entries = 0,
  publicKeyHex: string | null = instanceId === null ? null : KEY,
): JournalLineage => ({
  instanceId,
  publicKeyHex,
  entries,
});

describe('DLC lineage', () => {
  const steps: ReadonlyArray<[what: string, db: DatabaseLineage, j: JournalLineage, step: LineageStep]> = [
    ['a new database and a new journal make a lineage', { kind: 'new' }, journal(null), { kind: 'create' }],
    [
      'a database older than instance ids with its journal is upgraded',
      { kind: 'legacy', events: 40 },
      journal(null, 12),
      { kind: 'upgrade' },
    ],
    [
      'an empty database older than instance ids is upgraded',
      { kind: 'legacy', events: 0 },
      journal(null),
      { kind: 'upgrade' },
    ],
    [
      'a pre-upgrade database backup restored beside an upgraded journal adopts its id',
      { kind: 'legacy', events: 40 },
      journal(J, 12),
      { kind: 'adopt', instanceId: J },
    ],
    [
      'a start interrupted before the journal was written is finished',
      { kind: 'instance', instanceId: I, bound: false },
      journal(null),
      { kind: 'finish', instanceId: I },
    ],
    [
      'a start interrupted after the journal was written is finished',
      { kind: 'instance', instanceId: I, bound: false },
      journal(I),
      { kind: 'finish', instanceId: I },
    ],
    [
      'a database and its own journal are ready',
      { kind: 'instance', instanceId: I, bound: true },
      journal(I, 5),
      { kind: 'ready', instanceId: I },
    ],
  ];
  for (const [what, db, j, step] of steps) {
    it(`lineage: ${what}`, () => {
      expect(planLineage(db, j, KEY, files)).to.deep.equal(step);
    });
  }

  const refusals: ReadonlyArray<[what: string, db: DatabaseLineage, j: JournalLineage, message: RegExp]> = [
    [
      'a new database beside a journal of a lineage (a journal copy)',
      { kind: 'new' },
      journal(J, 3),
      /is new, but the journal journal\/dlc.jsonl belongs to DLC instance 2{64}/,
    ],
    [
      'a new database beside a journal with entries older than instance ids',
      { kind: 'new' },
      journal(null, 3),
      /is new, but the journal .* belongs to an existing oracle/,
    ],
    [
      'a database copied without its journal (a staging copy)',
      { kind: 'instance', instanceId: I, bound: true },
      journal(null),
      /\(instance 1{64}\) has no journal at journal\/dlc.jsonl/,
    ],
    [
      'a database and the journal of another lineage',
      { kind: 'instance', instanceId: I, bound: true },
      journal(J),
      /belongs to DLC instance 1{64}, but the journal journal\/dlc.jsonl to instance 2{64}/,
    ],
    [
      'an interrupted database and the journal of another lineage',
      { kind: 'instance', instanceId: I, bound: false },
      journal(J),
      /to instance 2{64}/,
    ],
    [
      'a pre-instance database with announcements and an empty journal',
      { kind: 'legacy', events: 3 },
      journal(null),
      /holds 3 announced event\(s\) but the journal .* is empty/,
    ],
    [
      'a journal of another oracle key',
      { kind: 'instance', instanceId: I, bound: true },
      journal(I, 0, 'bb'.repeat(32)),
      /belongs to oracle key b{64}, not a{64}/,
    ],
  ];
  for (const [what, db, j, message] of refusals) {
    it(`lineage: refuses ${what}`, () => {
      expect(() => planLineage(db, j, KEY, files)).to.throw(ConfigError, message);
    });
  }
});
