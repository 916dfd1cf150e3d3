/**
 * The canonical binary encoding of an attestation (docs/PROTOCOL.md, "Encoding"): every field,
 * fixed order, fixed widths, big-endian, no optional parts. One attestation has exactly one
 * encoding, so a verifier rebuilds these bytes from the JSON fields instead of trusting any.
 */
import { InputError } from '../core/errors.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { KIND_CODES, PROTOCOL_VERSION, type Attestation, type AttestationKind } from './types.js';

const PAIR_MAX_BYTES = 32;
/** Printable ASCII without space: what a pair such as "BTC/USD" may contain. */
const PAIR_PATTERN = /^[\x21-\x7e]+$/;

/** Returns the kind's one-byte code; throws InputError for an unknown kind. */
function kindCode(kind: unknown): number {
  if (typeof kind === 'string' && Object.hasOwn(KIND_CODES, kind)) {
    return KIND_CODES[kind as AttestationKind];
  }
  throw new InputError(`kind must be one of ${Object.keys(KIND_CODES).join(', ')}, got ${JSON.stringify(kind)}`);
}

function kindOf(code: number): AttestationKind {
  for (const [kind, c] of Object.entries(KIND_CODES)) if (c === code) return kind as AttestationKind;
  throw new InputError(`unknown kind code ${code}`);
}

/** Returns the pair's ASCII bytes; throws InputError unless it is 1..32 printable ASCII characters. */
function pairBytes(pair: unknown): Uint8Array {
  if (typeof pair !== 'string' || !PAIR_PATTERN.test(pair) || pair.length > PAIR_MAX_BYTES) {
    throw new InputError(
      `pair must be 1..${PAIR_MAX_BYTES} printable ASCII characters (0x21-0x7e), got ${JSON.stringify(pair)}`,
    );
  }
  return new TextEncoder().encode(pair);
}

function checkVersion(version: unknown): void {
  if (version !== PROTOCOL_VERSION) {
    throw new InputError(`version must be ${PROTOCOL_VERSION}, got ${String(version)}`);
  }
}

/**
 * Encodes every field of `a` canonically (98 bytes + pair length). Throws InputError naming the
 * first field that is out of range or of the wrong type.
 */
export function encodeAttestation(a: Attestation): Uint8Array {
  checkVersion(a.version);
  return new ByteWriter()
    .u8('version', a.version)
    .u8('kind', kindCode(a.kind))
    .shortBytes('pair', pairBytes(a.pair), PAIR_MAX_BYTES)
    .i64('value', a.value)
    .i8('exponent', a.exponent)
    .u64('observedAt', a.observedAt)
    .u64('sequence', a.sequence)
    .u16('sourceCount', a.sourceCount)
    .u32('dispersionPpm', a.dispersionPpm)
    .bytes('sourcesCommitment', a.sourcesCommitment, 32)
    .bytes('publicKey', a.publicKey, 32)
    .finish();
}

/**
 * Decodes a canonical encoding back into an Attestation. Throws InputError on truncation,
 * trailing bytes, an unknown version or kind, or a pair that encodeAttestation would refuse.
 */
export function decodeAttestation(bytes: Uint8Array): Attestation {
  if (!(bytes instanceof Uint8Array)) throw new InputError('encoding must be a Uint8Array');
  const r = new ByteReader(bytes);
  const version = r.u8('version');
  checkVersion(version);
  const kind = kindOf(r.u8('kind'));
  const pair = new TextDecoder().decode(r.bytes('pair', r.u8('pair length')));
  pairBytes(pair);
  const a: Attestation = {
    version,
    kind,
    pair,
    value: r.i64('value'),
    exponent: r.i8('exponent'),
    observedAt: r.u64('observedAt'),
    sequence: r.u64('sequence'),
    sourceCount: r.u16('sourceCount'),
    dispersionPpm: r.u32('dispersionPpm'),
    sourcesCommitment: r.bytes('sourcesCommitment', 32),
    publicKey: r.bytes('publicKey', 32),
  };
  r.end();
  return a;
}
