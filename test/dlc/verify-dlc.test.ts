/**
 * `peer-stables verify` on a served DLC event checks both layouts of the attestation: the
 * rust-dlc layout beside the dlcspecs one must be the same attestation, since a wallet may read
 * either.
 */
import { expect } from 'chai';
import { verifyDlcEvent } from '../../src/cli/verify-dlc.js';
import { VerifyError } from '../../src/core/errors.js';
import { EVENT_T0, T0, bytes, hex, makeHarness, ORACLE_SECRET, type Harness } from './service-harness.js';
import { publicKeyOf } from '../../src/attest/keys.js';
import { schnorr } from '../../src/attest/schnorr.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { decodeAnnouncement, decodeAttestationRustDlc } from '../../src/dlc/tlv.js';

describe('dlc/verify of a served event, both layouts', () => {
  let h: Harness;
  beforeEach(() => {
    h = makeHarness({}, T0 - 30 * 60_000);
  });
  afterEach(() => h.cleanup());

  function attestedView(config = h.config): Record<string, unknown> & { announcement: { hex: string } } {
    const service = h.open({ config });
    service.pass();
    h.history.add(T0 + 1_000, '65432');
    h.clock.set(T0 + 2_000);
    service.pass();
    const view = service.view(EVENT_T0);
    service.close();
    return JSON.parse(JSON.stringify(view)) as Record<string, unknown> & { announcement: { hex: string } };
  }

  it('accepts an event whose rust-dlc layout is the same attestation', () => {
    expect(verifyDlcEvent(attestedView(), hex(publicKeyOf(ORACLE_SECRET)))).to.match(/attested 65432 BTC\/USD/);
  });

  it('refuses an event whose rust-dlc layout says something else', () => {
    const view = attestedView();
    const attestation = view.attestation as { rustDlcHex: string };
    const outcomes = attestation.rustDlcHex.length - 2;
    const flipped = attestation.rustDlcHex.endsWith('30') ? '31' : '30';
    attestation.rustDlcHex = `${attestation.rustDlcHex.slice(0, outcomes)}${flipped}`;
    expect(() => verifyDlcEvent(view, hex(publicKeyOf(ORACLE_SECRET)))).to.throw(VerifyError, /rustDlcHex/);
  });

  it('with signingVersion plain-sha256, rustDlcHex is what a rust-dlc wallet reads and checks', () => {
    const view = attestedView(Object.freeze({ ...h.config, signingVersion: 'plain-sha256' as const }));
    const attestation = decodeAttestationRustDlc(bytes((view.attestation as { rustDlcHex: string }).rustDlcHex));
    const { event } = decodeAnnouncement(bytes(view.announcement.hex));
    // As rust-dlc does: each signature's nonce is the announced one, over sha256(outcome), no tag.
    attestation.signatures.forEach((signature, i) => {
      expect(hex(signature.subarray(0, 32))).to.equal(hex(event.nonces[i]!));
      const digest = sha256(new TextEncoder().encode(attestation.outcomes[i]!));
      expect(schnorr.verify(signature, digest, attestation.oraclePublicKey)).to.equal(true);
    });
    expect(attestation.outcomes.join('')).to.match(/^[01]{20}$/);
  });
});
