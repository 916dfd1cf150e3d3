/**
 * Regenerates docs/vectors/attestations.json and docs/vectors/sources.json from fixed keys and
 * fixed aux randomness. Run: npx tsx scripts/gen-vectors.ts
 * The tests compare against the committed files and never regenerate them, so a change in the
 * encoding shows up as a failing test and a reviewable diff here, not as silently new vectors.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FUNDING_INDEX_EXPONENT, PRICE_EXPONENT, RATE_EXPONENT } from '../src/core/fixed.js';
import type { Observation } from '../src/index/readings.js';
import { commitSources } from '../src/attest/commitment.js';
import { encodeAttestation } from '../src/attest/encoding.js';
import { ATTESTATION_TAG } from '../src/attest/hash.js';
import { toJson } from '../src/attest/json.js';
import { attestationDigest, signAttestation } from '../src/attest/sign.js';
import type { Attestation } from '../src/attest/types.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

// Test keys only: small, obviously non-random scalars.
const KEY_A = '0000000000000000000000000000000000000000000000000000000000000001';
const KEY_B = '0101010101010101010101010101010101010101010101010101010101010101';
const AUX_ZERO = '00'.repeat(32);
const AUX_SEQ = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0')).join('');

const sourceCases: { description: string; exponent: number; observations: Observation[] }[] = [
  { description: 'no observations', exponent: PRICE_EXPONENT, observations: [] },
  {
    description: 'three BTC/USD sources given out of order; kraken has no exchange timestamp',
    exponent: PRICE_EXPONENT,
    observations: [
      { source: 'kraken:BTC/USD', price: 6712345000000n, exchangeTs: null, receivedAt: 1735689600120 },
      { source: 'bitstamp:BTC/USD', price: 6712000000000n, exchangeTs: 1735689599000, receivedAt: 1735689600080 },
      { source: 'coinbase:BTC/USD', price: 6712550000000n, exchangeTs: 1735689599850, receivedAt: 1735689600095 },
    ],
  },
  {
    description: 'ids sort by bytes: "a:X" before "a:x" before "b:X"',
    exponent: PRICE_EXPONENT,
    observations: [
      { source: 'b:X', price: -1n, exchangeTs: 0, receivedAt: 1 },
      { source: 'a:x', price: 9223372036854775807n, exchangeTs: 2, receivedAt: 3 },
      { source: 'a:X', price: -9223372036854775808n, exchangeTs: null, receivedAt: 0 },
    ],
  },
  {
    description: 'funding rates per 8 h at exponent -10 (price holds each normalised rate), one negative',
    exponent: RATE_EXPONENT,
    observations: [
      { source: 'okx:BTC/USDT:USDT', price: -1250000n, exchangeTs: 1735689590000, receivedAt: 1735689600210 },
      { source: 'binance:BTC/USDT:USDT', price: 1000000n, exchangeTs: 1735689599000, receivedAt: 1735689600150 },
      { source: 'deribit:BTC/USD:BTC', price: 830000n, exchangeTs: 1735689599500, receivedAt: 1735689600190 },
    ],
  },
];

const jsonSafe = (o: Observation) => ({ ...o, price: o.price.toString() });
const sourcesVectors = sourceCases.map((c) => ({
  description: c.description,
  exponent: c.exponent,
  observations: c.observations.map(jsonSafe),
  commitment: hex(commitSources(c.observations, c.exponent)),
}));

const typicalCommitment = commitSources(sourceCases[1]!.observations, PRICE_EXPONENT);
type Fields = Omit<Attestation, 'publicKey'>;
const attestationCases: { description: string; secretKey: string; auxRand: string; fields: Fields }[] = [
  {
    description: 'typical BTC/USD index_price, 67123.45 USD at exponent -8, three sources',
    secretKey: KEY_A,
    auxRand: AUX_ZERO,
    fields: {
      version: 1,
      kind: 'index_price',
      pair: 'BTC/USD',
      value: 6712345000000n,
      exponent: -8,
      observedAt: 1735689600000n,
      sequence: 1735689600000n,
      sourceCount: 3,
      dispersionPpm: 37,
      sourcesCommitment: typicalCommitment,
    },
  },
  {
    description: 'negative funding_rate, -0.0001 at exponent -8',
    secretKey: KEY_A,
    auxRand: AUX_SEQ,
    fields: {
      version: 1,
      kind: 'funding_rate',
      pair: 'BTC/USD',
      value: -10000n,
      exponent: -8,
      observedAt: 1735689600000n,
      sequence: 1735689600001n,
      sourceCount: 2,
      dispersionPpm: 150000,
      sourcesCommitment: bytes('11'.repeat(32)),
    },
  },
  {
    description: 'maximal values: i64 max value, u64 max time and sequence, u16/u32 max, exponent 127, 32-byte pair',
    secretKey: KEY_B,
    auxRand: 'ff'.repeat(32),
    fields: {
      version: 1,
      kind: 'index_price',
      pair: '!'.repeat(16) + '~'.repeat(16),
      value: 9223372036854775807n,
      exponent: 127,
      observedAt: 18446744073709551615n,
      sequence: 18446744073709551615n,
      sourceCount: 65535,
      dispersionPpm: 4294967295,
      sourcesCommitment: bytes('ff'.repeat(32)),
    },
  },
  {
    description: 'minimal values: i64 min value, zero time and sequence, no sources, exponent -128, 1-byte pair',
    secretKey: KEY_B,
    auxRand: AUX_ZERO,
    fields: {
      version: 1,
      kind: 'funding_rate',
      pair: 'X',
      value: -9223372036854775808n,
      exponent: -128,
      observedAt: 0n,
      sequence: 0n,
      sourceCount: 0,
      dispersionPpm: 0,
      sourcesCommitment: commitSources([], -128),
    },
  },
  {
    description: 'zero value index_price at exponent 0',
    secretKey: KEY_A,
    auxRand: AUX_SEQ,
    fields: {
      version: 1,
      kind: 'index_price',
      pair: 'BTC/USDT',
      value: 0n,
      exponent: 0,
      observedAt: 1735689660000n,
      sequence: 1735689660000n,
      sourceCount: 1,
      dispersionPpm: 0,
      sourcesCommitment: bytes('00'.repeat(32)),
    },
  },
  {
    description:
      'funding_rate as the oracle signs it: 0.000083 per 8 h at exponent -10, three sources, dispersion absolute in millionths',
    secretKey: KEY_A,
    auxRand: AUX_ZERO,
    fields: {
      version: 1,
      kind: 'funding_rate',
      pair: 'BTC/USD',
      value: 830000n,
      exponent: RATE_EXPONENT,
      observedAt: 1735689600000n,
      sequence: 1735689600002n,
      sourceCount: 3,
      dispersionPpm: 208,
      sourcesCommitment: commitSources(sourceCases[3]!.observations, RATE_EXPONENT),
    },
  },
  {
    description: 'negative perp_premium: perpetual marks 0.0052 % under the spot index, at exponent -10, two sources',
    secretKey: KEY_A,
    auxRand: AUX_SEQ,
    fields: {
      version: 1,
      kind: 'perp_premium',
      pair: 'BTC/USD',
      value: -520000n,
      exponent: RATE_EXPONENT,
      observedAt: 1735689600000n,
      sequence: 1735689600003n,
      sourceCount: 2,
      dispersionPpm: 31,
      sourcesCommitment: bytes('22'.repeat(32)),
    },
  },
  // Appended with issue 11; the seven vectors above are unchanged byte for byte.
  {
    description:
      'funding_index at its epoch: 0 at exponent -17, committing to the funding rates of its tick (those of the funding_rate vector)',
    secretKey: KEY_A,
    auxRand: AUX_ZERO,
    fields: {
      version: 1,
      kind: 'funding_index',
      pair: 'BTC/USD',
      value: 0n,
      exponent: FUNDING_INDEX_EXPONENT,
      observedAt: 1735689600000n,
      sequence: 1735689600004n,
      sourceCount: 3,
      dispersionPpm: 208,
      sourcesCommitment: commitSources(sourceCases[3]!.observations, RATE_EXPONENT),
    },
  },
  {
    description:
      'funding_index a minute after its epoch at 0.000083 per 8 h: 830000 x 60000 x 10^7 / 28800000 = 17291666666.67, floored',
    secretKey: KEY_A,
    auxRand: AUX_SEQ,
    fields: {
      version: 1,
      kind: 'funding_index',
      pair: 'BTC/USD',
      value: 17291666666n,
      exponent: FUNDING_INDEX_EXPONENT,
      observedAt: 1735689660000n,
      sequence: 1735689660002n,
      sourceCount: 3,
      dispersionPpm: 208,
      sourcesCommitment: commitSources(sourceCases[3]!.observations, RATE_EXPONENT),
    },
  },
  {
    description:
      'negative funding_index: on balance shorts paid longs, -0.00987654321098765 of the notional since its epoch',
    secretKey: KEY_B,
    auxRand: AUX_SEQ,
    fields: {
      version: 1,
      kind: 'funding_index',
      pair: 'BTC/USD',
      value: -987654321098765n,
      exponent: FUNDING_INDEX_EXPONENT,
      observedAt: 1767225600000n,
      sequence: 1767225600007n,
      sourceCount: 4,
      dispersionPpm: 95,
      sourcesCommitment: bytes('33'.repeat(32)),
    },
  },
];

const attestationVectors = attestationCases.map((c) => {
  const signed = signAttestation(c.fields, bytes(c.secretKey), bytes(c.auxRand));
  return {
    description: c.description,
    secretKey: c.secretKey,
    auxRand: c.auxRand,
    attestation: toJson(signed),
    message: hex(encodeAttestation(signed)),
    tag: ATTESTATION_TAG,
    digest: hex(attestationDigest(signed)),
    signature: hex(signed.signature),
  };
});

const out = (name: string) => fileURLToPath(new URL(`../docs/vectors/${name}`, import.meta.url));
writeFileSync(out('attestations.json'), `${JSON.stringify(attestationVectors, null, 2)}\n`);
writeFileSync(out('sources.json'), `${JSON.stringify(sourcesVectors, null, 2)}\n`);
console.log(`wrote ${attestationVectors.length} attestation and ${sourcesVectors.length} sources vectors`);
