/**
 * The oracle's tick: readings -> quote conversions -> index -> commitment -> sign -> store ->
 * publish. It signs at most once per tick and never per request; the HTTP layer only reads what
 * the last tick published. When the index is not trustworthy it signs nothing and keeps the
 * reason, per source, for /price and /sources.
 */
import { toJson } from '../attest/json.js';
import { verifyAttestation } from '../attest/sign.js';
import type { AttestationKind } from '../attest/types.js';
import type { Clock } from '../core/clock.js';
import { PRICE_EXPONENT, formatDecimal } from '../core/fixed.js';
import type { Logger } from '../core/log.js';
import { quoteOf, type SourceReading } from '../feeds/types.js';
import { aggregate } from '../index/aggregate.js';
import type { IndexOutcome, IndexRules, IndexSuccess } from '../index/types.js';
import type { OracleInfo, OracleState, PublishedAttestation, Refusal, SourcesReport } from '../server/types.js';
import type { AttestationStore } from '../store/types.js';
import type { OracleMetrics } from './metrics.js';
import { publish } from './publish.js';
import { marketReport } from './reports.js';
import { signIndex } from './sign-index.js';

/** One market the tick aggregates: the index, or a quote conversion such as USDT/USD. */
export interface MarketPlan {
  readonly pair: string;
  readonly sourceIds: readonly string[];
  readonly rules: IndexRules;
}

export interface OracleServiceOptions {
  readonly index: MarketPlan;
  /** Quote currency (e.g. "USDT") -> its market in the index quote. */
  readonly conversions: ReadonlyMap<string, MarketPlan>;
  readonly secretKey: Uint8Array;
  readonly publicKeyHex: string;
  readonly store: AttestationStore;
  readonly readings: () => readonly SourceReading[];
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: OracleMetrics;
  readonly info: Omit<OracleInfo, 'publicKey'>;
}

export class OracleService implements OracleState {
  private readonly latestByKind = new Map<AttestationKind, PublishedAttestation>();
  private readonly refusals = new Map<AttestationKind, Refusal>();
  private readonly listeners = new Set<(p: PublishedAttestation) => void>();
  private report: SourcesReport = { at: null, markets: [] };
  private readonly target: string;

  constructor(private readonly o: OracleServiceOptions) {
    this.target = o.index.pair.split('/')[1] ?? '';
    // Serve the last signed quote after a restart; /price still refuses it once it is stale.
    const stored = o.store.latest('index_price', o.publicKeyHex);
    if (stored) this.latestByKind.set('index_price', publish(stored));
  }

  /** Runs one tick at the clock's current time; returns the index outcome, or null if it failed. Never throws. */
  tick(): IndexOutcome | null {
    const now = this.o.clock.now();
    try {
      return this.runTick(now);
    } catch (err) {
      // A malformed reading or rule is a bug, not a market event: refuse, loudly, and go on.
      this.refusals.set('index_price', { at: now, reason: `internal error: ${(err as Error).message}` });
      this.o.logger.error({ err: (err as Error).message }, 'tick failed, nothing signed');
      return null;
    }
  }

  private runTick(now: number): IndexOutcome {
    const started = process.hrtime.bigint();
    const byId = new Map(this.o.readings().map((r) => [r.source, r]));
    const pick = (plan: MarketPlan): SourceReading[] =>
      plan.sourceIds.map((id) => byId.get(id) ?? { source: id, quote: quoteOf(id.slice(id.indexOf(':') + 1)), observation: null, lastError: 'not polled' });

    const rates = new Map<string, bigint>();
    const markets: IndexOutcome[] = [];
    for (const [quote, plan] of this.o.conversions) {
      const outcome = aggregate({ pair: plan.pair, target: this.target, readings: pick(plan), rules: plan.rules, conversions: new Map(), now });
      markets.push(outcome);
      if (outcome.ok) rates.set(quote, outcome.price);
    }
    const index = aggregate({ pair: this.o.index.pair, target: this.target, readings: pick(this.o.index), rules: this.o.index.rules, conversions: rates, now });
    markets.unshift(index);

    if (index.ok) {
      try {
        this.sign(index, now);
      } catch (err) {
        // Fail closed: a signing or storage failure publishes nothing new for this tick.
        this.refusals.set('index_price', { at: now, reason: `signing failed: ${(err as Error).message}` });
        this.o.logger.error({ err: (err as Error).message }, 'could not sign the index');
      }
    } else {
      // Warn when the reason changes, not on every tick of a long outage.
      const level = this.refusals.get('index_price')?.reason === index.reason ? 'debug' : 'warn';
      this.refusals.set('index_price', { at: now, reason: index.reason });
      this.o.logger[level]({ pair: index.pair, reason: index.reason }, 'index refused, nothing signed');
    }

    this.report = { at: now, markets: markets.map(marketReport) };
    this.recordMetrics(markets, index, started);
    return index;
  }

  private sign(index: IndexSuccess, now: number): void {
    const sequence = this.o.store.nextSequence(this.o.publicKeyHex, BigInt(now));
    const signed = signIndex(index, sequence, this.o.secretKey);
    // Check our own signature before anyone can see it: a fault here must not reach a client.
    verifyAttestation(signed);
    const json = toJson(signed);
    this.o.store.append(json);
    const published = publish(json);
    this.latestByKind.set('index_price', published);
    this.refusals.delete('index_price');
    this.o.logger.info({ pair: index.pair, price: formatDecimal(index.price, PRICE_EXPONENT), sequence: json.sequence, sources: index.accepted.length }, 'signed index');
    for (const listener of this.listeners) {
      try {
        listener(published);
      } catch (err) {
        this.o.logger.warn({ err: (err as Error).message }, 'stream listener failed');
      }
    }
  }

  private recordMetrics(markets: readonly IndexOutcome[], index: IndexOutcome, started: bigint): void {
    const m = this.o.metrics;
    m.ticks.inc({ pair: index.pair, outcome: index.ok ? 'signed' : 'refused' });
    if (index.ok) {
      m.indexPrice.set({ pair: index.pair }, Number(formatDecimal(index.price, PRICE_EXPONENT)));
      m.lastSignedSeconds.set({ kind: 'index_price' }, index.observedAt / 1000);
      const latest = this.latestByKind.get('index_price');
      if (latest) m.sequence.set(Number(latest.json.sequence));
    }
    for (const market of markets) {
      for (const v of market.verdicts) {
        for (const verdict of ['accepted', 'stale', 'implausible', 'outlier', 'error'] as const) {
          m.sourceAccepted.set({ source: v.source, verdict }, v.verdict === verdict ? 1 : 0);
        }
      }
    }
    m.tickSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
  }

  latest(kind: AttestationKind): PublishedAttestation | null {
    return this.latestByKind.get(kind) ?? null;
  }

  lastRefusal(kind: AttestationKind): Refusal | null {
    return this.refusals.get(kind) ?? null;
  }

  sources(): SourcesReport {
    return this.report;
  }

  info(): OracleInfo {
    return { ...this.o.info, publicKey: this.o.publicKeyHex };
  }

  subscribe(listener: (published: PublishedAttestation) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
