/**
 * Keeps the latest reading of every configured source fresh in the background, so the tick only
 * reads a snapshot: a slow or dead exchange never delays signing, it just goes stale.
 *
 * Each source runs its own setTimeout chain: after a success it waits `intervalMs`, after
 * failures it backs off exponentially (backoff.ts) and resets on the next success. Every attempt
 * is bounded by `timeoutMs`; a fetch that answers after that is dropped (the race is already
 * settled), so it can never overwrite a newer observation. Attempts of one source never overlap.
 * Given a value-equality function, it also remembers since when each source's value stands
 * still, which a venue without timestamps cannot tell us (the frozen filter, src/index/frozen.ts).
 */
import type { Clock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/log.js';
import { backoffDelay } from './backoff.js';
import { describeFailure } from './failure.js';
import { quoteOf, sourceId, type SourceSpec } from './types.js';
import type { Reading } from '../index/readings.js';

/** One polled source: which market, and how to read it (spot ticker, funding rate ...). */
export interface PolledSource<O> {
  readonly spec: SourceSpec;
  /** Fetches the market's latest observation; rejects on any failure. */
  readonly fetch: (symbol: string) => Promise<O>;
}

export type PollOutcome = 'ok' | 'error' | 'timeout';

/** The timer functions the poller uses; injectable so tests can drive time step by step. */
export interface PollerTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface PollerOptions<O> {
  readonly sources: readonly PolledSource<O>[];
  /** Wait after a successful fetch before the next one. */
  readonly intervalMs: number;
  /** Longest a fetch may take before it counts as failed. */
  readonly timeoutMs: number;
  /** First retry delay after a failure; doubles per consecutive failure up to backoffMaxMs. */
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** Measures fetch durations. */
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Called once per attempt (for metrics); a throwing callback is logged and ignored. */
  readonly onResult?: (source: string, outcome: PollOutcome, durationMs: number) => void;
  /** Defaults to Node's timers, unref'd so the poller never keeps the process alive. */
  readonly timers?: PollerTimers;
  /**
   * Whether two observations of one source carry the same value (e.g. the same price). With it,
   * readings carry `valueSince`; without it, they do not.
   */
  readonly sameValue?: (a: O, b: O) => boolean;
}

interface SourceState<O> {
  readonly id: string;
  readonly spec: SourceSpec;
  readonly quote: string;
  readonly fetch: (symbol: string) => Promise<O>;
  observation: O | null;
  /** receivedAt of the first observation of the current value, or null. */
  valueSince: number | null;
  lastError: string | null;
  consecutiveFailures: number;
  polled: boolean;
  inFlight: Promise<void> | null;
  timer: unknown;
}

const nodeTimers: PollerTimers = {
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

class TimeoutError extends Error {}

/** The timings a poller runs on. */
export type PollingTimings = Pick<
  PollerOptions<unknown>,
  'intervalMs' | 'timeoutMs' | 'backoffInitialMs' | 'backoffMaxMs'
>;

/**
 * Every rule the poller relies on; the configuration schema calls it too, so start-up refuses
 * timings before it opens anything. Throws ConfigError naming the first bad timing.
 */
export function checkPollingTimings(timings: PollingTimings): void {
  for (const key of ['intervalMs', 'timeoutMs', 'backoffInitialMs', 'backoffMaxMs'] as const) {
    const value = timings[key];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new ConfigError(`poller ${key} must be a positive integer, got ${String(value)}`);
    }
  }
  // backoffDelay refuses a cap below its start: every failing source would throw on its first retry.
  if (timings.backoffMaxMs < timings.backoffInitialMs) {
    throw new ConfigError('poller backoffMaxMs must not be below backoffInitialMs');
  }
}

/**
 * Polls every configured source in the background and serves their latest readings. Generic over
 * what is read (spot observations, funding observations), each tagged with its source id.
 */
export class Poller<O extends { readonly source: string; readonly receivedAt: number }> {
  private readonly states: readonly SourceState<O>[];
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly onResult: PollerOptions<O>['onResult'];
  private readonly timers: PollerTimers;
  private readonly sameValue: PollerOptions<O>['sameValue'];
  private running = false;

  /** Validates the options; throws ConfigError on bad timings, no sources or a duplicate source. */
  constructor(options: PollerOptions<O>) {
    checkPollingTimings(options);
    if (options.sources.length === 0) throw new ConfigError('poller needs at least one source');
    const seen = new Set<string>();
    this.states = options.sources.map(({ spec, fetch }) => {
      const id = sourceId(spec);
      if (seen.has(id)) throw new ConfigError(`duplicate source ${id}`);
      seen.add(id);
      return {
        id,
        spec,
        quote: quoteOf(spec.symbol),
        fetch,
        observation: null,
        valueSince: null,
        lastError: null,
        consecutiveFailures: 0,
        polled: false,
        inFlight: null,
        timer: null,
      };
    });
    this.intervalMs = options.intervalMs;
    this.timeoutMs = options.timeoutMs;
    this.backoffInitialMs = options.backoffInitialMs;
    this.backoffMaxMs = options.backoffMaxMs;
    this.clock = options.clock;
    this.logger = options.logger ?? silentLogger;
    this.onResult = options.onResult;
    this.timers = options.timers ?? nodeTimers;
    this.sameValue = options.sameValue;
  }

  /**
   * Starts the background loops. A source never polled yet is polled at once; one already polled
   * (e.g. by pollOnce for the first tick) waits its normal interval or back-off. Idempotent.
   */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (const state of this.states) {
      if (state.inFlight === null) this.schedule(state, !state.polled ? 0 : this.nextDelay(state));
    }
  }

  /** Stops the loops and clears their timers, then waits for in-flight attempts (each bounded by timeoutMs). */
  async stop(): Promise<void> {
    this.running = false;
    for (const state of this.states) this.clearTimer(state);
    await Promise.all(this.states.map((state) => state.inFlight));
  }

  /**
   * Polls every source once, concurrently, each bounded by timeoutMs; a source already being
   * fetched is awaited rather than asked twice. Resolves when all are done; never rejects.
   */
  async pollOnce(): Promise<void> {
    await Promise.all(this.states.map((state) => this.attempt(state)));
  }

  /** The latest reading of every source, in configured order. */
  readings(): Reading<O>[] {
    return this.states.map((state) => ({
      source: state.id,
      quote: state.quote,
      observation: state.observation,
      lastError: state.lastError,
      ...(state.valueSince === null ? {} : { valueSince: state.valueSince }),
    }));
  }

  private attempt(state: SourceState<O>): Promise<void> {
    if (state.inFlight !== null) return state.inFlight;
    this.clearTimer(state);
    state.polled = true;
    const run = this.fetchBounded(state).finally(() => {
      state.inFlight = null;
      if (this.running) this.schedule(state, this.nextDelay(state));
    });
    state.inFlight = run;
    return run;
  }

  /** One fetch raced against the timeout; records its result in the source's state. */
  private async fetchBounded(state: SourceState<O>): Promise<void> {
    const startedAt = this.clock.now();
    let timeoutHandle: unknown = null;
    const timeout = new Promise<never>((_resolve, reject) => {
      timeoutHandle = this.timers.setTimeout(
        () => reject(new TimeoutError(`timed out after ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    let outcome: PollOutcome;
    try {
      // Called inside then() so that a fetcher throwing synchronously is recorded as a failure too.
      const fetched = Promise.resolve().then(() => state.fetch(state.spec.symbol));
      const observation = await Promise.race([fetched, timeout]);
      if (typeof observation !== 'object' || observation === null) throw new Error('fetcher returned no observation');
      if (observation.source !== state.id) {
        throw new Error(`fetcher returned an observation for ${observation.source}, expected ${state.id}`);
      }
      outcome = 'ok';
      if (state.consecutiveFailures > 0) this.logger.info({ source: state.id }, 'source recovered');
      state.valueSince = this.valueSince(state, observation);
      state.observation = observation;
      state.lastError = null;
      state.consecutiveFailures = 0;
    } catch (error) {
      outcome = error instanceof TimeoutError ? 'timeout' : 'error';
      const message = error instanceof TimeoutError ? error.message : describeFailure(error);
      state.lastError = message;
      state.consecutiveFailures += 1;
      // Warn on the first failure of a streak only: a dead exchange must not flood the log.
      const level = state.consecutiveFailures === 1 ? 'warn' : 'debug';
      this.logger[level](
        { source: state.id, failures: state.consecutiveFailures, error: message },
        'source fetch failed',
      );
    } finally {
      this.timers.clearTimeout(timeoutHandle);
    }
    this.report(state.id, outcome, this.clock.now() - startedAt);
  }

  /**
   * Since when the source's value stands still once `next` arrives: unchanged when `next` has the
   * value of the previous observation, else (or when the clock went back) its own receive time.
   */
  private valueSince(state: SourceState<O>, next: O): number | null {
    if (this.sameValue === undefined) return null;
    const { observation: last, valueSince: since } = state;
    const same = last !== null && since !== null && since <= next.receivedAt && this.sameValue(last, next);
    return same ? since : next.receivedAt;
  }

  private nextDelay(state: SourceState<O>): number {
    return state.consecutiveFailures === 0
      ? this.intervalMs
      : backoffDelay(state.consecutiveFailures, this.backoffInitialMs, this.backoffMaxMs);
  }

  private schedule(state: SourceState<O>, delayMs: number): void {
    this.clearTimer(state);
    state.timer = this.timers.setTimeout(() => {
      state.timer = null;
      if (this.running) void this.attempt(state);
    }, delayMs);
  }

  private clearTimer(state: SourceState<O>): void {
    if (state.timer !== null) {
      this.timers.clearTimeout(state.timer);
      state.timer = null;
    }
  }

  private report(source: string, outcome: PollOutcome, durationMs: number): void {
    if (this.onResult === undefined) return;
    try {
      this.onResult(source, outcome, durationMs);
    } catch (error) {
      this.logger.error({ source, error: describeFailure(error) }, 'poller onResult callback failed');
    }
  }
}
