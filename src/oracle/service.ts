/**
 * The oracle's ticks. The index tick: readings -> quote conversions -> index -> sign -> store ->
 * publish. The funding tick, on its own slower cadence: funding readings -> funding rate and
 * perpetual premium (against the last index) -> sign -> store -> publish, then the funding index,
 * which integrates the rate just signed and is stored with its state in one transaction (it
 * continues only from a stored state, never from zero by itself: METHODOLOGY 8.8). Each kind is signed at
 * most once per tick and never per request; the HTTP layer only reads what the last tick
 * published. When a figure is not trustworthy nothing is signed and the reason is kept, per
 * source, for the HTTP API. Each figure's preliminary median is kept over recent ticks
 * (history.ts), the memory the frozen filter needs; the aggregator itself keeps none.
 */
import { toJson } from '../attest/json.js';
import { verifyAttestation } from '../attest/sign.js';
import type { AttestationKind } from '../attest/types.js';
import type { Clock } from '../core/clock.js';
import { PRICE_EXPONENT, formatDecimal } from '../core/fixed.js';
import type { Logger } from '../core/log.js';
import { quoteOf } from '../feeds/types.js';
import type { FundingReading, SourceReading } from '../index/readings.js';
import { aggregate } from '../index/aggregate.js';
import { aggregateFunding } from '../index/funding.js';
import { advanceFundingIndex, type FundingIndexState } from '../index/funding-index.js';
import { VERDICT_KINDS } from '../index/types.js';
import type { FundingOutcome, FundingRules, IndexOutcome, IndexRules, SourceVerdict } from '../index/types.js';
import type {
  MarketReport,
  OracleInfo,
  OracleState,
  PublishedAttestation,
  Refusal,
  SourcesReport,
} from '../server/types.js';
import type { AttestationStore } from '../store/types.js';
import { fundingFigures, fundingIndexFigure, indexFigure, signFigure, type Figure } from './figures.js';
import { FigureHistory } from './history.js';
import type { OracleMetrics } from './metrics.js';
import { publish } from './publish.js';
import { fundingReports, marketReport } from './reports.js';

/** One market the index tick aggregates: the index, or a quote conversion such as USDT/USD. */
export interface MarketPlan {
  readonly pair: string;
  readonly sourceIds: readonly string[];
  readonly rules: IndexRules;
}

/** The perpetuals the funding tick aggregates. */
export interface FundingPlan {
  readonly pair: string;
  readonly sourceIds: readonly string[];
  readonly rules: FundingRules;
  readonly readings: () => readonly FundingReading[];
  /** The funding tick's interval: the index it uses for the premium may be at most this old. */
  readonly tickIntervalMs: number;
  /** The most time one rate may cover in the funding index (METHODOLOGY 8.8, gaps). */
  readonly indexMaxStepMs: number;
}

export interface OracleServiceOptions {
  readonly index: MarketPlan;
  /** Quote currency (e.g. "USDT") -> its market in the index quote. */
  readonly conversions: ReadonlyMap<string, MarketPlan>;
  /** Absent for a price-only oracle. */
  readonly funding?: FundingPlan;
  readonly secretKey: Uint8Array;
  readonly publicKeyHex: string;
  readonly store: AttestationStore;
  readonly readings: () => readonly SourceReading[];
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: OracleMetrics;
  readonly info: Omit<OracleInfo, 'publicKey'>;
}

/** What the funding tick needs from the last index tick. */
interface IndexSnapshot {
  readonly at: number;
  readonly price: bigint | null;
  readonly rates: ReadonlyMap<string, bigint>;
}

/** What one tick did for one kind, as counted in peer_stables_ticks_total. */
type TickResult = 'signed' | 'refused' | 'failed';

const KINDS_OF_INDEX: readonly AttestationKind[] = ['index_price'];
const KINDS_OF_FUNDING: readonly AttestationKind[] = ['funding_rate', 'perp_premium', 'funding_index'];

