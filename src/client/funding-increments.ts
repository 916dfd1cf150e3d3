/**
 * Funding from the oracles' funding indices (docs/METHODOLOGY.md 8.6), pure. Each oracle's index
 * has its own epoch, so only its increase means anything: the client pins, per oracle, an anchor
 * (its first index at or after the agreement's funding start) and takes the increase from it to
 * the oracle's latest index. With k of n oracles the agreed increase is the median of those
 * increases over the same interval (the lower and upper middle averaged for an even count); the
 * funding agreed since the start is stableUsd x that median. It depends only on the anchors and the
 * latest attestations, never on when a client polled in between, so two peers that use the same
 * attestations agree exactly, and the amount owed between two settlements is the difference of the
 * two totals: stableUsd x (I(t2) - I(t1)), summed over any schedule, telescopes.
 */
import { divRoundHalfEven } from '../core/fixed.js';
import { targetReceiverMsat } from './stable-math.js';

/** Funding agreed in USD is kept at 10^-25 (stableUsd at 10^-8 times an index at 10^-17): exact. */
export const FUNDING_USD_EXPONENT = -25;
/** stableUsd (10^-8) as 10^-25 USD. */
const USD_TO_FUNDING_UNITS = 10n ** 17n;
/** msat = usd(10^-25) x 10^11 msat per BTC / (price x 10^-8 USD per BTC x 10^25) = usd / (price x 10^6). */
const PRICE_SCALE = 10n ** 6n;

/**
 * The most an oracle's funding index may move in `ms`, in index units (10^-17 per USD): 2 % per
 * 8 h, twice the oracles' default plausibility bound for a rate (`maxRate` 1 %), plus one unit for
 * the floors. An increase beyond it is no funding at all but an index that restarted (a lost
 * database answered with `--new`) or is faulty; with two oracles the median is their mean, so
 * without this bound one such index would move money (docs/METHODOLOGY.md 8.6).
 */
export function maxPlausibleIncrease(ms: bigint): bigint {
  const MAX_UNITS_PER_PERIOD = 2n * 10n ** 15n; // 2 % of 10^17 units per USD
  const PERIOD_MS = 28_800_000n;
  return (MAX_UNITS_PER_PERIOD * (ms < 0n ? 0n : ms) + PERIOD_MS - 1n) / PERIOD_MS + 1n;
}

export type IncrementOutcome =
  { readonly ok: true; readonly twiceMedian: bigint } | { readonly ok: false; readonly reason: string };

/** Twice the median of `increments` (so an even count stays exact), or why there are too few. */
export function medianIncrement(increments: readonly bigint[], threshold: number): IncrementOutcome {
  if (increments.length < threshold)
    return {
      ok: false,
      reason: `${increments.length} oracles gave a funding index increase, threshold is ${threshold}`,
    };
  const sorted = [...increments].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const mid = sorted.length >> 1;
  const upper = sorted[mid] as bigint;
  const lower = sorted.length % 2 === 0 ? (sorted[mid - 1] as bigint) : upper;
  return { ok: true, twiceMedian: lower + upper };
}

/** Funding agreed since the start, at 10^-25 USD: stableUsd (10^-8) x median (10^-17), half to even once. */
export function fundingUsd(stableUsd: bigint, twiceMedian: bigint): bigint {
  return divRoundHalfEven(stableUsd * twiceMedian, 2n);
}

/**
 * The receiver's target with funding, in msat: (stableUsd + funding) at `price`, rounded half to
 * even once; with no funding it is exactly targetReceiverMsat (src/client/stable-math.ts). The
 * funding agreed becomes part of the receiver's stable value: it is owed in USD and paid in msat
 * at the settlement price.
 */
export function targetWithFundingMsat(stableUsd: bigint, fundingUsdE25: bigint, price: bigint): bigint {
  return divRoundHalfEven(stableUsd * USD_TO_FUNDING_UNITS + fundingUsdE25, price * PRICE_SCALE);
}

/**
 * Funding agreed as msat at `price`: the target with it minus the target without it, so both round
 * once; plus what a ledger of an earlier version accrued from rates (`accruedMsat`, kept as is).
 */
export function fundingMsatAt(
  stableUsd: bigint,
  state: { readonly accruedMsat: bigint; readonly indexUsd: bigint },
  price: bigint,
): bigint {
  return (
    targetWithFundingMsat(stableUsd, state.indexUsd, price) - targetReceiverMsat(stableUsd, price) + state.accruedMsat
  );
}
