/**
 * The attack of issue 8, reproduced: two oracles with the same oracle key and the same nonce
 * secret (a standby, a staging copy) each attest one event, from index values a dollar apart.
 * Two BIP340 signatures under one nonce R over different messages give the secret key:
 * s1 - s2 = (e1 - e2) d (mod n). Every process started from this repository must make that
 * impossible, and refuse the copies that would share a lineage's nonces.
 */
import { expect } from 'chai';
import { copyFileSync, cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import * as secp from '@noble/secp256k1';
import { taggedHash } from '../../src/attest/hash.js';
import { publicKeyOf } from '../../src/attest/keys.js';
import { ConfigError } from '../../src/core/errors.js';
import { attestationDigest } from '../../src/dlc/sign.js';
import { decodeAnnouncement, decodeAttestation } from '../../src/dlc/tlv.js';
import { EVENT_T0, ORACLE_SECRET, T0, bytes, hex, makeHarness, type Harness } from './service-harness.js';

const { n: N } = secp.Point.CURVE();
const { bytesToNumberBE, numberToBytesBE, mod, invert } = secp.etc;

/** The secret scalar two signatures under one R reveal, or null when their nonces differ. */
function recoverKey(
  sig1: Uint8Array,
  m1: Uint8Array,
  sig2: Uint8Array,
  m2: Uint8Array,
  publicKey: Uint8Array,
): bigint | null {
  const R1 = sig1.subarray(0, 32);
  if (hex(R1) !== hex(sig2.subarray(0, 32))) return null;
  const challenge = (m: Uint8Array): bigint =>
    mod(bytesToNumberBE(taggedHash('BIP0340/challenge', Uint8Array.from([...R1, ...publicKey, ...m]))), N);
  const [e1, e2] = [challenge(m1), challenge(m2)];
  if (e1 === e2) return null;
  const ds = mod(bytesToNumberBE(sig1.subarray(32)) - bytesToNumberBE(sig2.subarray(32)), N);
  return mod(ds * invert(mod(e1 - e2, N), N), N);
}

/** Announces and attests EVENT_T0 on `h` from an index of `usd`; returns announcement and attestation hex. */
function attestOn(h: Harness, usd: string): { announcement: string; attestation: string } {
  const service = h.open();
  service.pass();
  h.history.add(T0 + 1_000, usd);
  h.clock.set(T0 + 2_000);
  service.pass();
  const view = service.view(EVENT_T0);
  return { announcement: view?.announcement.hex ?? '', attestation: view?.attestation?.hex ?? '' };
}

describe('DLC nonce safety across instances', () => {
  const harnesses: Harness[] = [];
  const harness = (): Harness => {
    const h = makeHarness();
    harnesses.push(h);
    return h;
  };
  afterEach(() => harnesses.splice(0).forEach((h) => h.cleanup()));

  it('two oracles sharing oracle key and nonce secret never sign two outcomes under one nonce: no key comes out', () => {
    const [primary, standby] = [harness(), harness()];
    copyFileSync(primary.config.nonceSecretFile, standby.config.nonceSecretFile);
    const a = attestOn(primary, '65432');
    const b = attestOn(standby, '65433');
    const [sa, sb] = [decodeAttestation(bytes(a.attestation)), decodeAttestation(bytes(b.attestation))];
    expect(sa.outcomes).to.not.deep.equal(sb.outcomes);
    const publicKey = publicKeyOf(ORACLE_SECRET);
    const secret = bytesToNumberBE(ORACLE_SECRET);
    sa.outcomes.forEach((outcome, i) => {
      const other = sb.outcomes[i] as string;
      if (outcome === other) return;
      const d = recoverKey(
        sa.signatures[i]!,
        attestationDigest(outcome, 'tagged-v0'),
        sb.signatures[i]!,
        attestationDigest(other, 'tagged-v0'),
        publicKey,
      );
      expect(d === secret || d === N - secret, `digit ${i} reveals the oracle key`).to.equal(false);
      expect(d === null ? null : hex(numberToBytesBE(d))).to.equal(null);
    });
    const nonces = (h: string) => decodeAnnouncement(bytes(h)).event.nonces.map(hex);
    const [na, nb] = [nonces(a.announcement), nonces(b.announcement)];
    expect(
      na.filter((r) => nb.includes(r)),
      'nonces shared by the two oracles',
    ).to.deep.equal([]);
  });

  it('a copy of the data directory started with a new journal (a staging copy) is refused', () => {
    const primary = harness();
    primary.open().pass(); // announced, nothing attested yet
    const staging = harness();
    copyFileSync(primary.config.nonceSecretFile, staging.config.nonceSecretFile);
    rmSync(staging.dataDir, { recursive: true, force: true });
    cpSync(primary.dataDir, staging.dataDir, { recursive: true });
    expect(() => staging.open()).to.throw(ConfigError, /journal/);
  });

  it('a new database beside the journal of a lineage is refused: a journal copy never clones its nonces', () => {
    const primary = harness();
    attestOn(primary, '65432');
    const standby = harness();
    copyFileSync(primary.config.nonceSecretFile, standby.config.nonceSecretFile);
    mkdirSync(dirname(standby.config.journalFile), { recursive: true });
    copyFileSync(primary.config.journalFile, standby.config.journalFile);
    expect(() => standby.open()).to.throw(ConfigError, /database/);
  });

  it('one journal never serves two databases at once: the second process is refused while the first holds it', () => {
    const first = harness();
    first.open();
    const second = harness();
    copyFileSync(first.config.nonceSecretFile, second.config.nonceSecretFile);
    const shared = { ...second.config, journalFile: first.config.journalFile };
    expect(() => second.open({ config: shared })).to.throw(ConfigError, /in use|another process|lock/);
  });
});
