/**
 * CPU benchmarks of the signing path and of verification, each beside its baseline in the same
 * run: a tick (aggregate + commitSources + signAttestation + toJson) against aggregate alone, and
 * verifyJson of a served attestation against a bare BIP340 verify of the same signature.
 */
import { fromJson, verifyJson } from '../src/attest/json.js';
import { attestationDigest } from '../src/attest/sign.js';
import { schnorr } from '../src/attest/schnorr.js';
import { aggregate } from '../src/index/aggregate.js';
import { BENCH_PUBLIC_KEY_HEX, signedIndex, signedTick, syntheticInput } from './fixtures.js';
import { timeCalls, type Timing, type TimingBudget } from './stats.js';

/** Tick time of every synthetic tick: 2025-01-01T00:00:00Z. */
const NOW = 1_735_689_600_000;

export interface TickResult {
  readonly sources: number;
  readonly aggregate: Timing;
  readonly tick: Timing;
  /** Share of the tick's mean not spent in aggregate: commitment, signing, JSON (0..1). */
  readonly signingShare: number;
}

/** Times aggregate alone and the full tick for each source count. Throws if a tick is refused. */
export function benchTicks(sourceCounts: readonly number[], budget: TimingBudget): TickResult[] {
  return sourceCounts.map((sources) => {
    const input = syntheticInput(sources, NOW);
    const aggregateOnly = timeCalls(() => signedIndex(aggregate(input)), budget);
    const tick = timeCalls((i) => signedTick(input, BigInt(NOW) + BigInt(i)), budget);
    return { sources, aggregate: aggregateOnly, tick, signingShare: 1 - aggregateOnly.meanUs / tick.meanUs };
  });
}

export interface VerifyResult {
  /** verifyJson of a parsed /price body, pinned to the oracle's key: what a client runs. */
  readonly verifyJson: Timing;
  /** schnorr.verify of the same signature over a precomputed digest: the floor. */
  readonly schnorrVerify: Timing;
}

/**
 * Times verification of one real attestation (20 sources). Throws if the attestation does not
 * verify, so a broken verifier cannot post a fast number.
 */
export function benchVerify(budget: TimingBudget): VerifyResult {
  const raw: unknown = JSON.parse(JSON.stringify(signedTick(syntheticInput(20, NOW), BigInt(NOW))));
  const parsed = fromJson(raw);
  const digest = attestationDigest(parsed);
  if (!schnorr.verify(parsed.signature, digest, parsed.publicKey))
    throw new Error('benchmark attestation does not verify');
  const checked = (ok: boolean): boolean => {
    if (!ok) throw new Error('verification failed during the benchmark');
    return ok;
  };
  return {
    verifyJson: timeCalls(() => verifyJson(raw, BENCH_PUBLIC_KEY_HEX), budget),
    schnorrVerify: timeCalls(() => checked(schnorr.verify(parsed.signature, digest, parsed.publicKey)), budget),
  };
}
