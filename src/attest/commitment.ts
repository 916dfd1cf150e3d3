/**
 * The sources commitment: one hash binding an attestation to the exact observations it was
 * computed from, so anyone holding the /sources report of that tick can recompute it and check
 * that the oracle signed what it showed (docs/PROTOCOL.md, "Sources commitment").
 */
import { InputError } from '../core/errors.js';
import { ByteWriter } from './bytes.js';
import { SOURCES_TAG, taggedHash } from './hash.js';

const utf8 = new TextEncoder();

/** What the commitment binds for one source: its id, its value at the commitment's exponent, its two times. */
export interface CommittedObservation {
  readonly source: string;
  /** The source's value (a price, a rate, a premium) at the exponent given to commitSources. */
  readonly price: bigint;
  readonly exchangeTs: number | null;
  readonly receivedAt: number;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** A millisecond time as u64; a number outside the safe-integer range cannot be exact. */
function timeToU64(name: string, ms: number): bigint {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new InputError(`${name} must be a non-negative integer number of ms, got ${String(ms)}`);
  }
  return BigInt(ms);
}

/**
 * Commits to `observations` (prices at decimal `exponent`): the tagged hash, tag
 * "PeerStables/sources/v1", of i8 exponent, u16 count, then per observation in byte order of
 * source id: u8 id length, id bytes (UTF-8), i64 price, u64 exchangeTs (0 when null),
 * u64 receivedAt. Order-independent input; throws InputError on an empty or duplicate source id
 * or any field out of range.
 */
export function commitSources(observations: readonly CommittedObservation[], exponent: number): Uint8Array {
  if (!Array.isArray(observations)) throw new InputError('observations must be an array');
  const entries = observations.map((o, i) => {
    if (typeof o?.source !== 'string' || o.source.length === 0) {
      throw new InputError(`observations[${i}].source must be a non-empty string`);
    }
    return { id: utf8.encode(o.source), o };
  });
  entries.sort((x, y) => compareBytes(x.id, y.id));
  const w = new ByteWriter().i8('exponent', exponent).u16('observation count', entries.length);
  entries.forEach(({ id, o }, i) => {
    const prev = entries[i - 1];
    if (prev && compareBytes(prev.id, id) === 0) {
      throw new InputError(`duplicate source id ${JSON.stringify(o.source)}`);
    }
    const name = `observation ${JSON.stringify(o.source)}`;
    w.shortBytes(`${name} source id`, id)
      .i64(`${name} price`, o.price)
      .u64(`${name} exchangeTs`, o.exchangeTs === null ? 0n : timeToU64(`${name} exchangeTs`, o.exchangeTs))
      .u64(`${name} receivedAt`, timeToU64(`${name} receivedAt`, o.receivedAt));
  });
  return taggedHash(SOURCES_TAG, w.finish());
}
