/**
 * `peer-stables funding-index`: the only way an index starts or continues for a key whose store
 * holds none (docs/METHODOLOGY.md 8.8). It must never restart a stored index at zero, and it
 * continues only from an attestation this very key signed, of this pair, of the funding_index kind.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toJson } from '../../src/attest/json.js';
import { generateKeyFile, loadSecretKey } from '../../src/attest/keys.js';
import { signAttestation } from '../../src/attest/sign.js';
import type { AttestationKind } from '../../src/attest/types.js';
import { fundingIndexCommand } from '../../src/cli/funding-index.js';
import { InputError, VerifyError } from '../../src/core/errors.js';
import { figureEvent } from '../../src/nostr/events.js';
import { publish } from '../../src/oracle/publish.js';
import { openStore } from '../../src/store/sqlite.js';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { startRelay } from '../support/nostr-relay.js';

describe('cli/funding-index', () => {
  let dir: string;
  let configFile: string;
  let keyFile: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ps-funding-index-'));
    const raw = JSON.parse(readFileSync(fileURLToPath(new URL('../../config/default.json', import.meta.url)), 'utf8'));
    keyFile = join(dir, 'oracle.key');
    raw.oracle = { ...raw.oracle, keyFile, dataDir: join(dir, 'data') };
    configFile = join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify(raw));
    generateKeyFile(keyFile);
  });
  const stored = () => {
    const store = openStore({ dataDir: join(dir, 'data'), historyCacheSize: 1 });
    try {
      const pk = Buffer.from(signAttestation(fields('funding_index', 0n), loadSecretKey(keyFile)).publicKey);
      return store.fundingIndex(pk.toString('hex'), 'BTC/USD');
    } finally {
      store.close();
    }
  };
  const fields = (kind: AttestationKind, value: bigint, pair = 'BTC/USD') => ({
    version: 1,
    kind,
    pair,
    value,
    exponent: kind === 'funding_index' ? -17 : -10,
    observedAt: 1_780_000_000_000n,
    sequence: 1_780_000_000_000n,
    sourceCount: 3,
    dispersionPpm: 5,
    sourcesCommitment: new Uint8Array(32),
  });
  const file = (kind: AttestationKind, value: bigint, key = loadSecretKey(keyFile), pair = 'BTC/USD') => {
    const path = join(dir, `${kind}-${value}.json`);
    writeFileSync(path, JSON.stringify(toJson(signAttestation(fields(kind, value, pair), key))));
    return path;
  };

  it('starts a new index once, and never over a stored one', async () => {
    expect(await fundingIndexCommand(configFile, { new: true })).to.equal(
      'started a new funding index for BTC/USD: 0 at the next funding tick',
    );
    expect(stored()).to.deep.equal({ value: 0n, remainder: 0n, at: null });
    let refused: unknown;
    await fundingIndexCommand(configFile, { new: true }).catch((err: unknown) => (refused = err));
    expect(refused)
      .to.be.instanceOf(InputError)
      .with.property('message')
      .match(/already stored/);
  });

  it('continues from an attestation the key signed: its value at its time', async () => {
    expect(await fundingIndexCommand(configFile, { restore: file('funding_index', 123_000n) })).to.equal(
      'the funding index for BTC/USD continues from 0.00000000000123000 at 2026-05-28T20:26:40.000Z',
    );
    expect(stored()).to.deep.equal({ value: 123_000n, remainder: 0n, at: 1_780_000_000_000 });
  });

  it('continues from the funding index a relay carries, never from another figure of the key', async () => {
    const relay = await startRelay();
    try {
      const nostrSecret = generateSecretKey();
      for (const [kind, value] of [
        ['funding_index', 456_000n],
        ['index_price', 9_700_000_000_000n],
      ] as const) {
        const json = toJson(signAttestation(fields(kind, value), loadSecretKey(keyFile)));
        await relay.plant(finalizeEvent({ ...figureEvent(publish(json)) }, nostrSecret));
      }
      const source = `nostr:${relay.url}#${getPublicKey(nostrSecret)}`;
      expect(await fundingIndexCommand(configFile, { restore: source })).to.match(/continues from 0.00000000000456000/);
      expect(stored()).to.deep.include({ value: 456_000n });
    } finally {
      await relay.stop();
    }
  });

  const refusals: [string, () => { new?: boolean; restore?: string }, Function, RegExp][] = [
    ['neither option', () => ({}), InputError, /exactly one of --new and --restore/],
    ['both options', () => ({ new: true, restore: 'x' }), InputError, /exactly one of --new and --restore/],
    [
      'a funding_rate',
      () => ({ restore: file('funding_rate', 5n) }),
      InputError,
      /got funding_rate of BTC\/USD at -10/,
    ],
    ['another pair', () => ({ restore: file('funding_index', 5n, undefined, 'ETH/USD') }), InputError, /of ETH\/USD/],
    [
      'another key',
      () => ({ restore: file('funding_index', 5n, new Uint8Array(32).fill(7)) }),
      VerifyError,
      /wrong key: signed by/,
    ],
    ['not JSON', () => ({ restore: configFile.replace('config.json', 'oracle.key') }), InputError, /is not JSON/],
  ];
  for (const [what, opts, type, message] of refusals)
    it(`refuses ${what}, and records nothing`, async () => {
      let refused: unknown;
      await fundingIndexCommand(configFile, opts()).catch((err: unknown) => (refused = err));
      expect(refused).to.be.instanceOf(type).with.property('message').match(message);
      expect(stored()).to.equal(null);
    });
});
