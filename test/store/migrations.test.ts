import { expect } from 'chai';
import Database from 'better-sqlite3';
import { ConfigError } from '../../src/core/errors.js';
import { MIGRATIONS, migrate, type Migration } from '../../src/store/migrations.js';

const tables = (db: Database.Database): unknown[] =>
  db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
const version = (db: Database.Database): unknown => db.pragma('user_version', { simple: true });

describe('store/migrations: migrate', () => {
  let db: Database.Database;
  beforeEach(() => {
    db = new Database(':memory:');
  });
  afterEach(() => db.close());

  const one: Migration = { description: 'one', sql: 'CREATE TABLE one (x INTEGER)' };
  const two: Migration = { description: 'two', sql: 'CREATE TABLE two (y INTEGER)' };
  const broken: Migration = { description: 'broken', sql: 'CREATE TABLE three (z INTEGER); THIS IS NOT SQL' };

  it('applies every migration to a new database and records the version', () => {
    expect(migrate(db, [one, two])).to.deep.equal({ from: 0, to: 2 });
    expect(version(db)).to.equal(2);
    expect(tables(db)).to.deep.equal(['one', 'two']);
  });

  it('applies only the pending migrations to an older database', () => {
    migrate(db, [one]);
    expect(migrate(db, [one, two])).to.deep.equal({ from: 1, to: 2 });
    expect(tables(db)).to.deep.equal(['one', 'two']);
  });

  it('does nothing on an up-to-date database', () => {
    migrate(db, [one, two]);
    expect(migrate(db, [one, two])).to.deep.equal({ from: 2, to: 2 });
  });

  it('is all or nothing: a failing step rolls back the steps before it', () => {
    expect(() => migrate(db, [one, two, broken])).to.throw();
    expect(version(db)).to.equal(0);
    expect(tables(db)).to.deep.equal([]);
  });

  it('refuses a database newer than the migrations it knows', () => {
    migrate(db, [one, two]);
    expect(() => migrate(db, [one])).to.throw(
      ConfigError,
      /schema version 2 is newer than this software supports \(1\)/,
    );
    expect(version(db)).to.equal(2);
  });

  it('the shipped schema applies cleanly and enforces one attestation per (key, sequence)', () => {
    migrate(db, MIGRATIONS);
    const insert = db.prepare(
      "INSERT INTO attestations (public_key, sequence, kind, pair, observed_at, body) VALUES ('k', 1, 'index_price', 'BTC/USD', 1, '{}')",
    );
    insert.run();
    expect(() => insert.run()).to.throw(/UNIQUE constraint failed/);
  });
});
