/**
 * Which secret an event's nonces are derived from. The configured nonce secret is never used
 * as is: it is bound (hashed together) with what must make two nonces differ, so that two
 * processes sharing a nonce secret file never derive one nonce for two messages.
 *
 * - 'v2' (every event announced since instance ids): the oracle key, the lineage's instance id
 *   (32 random bytes made when its DLC database was first created), the event's descriptor and
 *   the signing version. Two separately initialised oracles (a standby, a staging copy, a second
 *   unit) thus never share a nonce, whatever key and nonce secret they share.
 * - 'v1' (events announced before): the same without the instance id. Kept only so that those
 *   events, already announced, can still be attested with the nonces they committed to.
 *
 * The binding is stored per event, and the descriptor is the one in the event's own
 * announcement, so a configuration change never changes an announced event's nonces.
 */
import { taggedHash } from '../attest/hash.js';
import { KeyError } from '../core/errors.js';
import { encodeDescriptor } from './tlv.js';
import type { DigitDecompositionDescriptor, DlcSigningVersion } from './types.js';

/** How an event's nonce secret was bound; stored with each event. */
export type NonceBinding = 'v1' | 'v2';

/** The binding every new event gets. */
export const CURRENT_NONCE_BINDING: NonceBinding = 'v2';

const TAGS: Readonly<Record<NonceBinding, string>> = {
  v1: 'PeerStables/dlc/nonce-binding/v1',
  v2: 'PeerStables/dlc/nonce-binding/v2',
};

/** What binds a nonce secret: the oracle, its lineage, and the event's descriptor and signing version. */
export interface NonceContext {
  readonly nonceSecret: Uint8Array;
  readonly publicKey: Uint8Array;
  /** 32 bytes; ignored by 'v1'. */
  readonly instanceId: Uint8Array;
  readonly signingVersion: DlcSigningVersion;
}

/**
 * The secret deriveNonce uses for an event announced with `descriptor` under `binding`:
 * taggedHash(tag, nonce_secret || public_key || [instance_id, v2 only] || descriptor TLV ||
 * utf8(signing_version)). Every part but the last has a fixed or self-delimiting length, so two
 * different contexts never share a preimage. Throws KeyError for a 'v2' instance id not 32 bytes long.
 */
export function eventNonceSecret(
  context: NonceContext,
  descriptor: DigitDecompositionDescriptor,
  binding: NonceBinding,
): Uint8Array {
  if (binding === 'v2' && context.instanceId.length !== 32) throw new KeyError('the DLC instance id must be 32 bytes');
  const lineage = binding === 'v2' ? context.instanceId : new Uint8Array(0);
  return taggedHash(
    TAGS[binding],
    Uint8Array.from([
      ...context.nonceSecret,
      ...context.publicKey,
      ...lineage,
      ...encodeDescriptor(descriptor),
      ...Buffer.from(context.signingVersion, 'utf8'),
    ]),
  );
}
