/**
 * The events the oracle puts on Nostr, as pure functions of what it signed: the figure's content
 * is the attestation JSON byte for byte, its `d` tag names kind and pair, the DLC kinds carry the
 * TLVs as wallets read them, and the same input always gives the same event id.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { getEventHash, verifyEvent, finalizeEvent } from 'nostr-tools/pure';
import { publicKeyOf } from '../../src/attest/keys.js';
import { verifyJson } from '../../src/attest/json.js';
import type { AttestationJson } from '../../src/attest/types.js';
import { decodeAnnouncement, decodeAttestationRustDlc } from '../../src/dlc/tlv.js';
import {
  ANNOUNCEMENT_KIND,
  ATTESTATION_KIND,
  FIGURE_KIND,
  announcementEvent,
  attestationEvent,
  figureEvent,
  figureTag,
  profileEvent,
} from '../../src/nostr/events.js';
import { isKeyBinding, signKeyBinding } from '../../src/nostr/key-binding.js';
import { publish } from '../../src/oracle/publish.js';
import { EVENT_T0, T0, hex, makeHarness } from '../dlc/service-harness.js';

const vectors = JSON.parse(readFileSync(new URL('../../docs/vectors/attestations.json', import.meta.url), 'utf8')) as {
  description: string;
  attestation: AttestationJson;
}[];
const nostrVectors = JSON.parse(readFileSync(new URL('../../docs/vectors/nostr.json', import.meta.url), 'utf8')) as {
  figureEvent: { event: { pubkey: string }; id: string };
};
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

describe('nostr/events', () => {
  describe('a signed figure: kind 30078, d tag of kind and pair, content exactly as /price serves it', () => {
    for (const { description, attestation } of vectors) {
      it(description, () => {
        const published = publish(attestation);
        const event = figureEvent(published);
        expect(event.kind).to.equal(FIGURE_KIND);
        expect(event.content).to.equal(published.body.toString('utf8'));
        expect(event.tags[0]).to.deep.equal(['d', `peer-stables:${attestation.kind}:${attestation.pair}`]);
        expect(event.created_at).to.equal(Math.floor(Number(BigInt(attestation.observedAt) / 1000n)));
        expect(verifyJson(JSON.parse(event.content), attestation.publicKey)).to.be.an('object');
      });
    }

    it('gives the id of the committed vector (docs/vectors/nostr.json), so another implementation can check it', () => {
      const template = figureEvent(publish(vectors[0]!.attestation));
      const pubkey = nostrVectors.figureEvent.event.pubkey;
      expect({ ...template, pubkey }).to.deep.equal(nostrVectors.figureEvent.event);
      expect(getEventHash({ ...template, pubkey })).to.equal(nostrVectors.figureEvent.id);
    });

    it('publishes a kind it has never heard of the same way (a future figure needs no code here)', () => {
      const json = { ...vectors[0]!.attestation, kind: 'funding_index', pair: 'BTC/USD' };
      expect(figureEvent(publish(json)).tags[0]).to.deep.equal(['d', figureTag('funding_index', 'BTC/USD')]);
    });
  });

  describe('DLC kinds 88 and 89, as kormir and ddk publish them', () => {
    const h = makeHarness({}, T0 - 30 * 60_000);
    after(() => h.cleanup());
    const published: Parameters<Parameters<ReturnType<typeof h.open>['subscribe']>[0]>[0][] = [];
    before(() => {
      const service = h.open();
      service.subscribe((p) => published.push(p));
      service.pass();
      h.history.add(T0 + 1_000, '65432');
      h.clock.set(T0 + 2_000);
      service.pass();
      service.close();
    });

    it('after a restart, a new listener first hears every announcement still waiting for its attestation', () => {
      const service = h.open();
      const heard: typeof published = [];
      service.subscribe((p) => heard.push(p));
      service.close();
      const waiting = published.filter((p) => p.kind === 'announcement' && p.eventId !== EVENT_T0);
      expect(waiting).to.not.have.length(0);
      // The attested event is not told again; the others are, with the bytes and dates first told.
      expect(heard).to.deep.equal(waiting);
    });

    it('the DLC service tells each announcement and attestation once, after storing it', () => {
      expect(published.filter((p) => p.eventId === EVENT_T0).map((p) => p.kind)).to.deep.equal([
        'announcement',
        'attestation',
      ]);
    });

    it('kind 88 carries the base64 of the whole announcement TLV, dated when it was announced', () => {
      const p = published.find((x) => x.kind === 'announcement')!;
      const event = announcementEvent(p.announcement, p.announcedAt);
      expect(event.kind).to.equal(ANNOUNCEMENT_KIND);
      expect(Buffer.from(event.content, 'base64').subarray(0, 3).toString('hex')).to.equal('fdd824');
      expect(decodeAnnouncement(new Uint8Array(Buffer.from(event.content, 'base64'))).event.eventId).to.equal(
        p.eventId,
      );
      expect(event.created_at).to.equal(Math.floor(p.announcedAt / 1000));
    });

    it('kind 89 carries the rust-dlc layout and names the kind 88 event by id', () => {
      const p = published.find((x) => x.kind === 'attestation')!;
      if (p.kind !== 'attestation') throw new Error('unreachable');
      const event = attestationEvent(p.attestation, p.attestedAt, 'ab'.repeat(32));
      expect(event.kind).to.equal(ATTESTATION_KIND);
      expect(event.tags).to.deep.equal([['e', 'ab'.repeat(32)]]);
      const decoded = decodeAttestationRustDlc(new Uint8Array(Buffer.from(event.content, 'base64')));
      expect(decoded.outcomes).to.deep.equal(p.attestation.outcomes);
      expect(hex(decoded.oraclePublicKey)).to.equal(hex(p.attestation.oraclePublicKey));
    });
  });

  it('the profile names the oracle key and carries its binding of the signing Nostr key', () => {
    const oracleSecret = bytes('00'.repeat(31) + '05');
    const nostrSecret = bytes('00'.repeat(31) + '06');
    const binding = signKeyBinding(oracleSecret, publicKeyOf(nostrSecret));
    const event = finalizeEvent(
      profileEvent({ oraclePublicKey: publicKeyOf(oracleSecret), keyBinding: binding }, 1_700_000_000_000),
      nostrSecret,
    );
    expect(verifyEvent(event)).to.equal(true);
    const content = JSON.parse(event.content) as { peer_stables: { oraclePublicKey: string; keyBinding: string } };
    expect(content.peer_stables.oraclePublicKey).to.equal(hex(publicKeyOf(oracleSecret)));
    // What a client does: the event's author is the key the pinned oracle key binds.
    expect(
      isKeyBinding(publicKeyOf(oracleSecret), bytes(event.pubkey), bytes(content.peer_stables.keyBinding)),
    ).to.equal(true);
  });
});
