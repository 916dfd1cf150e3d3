/** When a Core Lightning keysend may still pay: the label we write, and the finality of "failed". */
import { expect } from 'chai';
import {
  KeysendCommands,
  RETRY_END_MARGIN_S,
  keysendLabel,
  parseKeysendLabel,
} from '../../src/lightning/cln-keysends.js';

const REF = 'ab'.repeat(32);
const T = 1_750_000_000_000; // ms, a whole second
const CREATED_S = T / 1000;

describe('lightning/cln-keysends', () => {
  it('writes retry_for and our hash into the label, and reads them back (older labels give the hash only)', () => {
    const label = keysendLabel('settle round 7', 30, REF);
    expect(label).to.equal(`settle round 7 retry_for=30 ref=${REF}`);
    expect(parseKeysendLabel(label)).to.deep.equal({ ref: REF, retryForS: 30 });
    expect(parseKeysendLabel(`settle round 7 ref=${REF}`)).to.deep.equal({ ref: REF, retryForS: null });
    expect(parseKeysendLabel('keysend by someone else')).to.deep.equal({ ref: null, retryForS: null });
    expect(parseKeysendLabel(undefined)).to.deep.equal({ ref: null, retryForS: null });
  });

  const failedPart = (retryForS: number | null) => ({
    created_at: CREATED_S,
    label: retryForS === null ? `old ref=${REF}` : keysendLabel('x', retryForS, REF),
  });
  const deadline = (retryForS: number) => T + (retryForS + RETRY_END_MARGIN_S) * 1000;

  const cases: {
    name: string;
    arrange(c: KeysendCommands): void;
    retryForS: number | null;
    at: number;
    stopped: boolean;
  }[] = [
    {
      name: 'a command still running',
      arrange: (c) => c.start(REF, 30, T),
      retryForS: 30,
      at: T + 1e9,
      stopped: false,
    },
    {
      name: 'a command that answered',
      arrange: (c) => (c.start(REF, 30, T), c.end(REF, 'answered')),
      retryForS: 30,
      at: T,
      stopped: true,
    },
    {
      name: 'a command whose answer was lost, before it could stop retrying',
      arrange: (c) => (c.start(REF, 30, T), c.end(REF, 'lost')),
      retryForS: 30,
      at: deadline(30) - 1,
      stopped: false,
    },
    {
      name: 'a command whose answer was lost, once it could no longer retry',
      arrange: (c) => (c.start(REF, 30, T), c.end(REF, 'lost')),
      retryForS: 30,
      at: deadline(30),
      stopped: true,
    },
    {
      name: 'a command of another process, within retry_for',
      arrange: () => {},
      retryForS: 30,
      at: T + 30_000,
      stopped: false,
    },
    {
      name: 'a command of another process, just before the margin ends',
      arrange: () => {},
      retryForS: 30,
      at: deadline(30) - 1,
      stopped: false,
    },
    {
      name: 'a command of another process, past retry_for and the margin',
      arrange: () => {},
      retryForS: 30,
      at: deadline(30),
      stopped: true,
    },
    {
      name: 'an older label without retry_for, within an hour',
      arrange: () => {},
      retryForS: null,
      at: deadline(3599),
      stopped: false,
    },
    {
      name: 'an older label without retry_for, past an hour',
      arrange: () => {},
      retryForS: null,
      at: deadline(3600),
      stopped: true,
    },
  ];
  for (const row of cases) {
    it(`a failed part ${row.stopped ? 'is' : 'is not yet'} final for ${row.name}`, () => {
      const commands = new KeysendCommands();
      row.arrange(commands);
      expect(commands.haveStopped(REF, [failedPart(row.retryForS)], row.at)).to.equal(row.stopped);
    });
  }

  it('counts a command as live until it answers, whatever the clock says', () => {
    const commands = new KeysendCommands();
    expect(commands.isLive(REF, T)).to.equal(false);
    commands.start(REF, 1, T);
    expect(commands.isLive(REF, T + 1e12)).to.equal(true);
    commands.end(REF, 'answered');
    expect(commands.isLive(REF, T)).to.equal(false);
  });

  it('forgets a command that ended long ago, and never one still running', () => {
    const commands = new KeysendCommands();
    const other = 'cd'.repeat(32);
    commands.start(REF, 30, T);
    commands.end(REF, 'answered');
    commands.start(other, 30, T);
    const later = T + (30 + RETRY_END_MARGIN_S) * 1000 + 3_600_001;
    commands.start('ef'.repeat(32), 30, later);
    expect(commands.size).to.equal(3 - 1); // the answered one is forgotten; the running one is kept
    expect(commands.isLive(other, later)).to.equal(true);
  });
});
