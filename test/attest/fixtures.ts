/** Shared test data for the attest tests: a fixed test key and a typical attestation. */
import { readFileSync } from 'node:fs';
import type { Attestation } from '../../src/attest/types.js';

export const hexToBytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
export const bytesToHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A test-only secret key (never use a key like this for real). */
export const TEST_SECRET = hexToBytes('0000000000000000000000000000000000000000000000000000000000000003');
export const TEST_AUX = new Uint8Array(32);

export const FIELDS: Omit<Attestation, 'publicKey'> = Object.freeze({
  version: 1,
  kind: 'index_price',
  pair: 'BTC/USD',
  value: 6712345000000n,
  exponent: -8,
  observedAt: 1735689600000n,
  sequence: 1735689600000n,
  sourceCount: 3,
  dispersionPpm: 37,
  sourcesCommitment: hexToBytes('ab'.repeat(32)),
});

/** Reads a repository file relative to the repository root. */
export function repoFile(relative: string): string {
  return readFileSync(new URL(`../../${relative}`, import.meta.url), 'utf8');
}
