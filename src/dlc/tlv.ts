/**
 * Byte-exact TLV encodings of the DLC oracle messages (dlcspecs Messaging.md / Oracle.md), as
 * deployed oracles and wallets (bitcoin-s/Suredbits, Atomic Finance, rust-dlc) actually write them.
 * Every message is `BigSize type || BigSize length || value`; every decode is strict (wrong type,
 * truncation, trailing bytes, invalid points, non-canonical strings all throw an InputError naming
 * the field), so decode(encode(x)) equals x and encode(decode(b)) equals b byte for byte.
 *
 * One deliberate deviation from the spec text: `digit_decomposition_event_descriptor.base` is a
 * u16, not a BigSize. Every deployed implementation writes a u16 (dlcspecs issue #183; node-dlc
 * PR #27), and the real announcements in test/vectors/dlc/ only parse that way.
 */
import { ByteReader, ByteWriter } from '../attest/bytes.js';
import { isValidXOnlyKey } from '../attest/schnorr.js';
import { InputError } from '../core/errors.js';
import { readBigSize, readBigSizeAtMost, writeBigSize } from './bigsize.js';
import type { DigitDecompositionDescriptor, OracleAnnouncement, OracleAttestation, OracleEvent } from './types.js';

/** TLV type of digit_decomposition_event_descriptor. */
export const DIGIT_DESCRIPTOR_TYPE = 55306;
/** TLV type of oracle_event. */
export const EVENT_TYPE = 55330;
/** TLV type of oracle_announcement. */
export const ANNOUNCEMENT_TYPE = 55332;
/** TLV type of oracle_attestation. */
export const ATTESTATION_TYPE = 55400;

/** Longest string field accepted; far above any real event id, unit or outcome. */
const MAX_STRING_BYTES = 4096;

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

// ---------- fields ----------

function writeString(w: ByteWriter, name: string, value: string): void {
  if (typeof value !== 'string') throw new InputError(`${name} must be a string`);
  if (value.normalize('NFC') !== value) throw new InputError(`${name} must be NFC-normalised UTF-8`);
  const bytes = new TextEncoder().encode(value);
  // Lone surrogates encode to U+FFFD and would not round-trip.
  if (utf8Decoder.decode(bytes) !== value) throw new InputError(`${name} must be well-formed Unicode`);
  if (bytes.length > MAX_STRING_BYTES) throw new InputError(`${name} must be at most ${MAX_STRING_BYTES} bytes`);
  writeBigSize(w, `${name} length`, bytes.length);
  w.bytes(name, bytes, bytes.length);
}

function readString(r: ByteReader, name: string): string {
  const length = readBigSizeAtMost(r, `${name} length`, MAX_STRING_BYTES);
  const bytes = r.bytes(name, length);
  let text: string;
  try {
    text = utf8Decoder.decode(bytes);
  } catch (cause) {
    throw new InputError(`${name} is not valid UTF-8`, { cause });
  }
  if (text.normalize('NFC') !== text) throw new InputError(`${name} is not NFC-normalised`);
  return text;
}

function writeXOnly(w: ByteWriter, name: string, value: Uint8Array): void {
  if (!isValidXOnlyKey(value)) throw new InputError(`${name} must be a 32-byte x-only point on secp256k1`);
  w.bytes(name, value, 32);
}

function readXOnly(r: ByteReader, name: string): Uint8Array {
  const value = r.bytes(name, 32);
  if (!isValidXOnlyKey(value)) throw new InputError(`${name} is not an x-only point on secp256k1`);
  return value;
}

function writeI32(w: ByteWriter, name: string, value: number): void {
  if (!Number.isInteger(value) || value < -(2 ** 31) || value > 2 ** 31 - 1) {
    throw new InputError(`${name} must fit in a signed 32-bit integer, got ${String(value)}`);
  }
  w.u32(name, value >>> 0);
}

function readBool(r: ByteReader, name: string): boolean {
  const b = r.u8(name);
  if (b > 1) throw new InputError(`${name} must be 0x00 or 0x01, got 0x${b.toString(16)}`);
  return b === 1;
}

/** Wraps `value` as BigSize type || BigSize length || value. */
function wrap(type: number, name: string, value: Uint8Array): Uint8Array {
  const w = new ByteWriter();
  writeBigSize(w, `${name} type`, type);
  writeBigSize(w, `${name} length`, value.length);
  w.bytes(name, value, value.length);
  return w.finish();
}

/** Reads one TLV record of `type` from `r` and returns a reader over its value. */
function readRecord(r: ByteReader, type: number, name: string): ByteReader {
  const got = readBigSize(r, `${name} type`);
  if (got !== BigInt(type)) throw new InputError(`${name}: expected TLV type ${type}, got ${got}`);
  const length = readBigSizeAtMost(r, `${name} length`, Number.MAX_SAFE_INTEGER);
  return new ByteReader(r.bytes(`${name} value`, length));
}

