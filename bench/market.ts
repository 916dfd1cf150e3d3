/**
 * A synthetic market for the real OracleService in the serving benchmark: twenty spot sources
 * around one price (a third quoted in USDT, converted through three USDT/USD sources) and five
 * perpetuals, every reading fresh at the time asked. The service aggregates and signs them exactly
 * as it would readings from the exchanges; only the poller and ccxt are left out, since the
 * benchmark is about what serving costs the signing loop.
 */
import { PRICE_ONE, RATE_EXPONENT } from '../src/core/fixed.js';
import { FUNDING_PERIOD_MS, type FundingReading, type SourceReading } from '../src/index/readings.js';
import type { FundingRules, IndexRules } from '../src/index/types.js';
import type { FundingPlan, MarketPlan } from '../src/oracle/service.js';
import { syntheticInput } from './fixtures.js';

const SPOT_SOURCES = 20;
const PAIR = 'BTC/USD';
const USDT_SOURCES = ['usdt0:USDT/USD', 'usdt1:USDT/USD', 'usdt2:USDT/USD'] as const;
const PERPS = ['perp0:BTC/USD:USD', 'perp1:BTC/USD:USD', 'perp2:BTC/USD:USD', 'perp3:BTC/USD:USD', 'perp4:BTC/USD:USD'];
/** 0.0001 per 8 h at RATE_EXPONENT. */
const RATE = 10n ** BigInt(-RATE_EXPONENT - 4);

const usdtRules: IndexRules = {
  maxAgeMs: 60_000,
  maxExchangeAgeMs: 120_000,
  maxFutureSkewMs: 5_000,
  minPrice: (PRICE_ONE * 9n) / 10n,
  maxPrice: (PRICE_ONE * 11n) / 10n,
  maxDeviationBps: 50,
  quorum: 2,
  frozenAfterMs: 120_000,
  frozenMoveBps: 10,
};

const fundingRules: FundingRules = {
  maxAgeMs: 120_000,
  maxExchangeAgeMs: 600_000,
  maxFutureSkewMs: 5_000,
  minRate: -(10n ** BigInt(-RATE_EXPONENT - 2)),
  maxRate: 10n ** BigInt(-RATE_EXPONENT - 2),
  maxDeviation: 10n ** BigInt(-RATE_EXPONENT - 3),
  quorum: 3,
  premiumQuorum: 2,
  frozenAfterMs: 600_000,
  frozenMove: 5n * 10n ** BigInt(-RATE_EXPONENT - 4),
  minPremium: -(5n * 10n ** BigInt(-RATE_EXPONENT - 2)),
  maxPremium: 5n * 10n ** BigInt(-RATE_EXPONENT - 2),
  maxPremiumDeviation: 5n * 10n ** BigInt(-RATE_EXPONENT - 3),
};

/** The index market: the synthetic spot sources and their rules. */
export function indexPlan(): MarketPlan {
  const input = syntheticInput(SPOT_SOURCES, 0);
  return { pair: PAIR, sourceIds: input.readings.map((r) => r.source), rules: input.rules };
}

/** The USDT/USD conversion the USDT-quoted spot sources go through. */
export function conversionPlans(): ReadonlyMap<string, MarketPlan> {
  return new Map([['USDT', { pair: 'USDT/USD', sourceIds: [...USDT_SOURCES], rules: usdtRules }]]);
}

/** Every spot reading, fresh at `now`: the index sources and USDT/USD at 0.9998. */
export function spotReadings(now: number): SourceReading[] {
  const usdt = USDT_SOURCES.map((source) => ({
    source,
    quote: 'USD',
    observation: { source, price: (PRICE_ONE * 9998n) / 10000n, exchangeTs: now - 800, receivedAt: now - 500 },
    lastError: null,
  }));
  return [...syntheticInput(SPOT_SOURCES, now).readings, ...usdt];
}

/** The perpetuals, read fresh at each call of the clock's `now`. */
export function fundingPlan(now: () => number, tickIntervalMs: number): FundingPlan {
  const readings = (): FundingReading[] => {
    const at = now();
    return PERPS.map((source, i) => ({
      source,
      quote: 'USD',
      observation: {
        source,
        rate: RATE + BigInt(i),
        intervalMs: FUNDING_PERIOD_MS,
        markPrice: 60_010n * PRICE_ONE,
        exchangeTs: at - 900,
        receivedAt: at - 500,
      },
      lastError: null,
    }));
  };
  return {
    pair: PAIR,
    sourceIds: PERPS,
    rules: fundingRules,
    readings,
    tickIntervalMs,
    indexMaxStepMs: 3 * tickIntervalMs,
  };
}
