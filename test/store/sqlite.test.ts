import { expect } from 'chai';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AttestationJson } from '../../src/attest/types.js';
import { ConfigError, InputError } from '../../src/core/errors.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { DATABASE_FILE, openStore } from '../../src/store/sqlite.js';
import type { AttestationStore } from '../../src/store/types.js';

type Store = ReturnType<typeof openStore>;

const KEY_A = 'a1'.repeat(32);
const KEY_B = 'b2'.repeat(32);

/** A well-formed attestation; the signature is not checked by the store, so any 64 bytes do. */
function attestation(fields: Partial<AttestationJson> = {}): AttestationJson {
  return {
    version: 1,
    kind: 'index_price',
    pair: 'BTC/USD',
    value: '6512345678901',
    exponent: -8,
    observedAt: '1700000000000',
    sequence: '1',
    sourceCount: 5,
    dispersionPpm: 120,
    sourcesCommitment: 'c3'.repeat(32),
    publicKey: KEY_A,
    signature: 'd4'.repeat(64),
    ...fields,
  };
}

describe('store/sqlite: openStore', () => {
  let dir: string;
  let dataDir: string;
  const opened: Store[] = [];
  const open = (historyCacheSize = 100): Store => {
    const store = openStore({ dataDir, historyCacheSize });
    opened.push(store);
    return store;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'peer-stables-store-'));
    dataDir = join(dir, 'nested', 'data');
  });
  afterEach(() => {
    for (const store of opened.splice(0)) store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('database file and schema', () => {
    it('creates the data directory (mode 0700) and the database file on first open', () => {
      open();
      expect(statSync(dataDir).mode & 0o777).to.equal(0o700);
      expect(statSync(join(dataDir, DATABASE_FILE)).isFile()).to.equal(true);
    });

    it('creates the schema, records its version and uses WAL', () => {
      open().close();
      const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
      try {
        expect(db.pragma('user_version', { simple: true })).to.equal(MIGRATIONS.length);
        expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
        const names = db
          .prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name")
          .pluck()
          .all();
        expect(names).to.include.members(['attestations', 'sequences', 'attestations_kind_observed_at']);
      } finally {
        db.close();
      }
    });

    it('reopens an existing database without migrating again, keeping its data', () => {
      const first = open();
      first.append(attestation());
      first.close();
      const second = open();
      expect(second.range({ from: 0, to: 2e12, limit: 10 })).to.deep.equal([attestation()]);
    });

    it('refuses a database written by a newer version', () => {
      open().close();
      const db = new Database(join(dataDir, DATABASE_FILE));
      db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
      db.close();
      expect(() => open()).to.throw(
        ConfigError,
        new RegExp(
          `schema version ${MIGRATIONS.length + 1} is newer than this software supports \\(${MIGRATIONS.length}\\)`,
        ),
      );
    });

    it('refuses a file that is not a SQLite database, with a clear error', () => {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(join(dataDir, DATABASE_FILE), 'this is not a database, just some text '.repeat(100));
      expect(() => open()).to.throw(ConfigError, /cannot open the database .*oracle\.sqlite3: file is not a database/);
    });

    const badOptions: Array<[what: string, options: { dataDir: string; historyCacheSize: number }, message: RegExp]> = [
      ['an empty data dir', { dataDir: '', historyCacheSize: 10 }, /dataDir must be a non-empty path/],
      ['a zero cache size', { dataDir: '/tmp/x', historyCacheSize: 0 }, /historyCacheSize must be a positive integer/],
      [
        'a fractional cache size',
        { dataDir: '/tmp/x', historyCacheSize: 1.5 },
        /historyCacheSize must be a positive integer/,
      ],
    ];
    for (const [what, options, message] of badOptions) {
      it(`rejects ${what}`, () => {
        expect(() => openStore(options)).to.throw(ConfigError, message);
      });
    }

    it('close() can be called twice', () => {
      const store = open();
      store.close();
      expect(() => store.close()).to.not.throw();
    });
  });

  describe('nextSequence', () => {
    it('strictly increases, also across close and reopen', () => {
      const first = open();
      expect([first.nextSequence(KEY_A), first.nextSequence(KEY_A), first.nextSequence(KEY_A)]).to.deep.equal([
        1n,
        2n,
        3n,
      ]);
      first.close();
      expect(open().nextSequence(KEY_A)).to.equal(4n);
    });

    it('returns the larger of last + 1 and atLeast', () => {
      const store = open();
      const steps: Array<[atLeast: bigint | undefined, expected: bigint]> = [
        [undefined, 1n],
        [1_700_000_000_000n, 1_700_000_000_000n], // the tick time jumps ahead
        [1_700_000_000_000n, 1_700_000_000_001n], // same tick time twice: still unique
        [5n, 1_700_000_000_002n], // a clock that went back cannot lower the counter
        [1_700_000_000_010n, 1_700_000_000_010n],
      ];
      for (const [atLeast, expected] of steps) expect(store.nextSequence(KEY_A, atLeast)).to.equal(expected);
    });

    it('keeps an independent counter per public key', () => {
      const store = open();
      store.nextSequence(KEY_A, 100n);
      expect(store.nextSequence(KEY_B)).to.equal(1n);
      expect(store.nextSequence(KEY_A)).to.equal(101n);
    });

    it('keeps full 64-bit precision', () => {
      const store = open();
      const big = 2n ** 62n + 1n; // not representable as a JS number
      expect(store.nextSequence(KEY_A, big)).to.equal(big);
      expect(store.nextSequence(KEY_A)).to.equal(big + 1n);
    });

    it('refuses to go past the largest storable integer', () => {
      const store = open();
      expect(store.nextSequence(KEY_A, 2n ** 63n - 1n)).to.equal(2n ** 63n - 1n);
      expect(() => store.nextSequence(KEY_A)).to.throw(InputError, /sequence numbers exhausted/);
    });

    const bad: Array<[what: string, key: string, atLeast: bigint | undefined, message: RegExp]> = [
      ['an uppercase key', KEY_A.toUpperCase(), undefined, /publicKeyHex must be 64 lowercase hex/],
      ['a short key', 'ab', undefined, /publicKeyHex must be 64 lowercase hex/],
      ['a negative atLeast', KEY_A, -1n, /atLeast must be a bigint in 0..2\^63-1/],
      ['an atLeast above 2^63-1', KEY_A, 2n ** 63n, /atLeast must be a bigint/],
    ];
    for (const [what, key, atLeast, message] of bad) {
      it(`rejects ${what}`, () => {
        expect(() => open().nextSequence(key, atLeast)).to.throw(InputError, message);
      });
    }
  });

  describe('append and latest', () => {
    it('stores the body in the canonical served form (protocol key order)', () => {
      const reordered = Object.fromEntries(Object.entries(attestation()).reverse()) as unknown as AttestationJson;
      open().append(reordered);
      const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
      try {
        const body = db.prepare('SELECT body FROM attestations').pluck().get();
        expect(body).to.equal(JSON.stringify(attestation()));
      } finally {
        db.close();
      }
    });

    it('rejects a (public key, sequence) pair already stored, but not the same sequence of another key', () => {
      const store = open();
      store.append(attestation({ sequence: '7' }));
      expect(() => store.append(attestation({ sequence: '7', value: '1' }))).to.throw(
        InputError,
        /sequence 7 is already stored/,
      );
      expect(() => store.append(attestation({ sequence: '7', publicKey: KEY_B }))).to.not.throw();
    });

    const malformed: Array<[what: string, value: unknown, message: RegExp]> = [
      ['a missing field', (({ signature: _s, ...rest }) => rest)(attestation()), /missing field\(s\): signature/],
      ['an extra field', { ...attestation(), note: 'x' }, /unexpected field\(s\): note/],
      ['a numeric sequence', { ...attestation(), sequence: 7 }, /sequence must be a string/],
      ['short hex', attestation({ signature: 'ab' }), /signature must be 128 lowercase hex/],
      ['a sequence SQLite cannot store', attestation({ sequence: (2n ** 63n).toString() }), /sequence above 2\^63-1/],
    ];
    for (const [what, value, message] of malformed) {
      it(`rejects ${what}`, () => {
        const store = open();
        expect(() => store.append(value as AttestationJson)).to.throw(InputError, message);
        expect(store.range({ from: 0, to: 2e12, limit: 10 })).to.deep.equal([]);
      });
    }

    it('latest() returns the highest sequence of that kind and key, or null', () => {
      const store = open();
      expect(store.latest('index_price', KEY_A)).to.equal(null);
      store.append(attestation({ sequence: '1', value: '1' }));
      store.append(attestation({ sequence: '3', value: '3' }));
      store.append(attestation({ sequence: '2', value: '2' }));
      store.append(attestation({ sequence: '4', kind: 'funding_rate', value: '4' }));
      store.append(attestation({ sequence: '5', publicKey: KEY_B, value: '5' }));
      expect(store.latest('index_price', KEY_A)?.value).to.equal('3');
      expect(store.latest('funding_rate', KEY_A)?.value).to.equal('4');
      expect(store.latest('index_price', KEY_B)?.value).to.equal('5');
      expect(store.latest('funding_rate', KEY_B)).to.equal(null);
    });
  });

  describe('range', () => {
    /** Five attestations at t = 10..50, two of them funding rates, appended out of time order. */
    function seeded(): Store {
      const store = open();
      const rows: Array<[seq: number, at: number, kind: AttestationJson['kind']]> = [
        [3, 30, 'index_price'],
        [1, 10, 'index_price'],
        [2, 20, 'funding_rate'],
        [5, 50, 'index_price'],
        [4, 40, 'funding_rate'],
      ];
      for (const [seq, at, kind] of rows)
        store.append(attestation({ sequence: String(seq), observedAt: String(at), kind }));
      return store;
    }
    const times = (rows: AttestationJson[]): number[] => rows.map((r) => Number(r.observedAt));

    const cases: Array<[what: string, query: Parameters<AttestationStore['range']>[0], expected: number[]]> = [
      ['everything, oldest first', { from: 0, to: 100, limit: 100 }, [10, 20, 30, 40, 50]],
      ['from and to are inclusive', { from: 20, to: 40, limit: 100 }, [20, 30, 40]],
      ['limit keeps the oldest', { from: 0, to: 100, limit: 2 }, [10, 20]],
      ['kind filter', { from: 0, to: 100, limit: 100, kind: 'funding_rate' }, [20, 40]],
      ['kind filter with a window', { from: 15, to: 100, limit: 1, kind: 'index_price' }, [30]],
      ['an empty window', { from: 31, to: 39, limit: 100 }, []],
      ['from after to', { from: 50, to: 10, limit: 100 }, []],
    ];
    for (const [what, query, expected] of cases) {
      it(what, () => {
        expect(times(seeded().range(query))).to.deep.equal(expected);
      });
    }

    it('returns the attestations exactly as appended', () => {
      const store = open();
      const a = attestation({
        sequence: '9',
        observedAt: '1700000000123',
        value: '-42',
        kind: 'funding_rate',
        exponent: -6,
      });
      store.append(a);
      expect(store.range({ from: 0, to: 2e12, limit: 10 })).to.deep.equal([a]);
    });

    const badQueries: Array<[what: string, query: unknown, message: RegExp]> = [
      ['a negative from', { from: -1, to: 10, limit: 1 }, /from must be a non-negative integer/],
      ['a fractional to', { from: 0, to: 1.5, limit: 1 }, /to must be a non-negative integer/],
      ['a zero limit', { from: 0, to: 10, limit: 0 }, /limit must be a positive integer/],
      [
        'an unknown kind',
        { from: 0, to: 10, limit: 1, kind: 'volume' },
        /kind must be one of index_price, funding_rate, perp_premium, funding_index/,
      ],
    ];
    for (const [what, query, message] of badQueries) {
      it(`rejects ${what}`, () => {
        expect(() => open().range(query as Parameters<AttestationStore['range']>[0])).to.throw(InputError, message);
      });
    }

    it('gives every caller its own objects: changing one result cannot change the next', () => {
      const store = seeded();
      const query = { from: 0, to: 100, limit: 100 };
      const mine = store.range(query);
      mine.pop();
      (mine[0] as AttestationJson).value = '0';
      expect(times(store.range(query))).to.deep.equal([10, 20, 30, 40, 50]);
      expect(store.range(query)[0]?.value).to.equal(attestation().value);
    });
  });

  describe('page cache', () => {
    const page = (store: Store, from: number, to: number) => store.page({ from, to, limit: 100, maxBytes: 1 << 20 });
    const seeded = (cacheRows = 100): Store => {
      const store = open(cacheRows);
      for (let i = 1; i <= 5; i += 1) store.append(attestation({ sequence: String(i), observedAt: String(i * 10) }));
      return store;
    };

    it('serves a repeated page from the cache, and an append invalidates it', () => {
      const store = seeded();
      const first = page(store, 0, 100);
      expect(page(store, 0, 100), 'the same cached page').to.equal(first);
      store.append(attestation({ sequence: '6', observedAt: '60' }));
      const third = page(store, 0, 100);
      expect(third.count).to.equal(6);
      expect(first.count, 'a page served earlier is not changed').to.equal(5);
    });

    it('bounds the cache by rows held, not by pages: a page larger than the cache is not kept', () => {
      const store = seeded(4); // room for one 3-row page (3 rows + 1), not for two
      expect(page(store, 0, 100), 'a 5-row page is larger than the cache').to.not.equal(page(store, 0, 100));
      const a = page(store, 0, 30);
      expect(page(store, 0, 30), 'cached').to.equal(a);
      page(store, 30, 50); // evicts a
      expect(page(store, 0, 30), 'evicted to make room').to.not.equal(a);
    });

    it('works with a cache of one entry', () => {
      const store = open(1);
      store.append(attestation({ sequence: '1', observedAt: '10' }));
      expect(page(store, 0, 100).count).to.equal(1);
      expect(page(store, 11, 100).count).to.equal(0);
      expect(page(store, 0, 100).count).to.equal(1);
    });

    it('a prune invalidates cached pages', () => {
      const store = seeded();
      expect(page(store, 0, 100).count).to.equal(5);
      store.prune(30);
      expect(page(store, 0, 100).count).to.equal(3);
    });
  });

  describe('prune', () => {
    it('deletes attestations observed before the cut-off, keeps the rest, and clears cached results', () => {
      const store = open();
      for (const at of [10, 20, 30]) store.append(attestation({ sequence: String(at), observedAt: String(at) }));
      const query = { from: 0, to: 100, limit: 100 };
      expect(store.range(query)).to.have.length(3);
      expect(store.prune(20)).to.equal(1); // strictly before: t = 20 is kept
      expect(store.range(query).map((r) => r.observedAt)).to.deep.equal(['20', '30']);
      expect(store.prune(20)).to.equal(0);
      expect(store.prune(1_000)).to.equal(2);
      expect(store.range(query)).to.deep.equal([]);
      expect(store.latest('index_price', KEY_A)).to.equal(null);
    });

    it('never touches sequence counters', () => {
      const store = open();
      const seq = store.nextSequence(KEY_A, 50n);
      store.append(attestation({ sequence: seq.toString(), observedAt: '10' }));
      store.prune(1_000);
      expect(store.nextSequence(KEY_A)).to.equal(51n);
    });

    it('rejects a non-integer cut-off', () => {
      expect(() => open().prune(Number.NaN)).to.throw(InputError, /beforeMs must be an integer/);
    });
  });
  describe('funding index state (docs/METHODOLOGY.md 8.8)', () => {
    const signed = (value: bigint, at: number) =>
      attestation({
        kind: 'funding_index',
        exponent: -17,
        value: String(value),
        observedAt: String(at),
        sequence: String(at),
      });

    it('is null until started, and survives a restart with the attestation that signed it', () => {
      const store = open();
      expect(store.fundingIndex(KEY_A, 'BTC/USD')).to.equal(null);
      store.startFundingIndex(KEY_A, 'BTC/USD', { value: 0n, remainder: 0n, at: null });
      store.append(signed(0n, 1000), { value: 0n, remainder: 0n, at: 1000 });
      store.append(signed(41n, 61_000), { value: 41n, remainder: 5n, at: 61_000 });
      store.close();
      const again = open();
      expect(again.fundingIndex(KEY_A, 'BTC/USD')).to.deep.equal({ value: 41n, remainder: 5n, at: 61_000 });
      expect(again.fundingIndex(KEY_B, 'BTC/USD')).to.equal(null);
      // Pruning history never loses what the index continues from.
      again.prune(10 ** 12);
      expect(again.fundingIndex(KEY_A, 'BTC/USD')).to.deep.equal({ value: 41n, remainder: 5n, at: 61_000 });
    });

    it('never restarts a stored index at zero, nor moves it back in time', () => {
      const store = open();
      store.startFundingIndex(KEY_A, 'BTC/USD', { value: 7n, remainder: 0n, at: 5000 });
      expect(() => store.startFundingIndex(KEY_A, 'BTC/USD', { value: 0n, remainder: 0n, at: null })).to.throw(
        InputError,
        /already stored \(value 7 at 5000\); refusing to replace it with a new index/,
      );
      expect(() => store.startFundingIndex(KEY_A, 'BTC/USD', { value: 3n, remainder: 0n, at: 4000 })).to.throw(
        InputError,
        /never restarts or goes back/,
      );
      expect(() => store.append(signed(1n, 4000), { value: 1n, remainder: 0n, at: 4000 })).to.throw(
        InputError,
        /stored at 5000; it never goes back to 4000/,
      );
      expect(store.range({ from: 0, to: 10 ** 6, limit: 10 })).to.deep.equal([]);
      store.startFundingIndex(KEY_A, 'BTC/USD', { value: 9n, remainder: 0n, at: 6000 }); // a later restore
      expect(store.fundingIndex(KEY_A, 'BTC/USD')).to.deep.equal({ value: 9n, remainder: 0n, at: 6000 });
    });

    it('stores a state only with the funding_index attestation that signed it', () => {
      const store = open();
      expect(() => store.append(attestation(), { value: 0n, remainder: 0n, at: 1_700_000_000_000 })).to.throw(
        InputError,
        /stored only with the funding_index attestation it signed/,
      );
      expect(() => store.append(signed(5n, 1000), { value: 6n, remainder: 0n, at: 1000 })).to.throw(InputError);
      expect(() => store.append(signed(5n, 1000), { value: 5n, remainder: 72n, at: 1000 })).to.throw(
        InputError,
        /remainder must be in 0..71, got 72/,
      );
      expect(store.fundingIndex(KEY_A, 'BTC/USD')).to.equal(null);
    });
  });
});
