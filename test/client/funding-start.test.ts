/**
 * The funding start is part of the agreement (docs/METHODOLOGY.md 8.6): nothing accrues before it,
 * each oracle's anchor must have been observed within fundingMaxQuoteAgeMs after it (a pruned or
 * late history must never become an anchor), and a ledger that accrued from another start refuses
 * to settle rather than mix the two.
 */
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { LEDGER_MIGRATIONS } from '../../src/client/ledger-schema.js';
import { T0, setup } from './round-setup.js';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A ledger of an earlier schema that holds these funding meta keys. */
const olderLedger = (meta: Record<string, string>) => (file: string) => {
  const db = new Database(file);
  db.exec(LEDGER_MIGRATIONS[0]!.sql);
  db.pragma('user_version = 1');
  const insert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
  for (const [key, value] of Object.entries(meta)) insert.run(key, value);
  db.close();
};

describe('client/funding start', () => {
  it('accrues nothing before the agreed start, and both sides agree from it on', async () => {
    const w = setup({ funding: true, extra: { fundingStart: iso(T0 + HOUR), minPaymentMsat: '0' } });
    w.oracles.fundingRate = 20_000_000n;
    const early = await w.provider.round();
    expect(early.reason).to.contain(`funding starts at ${iso(T0 + HOUR)} (fundingStart): none accrues before`);
    expect(w.provider.ledger.funding()).to.equal(null);
    w.clock.advance(3 * HOUR);
    const [p, r] = [await w.provider.round(), await w.receiver.round()];
    expect([p.action, r.action], `${p.reason} / ${r.reason}`).to.deep.equal(['pay', 'none']);
    expect(w.provider.ledger.funding()!.since).to.equal(T0 + HOUR);
    expect(w.provider.ledger.funding()!.indexUsd).to.equal(w.receiver.ledger.funding()!.indexUsd);
  });

  it('never takes as anchor an index observed long after the start (a pruned history): that oracle is left out', async () => {
    const w = setup({ funding: true });
    w.oracles.fundingRate = 20_000_000n;
    w.clock.advance(2 * HOUR);
    const served = w.oracles.fetch;
    // Oracle 2 kept only its last hour: its history's oldest entry is an hour old.
    w.oracles.fetch = async (path) => {
      const pages = await served(path);
      if (!path.startsWith('/history')) return pages;
      const pruned = await served(`/history?kind=funding_index&from=${w.clock.now() - HOUR}&limit=1`);
      return [pages[0]!, pages[1]!, pruned[2]!];
    };
    const r = await w.provider.round();
    const left = r.quotes.filter((q) => q.kind === 'funding_index' && !q.accepted);
    expect(left.map((q) => q.oracle)).to.deep.equal(['http://127.0.0.1:1/2']);
    expect(left[0]!.reason).to.match(/observed at .* more than fundingMaxQuoteAgeMs \(180000 ms\) after it/);
    expect([...w.provider.ledger.funding()!.oracles.keys()]).to.have.length(2);
    expect(w.provider.ledger.funding()!.indexUsd > 0n).to.equal(true);
  });

  it('never lets an index that moved faster than any plausible rate (a restart) count as funding', async () => {
    const w = setup({ funding: true });
    w.oracles.fundingRate = 20_000_000n;
    w.clock.advance(HOUR);
    await w.provider.round(); // pins every anchor
    w.clock.advance(HOUR);
    // Oracle 1 lost its database and restarted its index: 0.1 per USD below where it stood.
    w.oracles.indexEpochValues = [0n, 5n * 10n ** 15n - 10n ** 16n, -3n * 10n ** 16n];
    const r = await w.provider.round();
    const left = r.quotes.filter((q) => q.kind === 'funding_index' && !q.accepted);
    expect(left.map((q) => q.oracle)).to.deep.equal(['http://127.0.0.1:1/1']);
    expect(left[0]!.reason).to.match(/beyond 2 % per 8 h: a restarted or faulty index, not funding/);
    expect(w.provider.ledger.funding()!.indexUsd > 0n).to.equal(true);
  });

  it('refuses to settle when the ledger accrues from another start than fundingStart, naming both', async () => {
    const stored = T0 - 5 * HOUR;
    const w = setup({
      funding: true,
      prepareLedger: olderLedger({ fundingAccruedMsat: '0', lastFundingAt: String(T0), fundingSince: String(stored) }),
    });
    const r = await w.provider.round();
    expect(r.action).to.equal('refuse');
    expect(r.reason).to.contain(`funding since ${iso(stored)}, fundingStart is ${iso(T0)}`);
    expect(w.provider.ledger.funding()!.since).to.equal(stored); // kept: nothing mixed
  });

  it('refuses an older ledger that accrued from rates after the agreed start (that time would be paid twice)', async () => {
    const w = setup({
      funding: true,
      prepareLedger: olderLedger({ fundingAccruedMsat: '5000', lastFundingAt: String(T0 + HOUR) }),
    });
    const r = await w.provider.round();
    expect(r.action).to.equal('refuse');
    expect(r.reason).to.contain(`from rates until ${iso(T0 + HOUR)}, fundingStart is ${iso(T0)}, before it`);
  });
});
