/**
 * The custom records of an incoming HTLC, read from the onion payload Core Lightning hands the
 * `htlc_accepted` hook. lightningd passes `onion.payload` unparsed, as the sender wrote it for us:
 * a BigSize length, then the TLV stream (BOLT #4 `payload`; BOLT #1 `tlv_stream`: BigSize type,
 * BigSize length, value, types strictly increasing). Only the custom records (type >= 65536, where
 * keysend senders put theirs) are returned, as the LND backend reports them: type -> hex value.
 */
import { ByteReader } from '../attest/bytes.js';
import { InputError } from '../core/errors.js';
import { readBigSize } from '../dlc/bigsize.js';

/** BOLT #1: types below this are the protocol's own; custom records start here. */
const FIRST_CUSTOM_TYPE = 65_536n;
/** The largest payload a 1300-byte onion can carry for one hop. */
const MAX_PAYLOAD_BYTES = 1_300;

/** Bytes of the minimal BigSize encoding of `v` (readBigSize accepts minimal encodings only). */
const bigSizeBytes = (v: bigint): number => (v < 0xfdn ? 1 : v <= 0xffffn ? 3 : v <= 0xffffffffn ? 5 : 9);

/**
 * The custom records of `payloadHex` (length-prefixed TLV stream, lowercase or uppercase hex).
 * Throws InputError naming what is wrong: not hex, a length that disagrees with the bytes, a
 * truncated record (the reader names it), types out of order.
 */
export function parseCustomRecords(payloadHex: string): Record<string, string> {
  if (!/^([0-9a-fA-F]{2})+$/.test(payloadHex))
    throw new InputError(`onion.payload must be an even number of hex characters, got ${payloadHex.length}`);
  const bytes = Uint8Array.from(Buffer.from(payloadHex, 'hex'));
  if (bytes.length > MAX_PAYLOAD_BYTES)
    throw new InputError(`onion.payload must be at most ${MAX_PAYLOAD_BYTES} bytes, got ${bytes.length}`);
  const reader = new ByteReader(bytes);
  const length = readBigSize(reader, 'payload length');
  let left = bytes.length - bigSizeBytes(length);
  if (length !== BigInt(left))
    throw new InputError(`onion.payload says its TLV stream has ${length} bytes, but ${left} follow`);
  const records: Record<string, string> = {};
  let previous = -1n;
  while (left > 0) {
    const type = readBigSize(reader, 'record type');
    if (type <= previous) throw new InputError(`onion.payload record types must increase: ${type} after ${previous}`);
    const size = readBigSize(reader, `record ${type} length`);
    const value = reader.bytes(`record ${type} value`, Number(size));
    if (type >= FIRST_CUSTOM_TYPE) records[type.toString()] = Buffer.from(value).toString('hex');
    left -= bigSizeBytes(type) + bigSizeBytes(size) + Number(size);
    previous = type;
  }
  reader.end();
  return records;
}