/** Decodes a whole buffer as one TLV of `type`; trailing bytes after it are refused. */
function decodeWhole<T>(bytes: Uint8Array, type: number, name: string, read: (r: ByteReader) => T): T {
  if (!(bytes instanceof Uint8Array)) throw new InputError(`${name} must be bytes`);
  const outer = new ByteReader(bytes);
  const inner = readRecord(outer, type, name);
  const value = read(inner);
  endOf(inner, `${name} value`);
  endOf(outer, name);
  return value;
}

function endOf(r: ByteReader, name: string): void {
  try {
    r.end();
  } catch (cause) {
    throw new InputError(`${name}: ${(cause as Error).message}`, { cause });
  }
}

function checkU16(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min || value > 0xffff) {
    throw new InputError(`${name} must be an integer in ${min}..65535, got ${String(value)}`);
  }
}

// ---------- digit_decomposition_event_descriptor ----------

function descriptorValue(d: DigitDecompositionDescriptor): Uint8Array {
  checkU16('descriptor base', d.base, 2);
  checkU16('descriptor nbDigits', d.nbDigits, 1);
  if (typeof d.isSigned !== 'boolean') throw new InputError('descriptor isSigned must be a boolean');
  const w = new ByteWriter();
  w.u16('descriptor base', d.base);
  w.u8('descriptor isSigned', d.isSigned ? 1 : 0);
  writeString(w, 'descriptor unit', d.unit);
  writeI32(w, 'descriptor precision', d.precision);
  w.u16('descriptor nbDigits', d.nbDigits);
  return w.finish();
}

function readDescriptor(r: ByteReader): DigitDecompositionDescriptor {
  const base = r.u16('descriptor base');
  const isSigned = readBool(r, 'descriptor isSigned');
  const unit = readString(r, 'descriptor unit');
  const precision = r.u32('descriptor precision') | 0;
  const nbDigits = r.u16('descriptor nbDigits');
  checkU16('descriptor base', base, 2);
  checkU16('descriptor nbDigits', nbDigits, 1);
  return { base, isSigned, unit, precision, nbDigits };
}

/** digit_decomposition_event_descriptor as a full TLV (type 55306). Throws InputError on bad fields. */
export function encodeDescriptor(d: DigitDecompositionDescriptor): Uint8Array {
  return wrap(DIGIT_DESCRIPTOR_TYPE, 'descriptor', descriptorValue(d));
}

/** Parses a digit_decomposition_event_descriptor TLV. Throws InputError naming the bad field. */
export function decodeDescriptor(bytes: Uint8Array): DigitDecompositionDescriptor {
  return decodeWhole(bytes, DIGIT_DESCRIPTOR_TYPE, 'descriptor', readDescriptor);
}

// ---------- oracle_event ----------

/** Nonces an event needs: one per digit, plus one for the sign when the descriptor is signed. */
export function nonceCount(d: DigitDecompositionDescriptor): number {
  return d.nbDigits + (d.isSigned ? 1 : 0);
}

/**
 * The oracle_event value without its TLV type and length: what rust-dlc style oracles hash for
 * the 'plain-sha256' announcement signature. Throws InputError on bad fields.
 */
export function encodeEventValue(e: OracleEvent): Uint8Array {
  const descriptor = encodeDescriptor(e.descriptor);
  if (!Array.isArray(e.nonces) || e.nonces.length !== nonceCount(e.descriptor)) {
    throw new InputError(`event nonces: expected ${nonceCount(e.descriptor)} nonces for the descriptor`);
  }
  const w = new ByteWriter();
  w.u16('event nonce count', e.nonces.length);
  e.nonces.forEach((nonce, i) => writeXOnly(w, `event nonce ${i}`, nonce));
  w.u32('event maturity', e.eventMaturityEpoch);
  w.bytes('event descriptor', descriptor, descriptor.length);
  writeString(w, 'event id', e.eventId);
  return w.finish();
}

function readEvent(r: ByteReader): OracleEvent {
  const count = r.u16('event nonce count');
  const nonces: Uint8Array[] = [];
  for (let i = 0; i < count; i++) nonces.push(readXOnly(r, `event nonce ${i}`));
  const eventMaturityEpoch = r.u32('event maturity');
  const inner = readRecord(r, DIGIT_DESCRIPTOR_TYPE, 'event descriptor');
  const descriptor = readDescriptor(inner);
  endOf(inner, 'event descriptor value');
  const eventId = readString(r, 'event id');
  if (count !== nonceCount(descriptor)) {
    throw new InputError(`event nonce count ${count} does not match the descriptor (${nonceCount(descriptor)})`);
  }
  return { nonces, eventMaturityEpoch, descriptor, eventId };
}

/** oracle_event as a full TLV (type 55330): the bytes an announcement signs. Throws InputError. */
export function encodeEvent(e: OracleEvent): Uint8Array {
  return wrap(EVENT_TYPE, 'event', encodeEventValue(e));
}

