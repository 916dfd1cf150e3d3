/** Serialises a signed attestation once, for every request and stream event that serves it. */
import type { AttestationJson } from '../attest/types.js';
import type { PublishedAttestation } from '../server/types.js';

export function publish(json: AttestationJson): PublishedAttestation {
  return {
    json,
    body: Buffer.from(JSON.stringify(json)),
    etag: `"${json.publicKey.slice(0, 16)}-${json.sequence}"`,
    observedAtMs: Number(json.observedAt),
  };
}