/** Why the index is not signed while no state is stored: the operator decides, never the oracle alone. */
export const NO_FUNDING_INDEX_STATE =
  'no funding index to continue: none is stored for this key (a new oracle, an upgrade, or a lost database); ' +
  'run `peer-stables funding-index --new` if this key never signed one, or `--restore <attestation or URL>` ' +
  'to continue the last one it signed (docs/METHODOLOGY.md 8.8)';

/** Every source id of a plan, as an empty reading until the poller has one. */
function pick<R extends { readonly source: string }>(
  ids: readonly string[],
  readings: readonly R[],
  empty: (id: string) => R,
): R[] {
  const byId = new Map(readings.map((r) => [r.source, r]));
  return ids.map((id) => byId.get(id) ?? empty(id));
}

function notPolled(id: string): { source: string; quote: string; observation: null; lastError: string } {
  return { source: id, quote: quoteOf(id.slice(id.indexOf(':') + 1)), observation: null, lastError: 'not polled yet' };
}

export class OracleService implements OracleState {
  private readonly latestByKind = new Map<AttestationKind, PublishedAttestation>();
  private readonly refusals = new Map<AttestationKind, Refusal>();
  private readonly listeners = new Set<(p: PublishedAttestation) => void>();
  private indexMarkets: { at: number | null; markets: MarketReport[] } = { at: null, markets: [] };
  private fundingMarkets: MarketReport[] = [];
  private lastIndex: IndexSnapshot | null = null;
  private readonly target: string;
  /** Per figure (its pair), its preliminary medians on recent ticks. */
  private readonly histories = new Map<string, FigureHistory>();

  constructor(private readonly o: OracleServiceOptions) {
    this.target = o.index.pair.split('/')[1] ?? '';
    // Serve the last signed figures after a restart; the HTTP layer still refuses stale ones.
    for (const kind of [...KINDS_OF_INDEX, ...(o.funding ? KINDS_OF_FUNDING : [])]) {
      const stored = o.store.latest(kind, o.publicKeyHex);
      if (stored) this.latestByKind.set(kind, publish(stored));
    }
  }

  /** Runs one index tick at the clock's current time; returns its outcome, or null if it failed. Never throws. */
  tick(): IndexOutcome | null {
    return this.guard(KINDS_OF_INDEX, (now) => this.indexTick(now));
  }

  /** Runs one funding tick; returns its outcome, or null if it failed or funding is not configured. Never throws. */
  fundingTick(): FundingOutcome | null {
    const funding = this.o.funding;
    if (funding === undefined) return null;
    return this.guard(KINDS_OF_FUNDING, (now) => this.runFundingTick(funding, now));
  }

  /** A malformed reading or rule is a bug, not a market event: refuse, loudly, and go on ticking. */
  private guard<T>(kinds: readonly AttestationKind[], run: (now: number) => T): T | null {
    const now = this.o.clock.now();
    try {
      return run(now);
    } catch (err) {
      // The reason is public (/price, /health); what went wrong inside stays in the log.
      for (const kind of kinds)
        this.refusals.set(kind, { at: now, reason: 'internal error; details are in the oracle log' });
      this.o.logger.error({ err: (err as Error).message, kinds }, 'tick failed, nothing signed');
      return null;
    }
  }

  private indexTick(now: number): IndexOutcome {
    const started = process.hrtime.bigint();
    const readings = this.o.readings();
    const rates = new Map<string, bigint>();
    const conversions: IndexOutcome[] = [];
    for (const [quote, plan] of this.o.conversions) {
      const history = this.historyOf(`conversion ${plan.pair}`);
      const outcome = aggregate({
        pair: plan.pair,
        target: this.target,
        readings: pick(plan.sourceIds, readings, notPolled),
        rules: plan.rules,
        conversions: new Map(),
        now,
        history: history.until(now),
      });
      history.record(now, outcome.preliminary);
      conversions.push(outcome);
      if (outcome.ok) rates.set(quote, outcome.price);
    }
    const history = this.historyOf(`index_price ${this.o.index.pair}`);
    const index = aggregate({
      pair: this.o.index.pair,
      target: this.target,
      readings: pick(this.o.index.sourceIds, readings, notPolled),
      rules: this.o.index.rules,
      conversions: rates,
      now,
      history: history.until(now),
    });
    history.record(now, index.preliminary);
    this.lastIndex = { at: now, price: index.ok ? index.price : null, rates };

    const signed = index.ok
      ? this.signAll('index_price', [indexFigure(index)], now)
      : this.refuse('index_price', index.pair, index.reason, now);

    this.indexMarkets = {
      at: now,
      markets: [marketReport('index_price', index), ...conversions.map((c) => marketReport('conversion', c))],
    };
    this.recordMetrics('index_price', signed, [index, ...conversions], started);
    if (index.ok)
      this.o.metrics.indexPrice.set({ pair: index.pair }, Number(formatDecimal(index.price, PRICE_EXPONENT)));
    return index;
  }

