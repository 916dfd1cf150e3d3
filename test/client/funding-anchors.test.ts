/**
 * Each oracle's anchor comes from a /history page of one (src/client/funding-anchors.ts): only its
 * own verified funding index observed in [since, since + fundingMaxQuoteAgeMs] is pinned; every other
 * page leaves that oracle without an anchor and says why, so a bad history never becomes one.
 */
import { expect } from 'chai';
import { toJson } from '../../src/attest/json.js';
import { signAttestation } from '../../src/attest/sign.js';
import { parseClientConfig } from '../../src/client/config.js';
import { pinAnchors } from '../../src/client/funding-anchors.js';
import type { AppliedIndex } from '../../src/client/ledger-types.js';
import type { FetchedQuote } from '../../src/client/types.js';
import { KEYS, SECRETS, T0 } from './round-setup.js';

const config = parseClientConfig({
  role: 'provider',
  stableUsd: '100.00',
  channel: { id: '1x1x1', peerId: `02${'aa'.repeat(32)}` },
  oracles: [{ url: 'http://127.0.0.1:1/0', publicKey: KEYS[0] }],
  threshold: 1,
  funding: true,
  fundingStart: new Date(T0).toISOString(),
  lightning: { kind: 'cln-rpc', socket: '/unused' },
});

const index = (observedAt: number, kind: 'funding_index' | 'funding_rate' = 'funding_index') =>
  signAttestation(
    {
      version: 1,
      kind,
      pair: 'BTC/USD',
      value: 7n,
      exponent: kind === 'funding_index' ? -17 : -10,
      observedAt: BigInt(observedAt),
      sequence: BigInt(observedAt),
      sourceCount: 5,
      dispersionPpm: 10,
      sourcesCommitment: new Uint8Array(32),
    },
    SECRETS[0] as Uint8Array,
  );
const page = (...attestations: unknown[]): FetchedQuote => ({ ok: true, body: { attestations } });

async function pinned(served: FetchedQuote) {
  const oracles = new Map<string, AppliedIndex>();
  const why = await pinAnchors(config, async () => [served], T0, [index(T0 + 600_000)], oracles);
  return { anchor: oracles.get(KEYS[0] as string)?.anchor.observedAt, why: why.get(KEYS[0] as string) };
}

describe('client/funding anchors: a history entry becomes an anchor only if it is the right one', () => {
  it('pins the first index observed within fundingMaxQuoteAgeMs after the start', async () => {
    expect(await pinned(page(toJson(index(T0 + 180_000))))).to.deep.equal({
      anchor: BigInt(T0 + 180_000),
      why: undefined,
    });
  });

  const refused: [string, FetchedQuote, RegExp][] = [
    ['one observed later (pruned)', page(toJson(index(T0 + 180_001))), /more than fundingMaxQuoteAgeMs/],
    ['one observed before the start', page(toJson(index(T0 - 1))), /before the start/],
    ['an empty history', page(), /no anchor at or after the funding start yet/],
    ['an unreachable history', { ok: false, error: 'connect ECONNREFUSED' }, /did not answer \(connect ECONNREFUSED\)/],
    ['a page with no list', { ok: true, body: { attestations: 'no' } }, /no attestation list/],
    ['a forged entry', page({ ...toJson(index(T0)), value: '8' }), /does not verify/],
    ['another kind', page(toJson(index(T0, 'funding_rate'))), /is funding_rate BTC\/USD/],
  ];
  for (const [what, served, why] of refused)
    it(`never pins ${what}, and says why`, async () => {
      const got = await pinned(served);
      expect(got.anchor).to.equal(undefined);
      expect(got.why).to.match(why);
    });
});
