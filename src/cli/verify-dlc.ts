/**
 * `peer-stables verify` for DLC messages: an event as /dlc/announcements/:id or
 * /dlc/attestations/:id serve it. The hex TLVs are what is checked (the decoded JSON beside them
 * is a convenience); both signing variants deployed oracles use are tried, and the one that
 * verifies must be the one the response states.
 */
import { InputError, VerifyError } from '../core/errors.js';
import { formatDecimal } from '../core/fixed.js';
import { compose } from '../dlc/digits.js';
import { verifyAnnouncement, verifyAttestation } from '../dlc/sign.js';
import { decodeAnnouncement, decodeAttestation, encodeAttestationRustDlc } from '../dlc/tlv.js';
import type { DlcSigningVersion } from '../dlc/types.js';

const VERSIONS: readonly DlcSigningVersion[] = ['tagged-v0', 'plain-sha256'];

/** Whether `raw` has the shape of a /dlc event response. */
export function isDlcEvent(raw: unknown): raw is { announcement: { hex: string } } {
  const a = (raw as { announcement?: { hex?: unknown } } | null)?.announcement;
  return typeof a === 'object' && a !== null && typeof a.hex === 'string';
}

function bytes(hex: unknown, what: string): Uint8Array {
  if (typeof hex !== 'string' || !/^(?:[0-9a-f]{2})+$/.test(hex))
    throw new InputError(`${what}.hex: expected lowercase hex`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** Verifies a DLC event response against the pinned key; returns one line, throws VerifyError or InputError. */
export function verifyDlcEvent(
  raw: { announcement: { hex: string } } & Record<string, unknown>,
  pubkeyHex: string,
): string {
  const announcement = decodeAnnouncement(bytes(raw.announcement.hex, 'announcement'));
  const key = Buffer.from(announcement.oraclePublicKey).toString('hex');
  if (key !== pubkeyHex.toLowerCase()) throw new VerifyError(`wrong key: the announcement is signed by ${key}`);
  const version = VERSIONS.find((v) => verifyAnnouncement(announcement, v));
  if (version === undefined)
    throw new VerifyError('bad signature: the announcement verifies under neither tagged-v0 nor plain-sha256');
  if (raw.signingVersion !== undefined && raw.signingVersion !== version) {
    throw new VerifyError(
      `the response says signingVersion ${String(raw.signingVersion)}, but the announcement verifies as ${version}`,
    );
  }
  const { event } = announcement;
  const head = `valid DLC announcement of ${event.eventId} (signing version ${version}, maturity ${new Date(event.eventMaturityEpoch * 1000).toISOString()})`;
  const att = (raw.attestation as { hex?: unknown; rustDlcHex?: unknown } | null | undefined) ?? null;
  if (att === null) return `${head}; not attested yet`;
  const attestation = decodeAttestation(bytes(att.hex, 'attestation'));
  // The rust-dlc layout beside it must carry the very same fields: a wallet may read either.
  if (
    att.rustDlcHex !== undefined &&
    att.rustDlcHex !== Buffer.from(encodeAttestationRustDlc(attestation)).toString('hex')
  )
    throw new VerifyError('attestation.rustDlcHex is not the same attestation as attestation.hex');
  if (attestation.eventId !== event.eventId)
    throw new VerifyError(`the attestation is for ${attestation.eventId}, not ${event.eventId}`);
  if (!verifyAttestation(announcement, attestation, version))
    throw new VerifyError('bad signature: the attestation does not verify with the announced nonces');
  const d = event.descriptor;
  const value = formatDecimal(compose(attestation.outcomes, d), d.precision);
  return `${head}; attested ${value} ${d.unit} (outcomes ${attestation.outcomes.join('')})`;
}
