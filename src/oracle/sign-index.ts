/** Turns an accepted index into a signed attestation: the one place the signed fields are chosen. */
import { commitSources } from '../attest/commitment.js';
import { signAttestation } from '../attest/sign.js';
import { PROTOCOL_VERSION, type SignedAttestation } from '../attest/types.js';
import { PRICE_EXPONENT } from '../core/fixed.js';
import type { IndexSuccess } from '../index/types.js';

/**
 * Signs `index` (observed at its tick time) with `sequence` and `secretKey`, committing to the
 * accepted observations. Throws what the attest modules throw (KeyError, InputError).
 */
export function signIndex(index: IndexSuccess, sequence: bigint, secretKey: Uint8Array): SignedAttestation {
  return signAttestation(
    {
      version: PROTOCOL_VERSION,
      kind: 'index_price',
      pair: index.pair,
      value: index.price,
      exponent: PRICE_EXPONENT,
      observedAt: BigInt(index.observedAt),
      sequence,
      sourceCount: index.accepted.length,
      dispersionPpm: index.dispersionPpm,
      sourcesCommitment: commitSources(index.accepted, PRICE_EXPONENT),
    },
    secretKey,
  );
}
