/**
 * An announced event is a promise: its descriptor (base, digits, sign, precision) and its nonces
 * are fixed when it is announced. Changing the configuration afterwards must never strand it:
 * it is attested with the descriptor it was announced with; only new events take the new one.
 */
import { expect } from 'chai';
import { compose } from '../../src/dlc/digits.js';
import { verifyAnnouncement, verifyAttestation } from '../../src/dlc/sign.js';
import { decodeAnnouncement, decodeAttestation } from '../../src/dlc/tlv.js';
import type { DlcConfig } from '../../src/dlc/config.js';
import { EVENT_T0, HOUR, T0, bytes, makeHarness, type Harness } from './service-harness.js';

describe('DLC descriptor changes', () => {
  let h: Harness;
  beforeEach(() => {
    h = makeHarness();
  });
  afterEach(() => h.cleanup());

  const changes: ReadonlyArray<[what: string, change: Partial<DlcConfig>]> = [
    ['nbDigits', { nbDigits: 18 }],
    ['base and nbDigits', { base: 10, nbDigits: 7 }],
    ['isSigned', { isSigned: true }],
    ['precision (base 10)', { base: 10, nbDigits: 8, precision: -1 }],
  ];
  for (const [what, change] of changes) {
    it(`events announced before a change of ${what} are attested with the descriptor they were announced with`, () => {
      const first = h.open();
      first.pass(); // announces 12:00 and 13:00 with the default descriptor (base 2, 20 digits)
      first.close();
      const reopened = h.open({ config: Object.freeze({ ...h.config, ...change }) as DlcConfig });
      h.clock.set(T0 + HOUR - 60_000);
      expect(reopened.pass().announced).to.equal(1); // 14:00, under the new descriptor
      h.history.add(T0 + 1_000, '65432');
      h.clock.set(T0 + 2_000);
      reopened.pass();

      const old = reopened.view(EVENT_T0);
      expect(old?.status).to.equal('attested');
      const announcement = decodeAnnouncement(bytes(old?.announcement.hex ?? ''));
      const attestation = decodeAttestation(bytes(old?.attestation?.hex ?? ''));
      expect(announcement.event.descriptor).to.include({ base: 2, nbDigits: 20, isSigned: false, precision: 0 });
      expect(verifyAttestation(announcement, attestation, 'tagged-v0')).to.equal(true);
      expect(compose(attestation.outcomes, announcement.event.descriptor)).to.equal(65_432n);

      const fresh = decodeAnnouncement(
        bytes(reopened.view('btcusd-hourly-2024-05-01T14:00:00Z')?.announcement.hex ?? ''),
      );
      expect(verifyAnnouncement(fresh, 'tagged-v0')).to.equal(true);
      expect(fresh.event.descriptor).to.include(change);
    });
  }
});
