/**
 * Big-endian byte writing and reading with range checks at the boundary. Each check names the
 * field, so a bad attestation fails with "value must fit in a signed 64-bit integer", not with a
 * RangeError from deep inside a DataView.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { InputError } from '../core/errors.js';

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const U64_MAX = 2n ** 64n - 1n;

function checkInteger(name: string, value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InputError(`${name} must fit in ${what} (${min}..${max}), got ${String(value)}`);
  }
  return value;
}

function checkBigint(name: string, value: unknown, min: bigint, max: bigint, what: string): bigint {
  if (typeof value !== 'bigint') {
    throw new InputError(`${name} must be a bigint, got ${typeof value}`);
  }
  if (value < min || value > max) throw new InputError(`${name} must fit in ${what}`);
  return value;
}

/** Appends fixed-width fields to a growing buffer. */
export class ByteWriter {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  private push(part: Uint8Array): void {
    this.parts.push(part);
    this.length += part.length;
  }

  private fixed(size: number, write: (view: DataView) => void): void {
    const part = new Uint8Array(size);
    write(new DataView(part.buffer));
    this.push(part);
  }

  u8(name: string, value: unknown): this {
    const v = checkInteger(name, value, 0, 0xff, 'an unsigned 8-bit integer');
    this.fixed(1, (d) => d.setUint8(0, v));
    return this;
  }

  i8(name: string, value: unknown): this {
    const v = checkInteger(name, value, -128, 127, 'a signed 8-bit integer');
    this.fixed(1, (d) => d.setInt8(0, v));
    return this;
  }

  u16(name: string, value: unknown): this {
    const v = checkInteger(name, value, 0, 0xffff, 'an unsigned 16-bit integer');
    this.fixed(2, (d) => d.setUint16(0, v));
    return this;
  }

  u32(name: string, value: unknown): this {
    const v = checkInteger(name, value, 0, 0xffffffff, 'an unsigned 32-bit integer');
    this.fixed(4, (d) => d.setUint32(0, v));
    return this;
  }

  i64(name: string, value: unknown): this {
    const v = checkBigint(name, value, I64_MIN, I64_MAX, 'a signed 64-bit integer');
    this.fixed(8, (d) => d.setBigInt64(0, v));
    return this;
  }

  u64(name: string, value: unknown): this {
    const v = checkBigint(name, value, 0n, U64_MAX, 'an unsigned 64-bit integer');
    this.fixed(8, (d) => d.setBigUint64(0, v));
    return this;
  }

  /** Exactly `size` raw bytes. */
  bytes(name: string, value: unknown, size: number): this {
    if (!(value instanceof Uint8Array) || value.length !== size) {
      const got = value instanceof Uint8Array ? `${value.length} bytes` : typeof value;
      throw new InputError(`${name} must be ${size} bytes, got ${got}`);
    }
    this.push(value.slice());
    return this;
  }

  /** u8 length, then the bytes; the caller has checked the content. */
  shortBytes(name: string, value: Uint8Array, maxLength = 0xff): this {
    if (value.length > maxLength) throw new InputError(`${name} must be at most ${maxLength} bytes`);
    this.u8(`${name} length`, value.length);
    this.push(value.slice());
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const part of this.parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }
}

/** Reads fixed-width fields in order; throws InputError on truncation. */
export class ByteReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  private take(name: string, size: number): number {
    if (this.offset + size > this.data.length) {
      throw new InputError(`truncated encoding: ${name} needs ${size} bytes at offset ${this.offset}`);
    }
    const at = this.offset;
    this.offset += size;
    return at;
  }

  u8(name: string): number {
    return this.view.getUint8(this.take(name, 1));
  }
  i8(name: string): number {
    return this.view.getInt8(this.take(name, 1));
  }
  u16(name: string): number {
    return this.view.getUint16(this.take(name, 2));
  }
  u32(name: string): number {
    return this.view.getUint32(this.take(name, 4));
  }
  i64(name: string): bigint {
    return this.view.getBigInt64(this.take(name, 8));
  }
  u64(name: string): bigint {
    return this.view.getBigUint64(this.take(name, 8));
  }
  bytes(name: string, size: number): Uint8Array {
    const at = this.take(name, size);
    return this.data.slice(at, at + size);
  }

  /** Throws unless every byte was consumed: trailing bytes would make encodings ambiguous. */
  end(): void {
    if (this.offset !== this.data.length) {
      throw new InputError(`${this.data.length - this.offset} trailing bytes after the encoding`);
    }
  }
}

const HEX = /^[0-9a-f]*$/;

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  return bytesToHex(bytes);
}

/**
 * Parses lowercase hex of exactly `size` bytes. Throws InputError naming `name`; the message
 * never echoes the input, since callers also parse secrets with it.
 */
export function fromHex(name: string, text: unknown, size: number): Uint8Array {
  if (typeof text !== 'string' || text.length !== size * 2 || !HEX.test(text)) {
    throw new InputError(`${name} must be ${size * 2} lowercase hex characters (${size} bytes)`);
  }
  return hexToBytes(text);
}
