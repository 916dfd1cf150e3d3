/**
 * What a round records and says: every round is in the ledger (the failed ones too), reasons say
 * what was observed, rounds faster than the oracles sign are not warnings, and the record each
 * payment carries commits to exactly the attestations the round used.
 */
import { expect } from 'chai';
import { attestationDigest } from '../../src/attest/sign.js';
import { fromJson } from '../../src/attest/json.js';
import type { AttestationJson } from '../../src/attest/types.js';
import { taggedHash } from '../../src/attest/hash.js';
import type { FetchedQuote } from '../../src/client/types.js';
import type { LightningBackend } from '../../src/lightning/types.js';
import { overriding, recordingLogger, setup, usd, type Side } from './round-setup.js';

const WARN = 40;

/** The backend of `side` as a node that cannot be reached: every call rejects. */
function unreachable(side: Side): LightningBackend {
  const refuse = async (): Promise<never> => {
    throw new Error('connect ECONNREFUSED /run/lightning-rpc');
  };
  return overriding(side.fake, { getChannel: refuse, keysend: refuse, lookupPayment: refuse, listReceived: refuse });
}

/** The settlement commitment of docs/PROTOCOL.md, computed here from the served quotes. */
function commitmentOf(quotes: readonly FetchedQuote[]): string {
  const digests = quotes
    .filter((q): q is { ok: true; body: unknown } => q.ok)
    .map((q) => Buffer.from(attestationDigest(fromJson(q.body as AttestationJson))))
    .sort(Buffer.compare);
  return Buffer.from(
    taggedHash('PeerStables/settlement/v1', Buffer.concat([Buffer.of(digests.length), ...digests])),
  ).toString('hex');
}

describe('client/round: what a round records and says', () => {
  it('records every round of a node outage, failed ones included, with what failed', async () => {
    const w = setup();
    await w.provider.round();
    w.provider.backend = unreachable(w.provider);
    for (let i = 0; i < 13; i += 1) {
      w.clock.advance(2_000);
      await w.provider.round().catch(() => undefined);
    }
    const rounds = w.provider.ledger.rounds(20);
    expect(rounds).to.have.length(14);
    expect(rounds.slice(0, 13).every((r) => r.action === 'error')).to.equal(true);
    expect(rounds[0]!.reason).to.match(/ECONNREFUSED/);
  });

  it('when the node dies mid-payment, the reason says what was observed, not that the client stopped', async () => {
    const w = setup();
    w.oracles.price = usd('99000');
    w.provider.fake.unreachable = true; // the keysend call fails: the node went away
    await w.provider.round().catch(() => undefined);
    w.provider.fake.unreachable = false;
    await w.provider.round();
    const failed = w.provider.ledger.payments(10).find((p) => p.status === 'failed')!;
    expect(failed.failure).to.equal(
      'the node has no record of this payment (it never reached the node, or the node lost it)',
    );
  });

  it('does not warn about funding index quotes signed once a minute, and applies their increase', async () => {
    const w = setup({ funding: true });
    const { logger, lines } = recordingLogger();
    w.provider.logger = logger;
    w.oracles.indexOffsetsMs = [0, 0, 0];
    w.oracles.fundingRate = 10_000_000n; // 0.001 per 8 h
    await w.provider.round(); // funding starts accruing now
    w.clock.advance(60_000);
    await w.provider.round(); // fresh funding index quotes
    w.clock.advance(5_000);
    const third = await w.provider.round(); // the same quotes: the oracle signs once a minute
    // 0.001 of 100 USD for 60 s of 8 h: 0.000208333... USD, 208.3 msat at 100 000 USD per BTC
    expect(third.reason).to.match(/: 0\.000208333333333\d* USD from the index \(208 msat at this price\)/);
    expect(lines.filter((l) => l.level >= WARN).map((l) => l.msg)).to.deep.equal([]);
  });

  it('treats an unchanged index quote as no new price, not as a warning', async () => {
    const w = setup();
    const { logger, lines } = recordingLogger();
    w.provider.logger = logger;
    await w.provider.round();
    w.oracles.replay = w.oracles.last; // the oracles have not signed since the last round
    w.clock.advance(2_000);
    const r = await w.provider.round();
    expect(r.action).to.not.equal('refuse');
    expect(r.reason).to.match(/no new price since the last round/);
    expect(lines.filter((l) => l.level >= WARN).map((l) => l.msg)).to.deep.equal([]);
  });

  it("record 65537 commits to every index attestation the round used, not only the first oracle's", async () => {
    const w = setup();
    w.oracles.price = usd('99000');
    await w.provider.round();
    const [payment] = w.provider.node.payments.values();
    expect(payment!.customRecords['65537']).to.equal(commitmentOf(w.oracles.last));
  });
});