  private runFundingTick(plan: FundingPlan, now: number): FundingOutcome {
    const started = process.hrtime.bigint();
    // The premium compares marks with our own index, so only an index from this funding tick's
    // window counts; an older one (the index refusing for a while) gives no premium.
    const recent = this.lastIndex !== null && now - this.lastIndex.at <= plan.tickIntervalMs ? this.lastIndex : null;
    const history = this.historyOf(`funding_rate ${plan.pair}`);
    const outcome = aggregateFunding({
      pair: plan.pair,
      target: this.target,
      readings: pick(plan.sourceIds, plan.readings(), notPolled),
      rules: plan.rules,
      index: recent?.price ?? null,
      conversions: recent?.rates ?? new Map(),
      now,
      history: history.until(now),
    });
    history.record(now, outcome.preliminary);
    let rate: TickResult;
    let premium: TickResult;
    let index: TickResult;
    if (outcome.ok) {
      const figures = fundingFigures(outcome);
      const rateFigure = figures.find((f) => f.kind === 'funding_rate') as Figure;
      rate = this.signAll('funding_rate', [rateFigure], now);
      index =
        rate === 'signed'
          ? this.signFundingIndex(plan, rateFigure, now)
          : this.refuse('funding_index', outcome.pair, 'the funding rate of this tick could not be signed', now);
      premium = outcome.premium.ok
        ? this.signAll(
            'perp_premium',
            figures.filter((f) => f.kind === 'perp_premium'),
            now,
          )
        : this.refuse('perp_premium', outcome.pair, outcome.premium.reason, now);
    } else {
      rate = this.refuse('funding_rate', outcome.pair, outcome.reason, now);
      premium = this.refuse('perp_premium', outcome.pair, `no funding rate: ${outcome.reason}`, now);
      index = this.refuse('funding_index', outcome.pair, `no funding rate: ${outcome.reason}`, now);
    }
    this.fundingMarkets = fundingReports(outcome);
    this.recordMetrics('funding_rate', rate, [outcome], started);
    this.o.metrics.ticks.inc({ kind: 'perp_premium', pair: outcome.pair, outcome: premium });
    this.o.metrics.ticks.inc({ kind: 'funding_index', pair: outcome.pair, outcome: index });
    this.recordVerdicts('perp_premium', outcome.premium.verdicts);
    return outcome;
  }

  /** Integrates the rate just signed into the funding index and signs it, with its new state. */
  private signFundingIndex(plan: FundingPlan, rate: Figure, now: number): TickResult {
    const stored = this.o.store.fundingIndex(this.o.publicKeyHex, plan.pair);
    if (stored === null) return this.refuse('funding_index', plan.pair, NO_FUNDING_INDEX_STATE, now);
    const step = advanceFundingIndex(stored, { rate: rate.value, at: rate.observedAt, maxStepMs: plan.indexMaxStepMs });
    if (!step.ok) return this.refuse('funding_index', plan.pair, step.reason, now);
    if (step.accruedMs < step.elapsedMs)
      this.o.logger.warn(
        { elapsedMs: step.elapsedMs, accruedMs: step.accruedMs },
        'funding index gap: only the last maxStepMs of it accrued',
      );
    return this.signAll('funding_index', [fundingIndexFigure(rate, step.state.value)], now, step.state);
  }

  private historyOf(figure: string): FigureHistory {
    let history = this.histories.get(figure);
    if (history === undefined) this.histories.set(figure, (history = new FigureHistory()));
    return history;
  }

