/**
 * The wire form of an attestation (docs/PROTOCOL.md, "Wire JSON"): 64-bit integers as decimal
 * strings, bytes as lowercase hex. Parsing is strict (one accepted spelling per value) so that
 * two clients never disagree about what a served attestation says.
 */
import { InputError } from '../core/errors.js';
import { fromHex, toHex } from './bytes.js';
import { encodeAttestation } from './encoding.js';
import { verifyAttestation } from './sign.js';
import type { AttestationJson, AttestationKind, SignedAttestation } from './types.js';

const KEYS: readonly (keyof AttestationJson)[] = [
  'version',
  'kind',
  'pair',
  'value',
  'exponent',
  'observedAt',
  'sequence',
  'sourceCount',
  'dispersionPpm',
  'sourcesCommitment',
  'publicKey',
  'signature',
];

const SIGNED_DECIMAL = /^(?:0|-?[1-9][0-9]*)$/;
const UNSIGNED_DECIMAL = /^(?:0|[1-9][0-9]*)$/;

/** The JSON object to serve for `s`; keys in protocol order. */
export function toJson(s: SignedAttestation): AttestationJson {
  return {
    version: s.version,
    kind: s.kind,
    pair: s.pair,
    value: s.value.toString(),
    exponent: s.exponent,
    observedAt: s.observedAt.toString(),
    sequence: s.sequence.toString(),
    sourceCount: s.sourceCount,
    dispersionPpm: s.dispersionPpm,
    sourcesCommitment: toHex(s.sourcesCommitment),
    publicKey: toHex(s.publicKey),
    signature: toHex(s.signature),
  };
}

function decimal(name: string, raw: unknown, pattern: RegExp, what: string): bigint {
  if (typeof raw !== 'string') throw new InputError(`${name} must be a string of decimal digits, got ${typeof raw}`);
  // Length cap before BigInt(): no point parsing a megabyte of digits to learn it overflows.
  if (raw.length > 20 || !pattern.test(raw)) {
    throw new InputError(
      `${name} must be ${what} without leading zeros or '+', got ${JSON.stringify(raw.slice(0, 24))}`,
    );
  }
  return BigInt(raw);
}

function jsonNumber(name: string, raw: unknown): number {
  if (typeof raw !== 'number' || !Number.isInteger(raw)) {
    throw new InputError(`${name} must be an integer JSON number, got ${JSON.stringify(raw) ?? typeof raw}`);
  }
  return raw;
}

function jsonString(name: string, raw: unknown): string {
  if (typeof raw !== 'string') throw new InputError(`${name} must be a string, got ${typeof raw}`);
  return raw;
}

/**
 * Parses and checks an AttestationJson (e.g. the result of JSON.parse of a /price body): exactly
 * the protocol's keys, version === PROTOCOL_VERSION, a known kind, canonical decimal strings in
 * range, lowercase hex of exact lengths. Does NOT check the signature (see verifyJson). Throws
 * InputError naming the offending field.
 */
export function fromJson(raw: unknown): SignedAttestation {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InputError('attestation must be a JSON object');
  }
  const obj = raw as Record<string, unknown>;
  const keys = Object.keys(obj);
  const unexpected = keys.filter((k) => !(KEYS as readonly string[]).includes(k));
  if (unexpected.length > 0) throw new InputError(`unexpected field(s): ${unexpected.join(', ')}`);
  const missing = KEYS.filter((k) => !Object.hasOwn(obj, k));
  if (missing.length > 0) throw new InputError(`missing field(s): ${missing.join(', ')}`);

  const s: SignedAttestation = {
    version: jsonNumber('version', obj.version),
    kind: jsonString('kind', obj.kind) as AttestationKind,
    pair: jsonString('pair', obj.pair),
    value: decimal('value', obj.value, SIGNED_DECIMAL, 'a decimal integer string'),
    exponent: jsonNumber('exponent', obj.exponent),
    observedAt: decimal('observedAt', obj.observedAt, UNSIGNED_DECIMAL, 'an unsigned decimal integer string'),
    sequence: decimal('sequence', obj.sequence, UNSIGNED_DECIMAL, 'an unsigned decimal integer string'),
    sourceCount: jsonNumber('sourceCount', obj.sourceCount),
    dispersionPpm: jsonNumber('dispersionPpm', obj.dispersionPpm),
    sourcesCommitment: fromHex('sourcesCommitment', obj.sourcesCommitment, 32),
    publicKey: fromHex('publicKey', obj.publicKey, 32),
    signature: fromHex('signature', obj.signature, 64),
  };
  // The encoder owns the ranges (version, kind, pair, widths); one set of rules, not two.
  encodeAttestation(s);
  return s;
}

/**
 * fromJson, then verifyAttestation, pinned to `publicKeyHex` (64 hex characters) when given.
 * Returns the verified attestation. Throws InputError for a malformed attestation or pinned key,
 * VerifyError for a wrong key or bad signature.
 */
export function verifyJson(raw: unknown, publicKeyHex?: string): SignedAttestation {
  const expected =
    publicKeyHex === undefined
      ? undefined
      : fromHex('publicKeyHex', typeof publicKeyHex === 'string' ? publicKeyHex.toLowerCase() : publicKeyHex, 32);
  const s = fromJson(raw);
  verifyAttestation(s, expected);
  return s;
}