/** Parses an oracle_event TLV (digit decomposition only). Throws InputError naming the bad field. */
export function decodeEvent(bytes: Uint8Array): OracleEvent {
  return decodeWhole(bytes, EVENT_TYPE, 'event', readEvent);
}

// ---------- oracle_announcement ----------

/** oracle_announcement as a full TLV (type 55332). Throws InputError on bad fields. */
export function encodeAnnouncement(a: OracleAnnouncement): Uint8Array {
  const event = encodeEvent(a.event);
  const w = new ByteWriter();
  w.bytes('announcement signature', a.signature, 64);
  writeXOnly(w, 'announcement public key', a.oraclePublicKey);
  w.bytes('announcement event', event, event.length);
  return wrap(ANNOUNCEMENT_TYPE, 'announcement', w.finish());
}

/** Parses an oracle_announcement TLV; does not check its signature (see verifyAnnouncement). */
export function decodeAnnouncement(bytes: Uint8Array): OracleAnnouncement {
  return decodeWhole(bytes, ANNOUNCEMENT_TYPE, 'announcement', (r) => {
    const signature = r.bytes('announcement signature', 64);
    const oraclePublicKey = readXOnly(r, 'announcement public key');
    const inner = readRecord(r, EVENT_TYPE, 'announcement event');
    const event = readEvent(inner);
    endOf(inner, 'announcement event value');
    return { signature, oraclePublicKey, event };
  });
}

// ---------- oracle_attestation ----------

/**
 * The two layouts of oracle_attestation (type 55400). Both hold event_id, public key, a u16 count
 * and the signatures, then the outcome strings; `rust-dlc` (rust-dlc since its PR #242, ddk,
 * kormir) puts a SECOND u16 count before the outcomes. Their reader takes the first two bytes after
 * the signatures as that count, so it cannot read the dlcspecs layout, nor dlcspecs readers theirs.
 */
export type AttestationLayout = 'dlcspecs' | 'rust-dlc';

/** oracle_attestation as a full TLV in `layout`; one outcome per signature. Throws InputError. */
export function encodeAttestationAs(layout: AttestationLayout, a: OracleAttestation): Uint8Array {
  const n = a.signatures.length;
  checkU16('attestation signature count', n, 1);
  if (a.outcomes.length !== n) {
    throw new InputError(`attestation outcomes: expected ${n} outcomes, one per signature, got ${a.outcomes.length}`);
  }
  const w = new ByteWriter();
  writeString(w, 'attestation event id', a.eventId);
  writeXOnly(w, 'attestation public key', a.oraclePublicKey);
  w.u16('attestation signature count', n);
  a.signatures.forEach((s, i) => w.bytes(`attestation signature ${i}`, s, 64));
  if (layout === 'rust-dlc') w.u16('attestation outcome count', n);
  a.outcomes.forEach((o, i) => writeString(w, `attestation outcome ${i}`, o));
  return wrap(ATTESTATION_TYPE, 'attestation', w.finish());
}

/**
 * Parses an oracle_attestation TLV in `layout` (in rust-dlc's, the two counts must agree); does not
 * check signatures (see verifyAttestation). Throws InputError.
 */
export function decodeAttestationAs(layout: AttestationLayout, bytes: Uint8Array): OracleAttestation {
  return decodeWhole(bytes, ATTESTATION_TYPE, 'attestation', (r) => {
    const eventId = readString(r, 'attestation event id');
    const oraclePublicKey = readXOnly(r, 'attestation public key');
    const n = r.u16('attestation signature count');
    checkU16('attestation signature count', n, 1);
    const signatures: Uint8Array[] = [];
    for (let i = 0; i < n; i++) signatures.push(r.bytes(`attestation signature ${i}`, 64));
    if (layout === 'rust-dlc') {
      const count = r.u16('attestation outcome count');
      if (count !== n) throw new InputError(`attestation outcome count ${count} differs from the signature count ${n}`);
    }
    const outcomes: string[] = [];
    for (let i = 0; i < n; i++) outcomes.push(readString(r, `attestation outcome ${i}`));
    return { eventId, oraclePublicKey, signatures, outcomes };
  });
}

/** The dlcspecs layout, which bitcoin-s and node-dlc read. */
export const encodeAttestation = (a: OracleAttestation): Uint8Array => encodeAttestationAs('dlcspecs', a);
export const decodeAttestation = (bytes: Uint8Array): OracleAttestation => decodeAttestationAs('dlcspecs', bytes);
/** The rust-dlc layout, which rust-dlc, ddk and kormir read. */
export const encodeAttestationRustDlc = (a: OracleAttestation): Uint8Array => encodeAttestationAs('rust-dlc', a);
export const decodeAttestationRustDlc = (bytes: Uint8Array): OracleAttestation =>
  decodeAttestationAs('rust-dlc', bytes);