  /** Signs and publishes each figure of `kind`; a failure publishes nothing and refuses the kind. */
  private signAll(
    kind: AttestationKind,
    figures: readonly Figure[],
    now: number,
    fundingIndex?: FundingIndexState,
  ): TickResult {
    try {
      for (const figure of figures) this.signAndPublish(figure, now, fundingIndex);
      this.refusals.delete(kind);
      return 'signed';
    } catch (err) {
      // Fail closed: a signing or storage failure publishes nothing new for this tick. The
      // public reason says so; the error itself (paths, SQLite codes) stays in the log.
      this.refusals.set(kind, { at: now, reason: 'signing or storing failed; details are in the oracle log' });
      this.o.logger.error({ err: (err as Error).message, kind }, 'could not sign');
      return 'failed';
    }
  }

  private signAndPublish(figure: Figure, now: number, fundingIndex?: FundingIndexState): void {
    const sequence = this.o.store.nextSequence(this.o.publicKeyHex, BigInt(now));
    const signed = signFigure(figure, sequence, this.o.secretKey);
    // Check our own signature before anyone can see it: a fault here must not reach a client.
    verifyAttestation(signed);
    const json = toJson(signed);
    this.o.store.append(json, fundingIndex);
    const published = publish(json);
    this.latestByKind.set(figure.kind, published);
    this.o.logger.info(
      {
        kind: figure.kind,
        pair: figure.pair,
        value: formatDecimal(figure.value, figure.exponent),
        sequence: json.sequence,
        sources: figure.committed.length,
      },
      'signed',
    );
    this.o.metrics.lastSignedSeconds.set({ kind: figure.kind }, figure.observedAt / 1000);
    this.o.metrics.sequence.set(Number(sequence));
    for (const listener of this.listeners) {
      try {
        listener(published);
      } catch (err) {
        this.o.logger.warn({ err: (err as Error).message }, 'stream listener failed');
      }
    }
  }

  private refuse(kind: AttestationKind, pair: string, reason: string, now: number): TickResult {
    // Warn when the reason changes, not on every tick of a long outage.
    const level = this.refusals.get(kind)?.reason === reason ? 'debug' : 'warn';
    this.refusals.set(kind, { at: now, reason });
    this.o.logger[level]({ kind, pair, reason }, 'refused, nothing signed');
    return 'refused';
  }

  /** Counts the tick by what was published (signed, refused, or failed to sign) and records each source's verdict. */
  private recordMetrics(
    kind: AttestationKind,
    result: TickResult,
    markets: readonly { readonly pair: string; readonly verdicts: IndexOutcome['verdicts'] }[],
    started: bigint,
  ): void {
    const m = this.o.metrics;
    const [main] = markets;
    if (main) m.ticks.inc({ kind, pair: main.pair, outcome: result });
    for (const market of markets) this.recordVerdicts(kind, market.verdicts);
    m.tickSeconds.observe({ kind }, Number(process.hrtime.bigint() - started) / 1e9);
  }

  /** Sets peer_stables_source_verdict: 1 for each source's verdict of this tick of `kind`, 0 for the others. */
  private recordVerdicts(kind: AttestationKind, verdicts: readonly SourceVerdict[]): void {
    for (const v of verdicts) {
      for (const verdict of VERDICT_KINDS) {
        this.o.metrics.sourceVerdict.set({ kind, source: v.source, verdict }, v.verdict === verdict ? 1 : 0);
      }
    }
  }

  latest(kind: AttestationKind): PublishedAttestation | null {
    return this.latestByKind.get(kind) ?? null;
  }

  lastRefusal(kind: AttestationKind): Refusal | null {
    return this.refusals.get(kind) ?? null;
  }

  sources(): SourcesReport {
    return { at: this.indexMarkets.at, markets: [...this.indexMarkets.markets, ...this.fundingMarkets] };
  }

  info(): OracleInfo {
    return { ...this.o.info, publicKey: this.o.publicKeyHex };
  }

  subscribe(listener: (published: PublishedAttestation) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
