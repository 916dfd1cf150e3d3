/**
 * What the oracle signs, chosen in one place: each aggregation outcome becomes one or more
 * figures (kind, value, exponent, and the observations the value was computed from), and a figure
 * becomes a signed attestation with a commitment to exactly those observations.
 */
import { commitSources, type CommittedObservation } from '../attest/commitment.js';
import { signAttestation } from '../attest/sign.js';
import { PROTOCOL_VERSION, type AttestationKind, type SignedAttestation } from '../attest/types.js';
import { FUNDING_INDEX_EXPONENT, PRICE_EXPONENT, RATE_EXPONENT } from '../core/fixed.js';
import type { FundingSuccess, IndexSuccess } from '../index/types.js';

/** One signable figure, with the observations it commits to (`price` holds each source's value). */
export interface Figure {
  readonly kind: AttestationKind;
  readonly pair: string;
  readonly value: bigint;
  readonly exponent: number;
  readonly observedAt: number;
  readonly dispersionPpm: number;
  readonly committed: readonly CommittedObservation[];
  /** The exponent of the committed values when it is not the figure's (the funding index commits to rates). */
  readonly committedExponent?: number;
}

/** The index price of one tick. */
export function indexFigure(index: IndexSuccess): Figure {
  return {
    kind: 'index_price',
    pair: index.pair,
    value: index.price,
    exponent: PRICE_EXPONENT,
    observedAt: index.observedAt,
    dispersionPpm: index.dispersionPpm,
    committed: index.accepted,
  };
}

/**
 * The funding rate of one funding tick (committing to each accepted source's normalised rate),
 * and the perpetual premium when there is one (committing to each accepted source's premium).
 */
export function fundingFigures(funding: FundingSuccess): Figure[] {
  const rate: Figure = {
    kind: 'funding_rate',
    pair: funding.pair,
    value: funding.rate,
    exponent: RATE_EXPONENT,
    observedAt: funding.observedAt,
    dispersionPpm: funding.dispersionPpm,
    committed: funding.accepted.map((o) => ({
      source: o.source,
      price: o.rate,
      exchangeTs: o.exchangeTs,
      receivedAt: o.receivedAt,
    })),
  };
  if (!funding.premium.ok) return [rate];
  const premium: Figure = {
    kind: 'perp_premium',
    pair: funding.pair,
    value: funding.premium.value,
    exponent: RATE_EXPONENT,
    observedAt: funding.observedAt,
    dispersionPpm: funding.premium.dispersionPpm,
    committed: funding.premium.contributions.map((c) => ({
      source: c.source,
      price: c.premium,
      exchangeTs: c.exchangeTs,
      receivedAt: c.receivedAt,
    })),
  };
  return [rate, premium];
}

/**
 * The funding index of a funding tick, `value` at FUNDING_INDEX_EXPONENT: it integrated this tick's
 * signed `rate`, so it commits to the same observations, with the same count and dispersion.
 */
export function fundingIndexFigure(rate: Figure, value: bigint): Figure {
  return { ...rate, kind: 'funding_index', value, exponent: FUNDING_INDEX_EXPONENT, committedExponent: rate.exponent };
}

/** Signs `figure` with `sequence`. Throws what the attest modules throw (KeyError, InputError). */
export function signFigure(figure: Figure, sequence: bigint, secretKey: Uint8Array): SignedAttestation {
  return signAttestation(
    {
      version: PROTOCOL_VERSION,
      kind: figure.kind,
      pair: figure.pair,
      value: figure.value,
      exponent: figure.exponent,
      observedAt: BigInt(figure.observedAt),
      sequence,
      sourceCount: figure.committed.length,
      dispersionPpm: figure.dispersionPpm,
      sourcesCommitment: commitSources(figure.committed, figure.committedExponent ?? figure.exponent),
    },
    secretKey,
  );
}
