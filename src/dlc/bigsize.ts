/**
 * BigSize (BOLT #1 appendix A): the variable-length big-endian integer that prefixes every DLC
 * TLV type, length and string. Decoding refuses non-minimal encodings, as BOLT #1 requires, so
 * that one value has exactly one encoding and a re-encoded message is byte-identical.
 */
import { InputError } from '../core/errors.js';
import type { ByteReader, ByteWriter } from '../attest/bytes.js';

const U64_MAX = 2n ** 64n - 1n;

/** Appends `value` (0..2^64-1) as a minimal BigSize. Throws InputError naming `name` when out of range. */
export function writeBigSize(w: ByteWriter, name: string, value: number | bigint): void {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new InputError(`${name} must be a non-negative integer, got ${String(value)}`);
  }
  const v = BigInt(value);
  if (v < 0n || v > U64_MAX) throw new InputError(`${name} must fit in a BigSize (0..2^64-1)`);
  if (v < 0xfdn) w.u8(name, Number(v));
  else if (v <= 0xffffn) w.u8(name, 0xfd).u16(name, Number(v));
  else if (v <= 0xffffffffn) w.u8(name, 0xfe).u32(name, Number(v));
  else w.u8(name, 0xff).u64(name, v);
}

/** Reads one BigSize. Throws InputError naming `name` on truncation or a non-minimal encoding. */
export function readBigSize(r: ByteReader, name: string): bigint {
  const first = r.u8(name);
  let value: bigint;
  let min: bigint;
  if (first < 0xfd) return BigInt(first);
  if (first === 0xfd) [value, min] = [BigInt(r.u16(name)), 0xfdn];
  else if (first === 0xfe) [value, min] = [BigInt(r.u32(name)), 0x10000n];
  else [value, min] = [r.u64(name), 0x100000000n];
  if (value < min) throw new InputError(`${name}: non-minimal BigSize encoding`);
  return value;
}

/** Reads a BigSize that must be at most `max` (a length or a type), as a JS number. */
export function readBigSizeAtMost(r: ByteReader, name: string, max: number): number {
  const value = readBigSize(r, name);
  if (value > BigInt(max)) throw new InputError(`${name} ${value} exceeds ${max}`);
  return Number(value);
}
