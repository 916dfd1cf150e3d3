/**
 * Synthetic inputs for the benchmarks: n fresh sources around one price, index rules that accept
 * them all, a fixed bench-only key, and the tick path the oracle service runs (aggregate, commit,
 * sign, serialise). Nothing here touches the network or the disk.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { toJson } from '../src/attest/json.js';
import { publicKeyOf } from '../src/attest/keys.js';
import type { AttestationJson } from '../src/attest/types.js';
import { PRICE_ONE } from '../src/core/fixed.js';
import type { SourceReading } from '../src/index/readings.js';
import { aggregate, type AggregateInput } from '../src/index/aggregate.js';
import type { IndexOutcome } from '../src/index/types.js';
import { indexFigure, signFigure } from '../src/oracle/figures.js';

/** A key derived from a public string: fine for a benchmark, never for an oracle. */
export const BENCH_SECRET_KEY: Uint8Array = sha256(new TextEncoder().encode('peer-stables benchmark key, not secret'));
/** Hex x-only public key of BENCH_SECRET_KEY. */
export const BENCH_PUBLIC_KEY_HEX: string = Buffer.from(publicKeyOf(BENCH_SECRET_KEY)).toString('hex');

const PAIR = 'BTC/USD';
/** USDT/USD at 0.9998, so that a third of the sources go through quote conversion. */
const USDT_RATE = 99_980_000n;

/**
 * The input of one aggregation over `count` sources, all fresh at `now`: prices within about
 * 0.1 % of 60 000 USD, every third one quoted in USDT, half with an exchange timestamp. Quorum is
 * a majority. Throws RangeError for count < 1.
 */
export function syntheticInput(count: number, now: number): AggregateInput {
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`source count must be a positive integer, got ${count}`);
  const base = 60_000n * PRICE_ONE;
  const readings: SourceReading[] = [];
  for (let i = 0; i < count; i++) {
    const quote = i % 3 === 2 ? 'USDT' : 'USD';
    // Spread deterministically over +-0.1 % so the median and deviation checks do real work.
    const offset = (BigInt((i * 37) % 21) - 10n) * 6n * PRICE_ONE;
    const price = quote === 'USD' ? base + offset : ((base + offset) * PRICE_ONE) / USDT_RATE;
    readings.push({
      source: `venue${String(i).padStart(3, '0')}:BTC/${quote}`,
      quote,
      observation: {
        source: `venue${String(i).padStart(3, '0')}:BTC/${quote}`,
        price,
        exchangeTs: i % 2 === 0 ? now - 800 : null,
        receivedAt: now - 500,
      },
      lastError: null,
    });
  }
  return {
    pair: PAIR,
    target: 'USD',
    readings,
    rules: {
      maxAgeMs: 30_000,
      maxExchangeAgeMs: 60_000,
      maxFutureSkewMs: 5_000,
      minPrice: 1_000n * PRICE_ONE,
      maxPrice: 10_000_000n * PRICE_ONE,
      maxDeviationBps: 200,
      quorum: Math.floor(count / 2) + 1,
      frozenAfterMs: 60_000,
      frozenMoveBps: 20,
    },
    conversions: new Map([['USDT', USDT_RATE]]),
    now,
    history: [],
  };
}

/**
 * One oracle tick as src/oracle/service.ts runs it, minus storage and publishing: aggregate, then
 * commit to the accepted sources, sign with fresh aux randomness, and build the wire JSON.
 * `sequence` is the attestation's sequence number. Throws Error when the index is refused (the
 * synthetic input must always produce one) and whatever the attest modules throw.
 */
export function signedTick(input: AggregateInput, sequence: bigint): AttestationJson {
  const index = signedIndex(aggregate(input));
  const signed = signFigure(indexFigure(index), sequence, BENCH_SECRET_KEY);
  return toJson(signed);
}

/** Narrows an outcome to a signed index; throws Error with the refusal reason otherwise. */
export function signedIndex(outcome: IndexOutcome): Extract<IndexOutcome, { ok: true }> {
  if (!outcome.ok) throw new Error(`synthetic sources were refused, the benchmark input is wrong: ${outcome.reason}`);
  return outcome;
}
