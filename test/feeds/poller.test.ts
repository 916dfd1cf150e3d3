import { expect } from 'chai';
import { ManualClock } from '../../src/core/clock.js';
import { ConfigError } from '../../src/core/errors.js';
import {
  Poller,
  type PolledSource,
  type PollerOptions,
  type PollerTimers,
  type PollOutcome,
} from '../../src/feeds/poller.js';
import type { ObservationFetcher, SourceSpec } from '../../src/feeds/types.js';
import type { Observation } from '../../src/index/readings.js';

const INTERVAL = 2_000;
const TIMEOUT = 4_000;
const BACKOFF_INITIAL = 100;
const BACKOFF_MAX = 800;

/** Timers that only fire when the test says so, recording the delay each was asked for. */
class FakeTimers implements PollerTimers {
  private nextId = 1;
  readonly pending = new Map<number, { callback: () => void; ms: number }>();
  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { callback, ms });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** Delays of the pending timers, excluding fetch timeouts. */
  loopDelays(): number[] {
    return [...this.pending.values()].filter((t) => t.ms !== TIMEOUT).map((t) => t.ms);
  }
  /** Fires every pending timer of `ms`; returns how many fired. */
  fire(ms: number): number {
    const due = [...this.pending.entries()].filter(([, t]) => t.ms === ms);
    for (const [id, t] of due) {
      this.pending.delete(id);
      t.callback();
    }
    return due.length;
  }
  /** Fires every pending loop timer (whatever its delay). */
  fireLoops(): number {
    let fired = 0;
    for (const ms of new Set(this.loopDelays())) fired += this.fire(ms);
    return fired;
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A fetcher whose every call waits until the test settles it. */
class ScriptedFetcher implements ObservationFetcher {
  readonly calls: Deferred<Observation>[] = [];
  readonly symbols: string[] = [];
  fetchObservation(symbol: string): Promise<Observation> {
    const call = deferred<Observation>();
    this.calls.push(call);
    this.symbols.push(symbol);
    return call.promise;
  }
  last(): Deferred<Observation> {
    const call = this.calls.at(-1);
    if (call === undefined) throw new Error('fetcher was never called');
    return call;
  }
}

/** A fetcher answering at once from a function. */
function instantFetcher(
  answer: (symbol: string, call: number) => Observation | Error,
): ObservationFetcher & { count: number } {
  const fetcher = {
    count: 0,
    fetchObservation(symbol: string): Promise<Observation> {
      fetcher.count += 1;
      const result = answer(symbol, fetcher.count);
      return result instanceof Error ? Promise.reject(result) : Promise.resolve(result);
    },
  };
  return fetcher;
}

function obs(source: string, price: bigint, receivedAt: number): Observation {
  return { source, price, exchangeTs: null, receivedAt };
}

/** Lets pending promise callbacks (fetch results, finally blocks) run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

const KRAKEN: SourceSpec = { exchange: 'kraken', symbol: 'BTC/USD' };
const BINANCE: SourceSpec = { exchange: 'binance', symbol: 'BTC/USDT' };
const BITSTAMP: SourceSpec = { exchange: 'bitstamp', symbol: 'BTC/USD' };

/** One polled source reading spot observations through `fetcher`. */
function from(spec: SourceSpec, fetcher: ObservationFetcher): PolledSource<Observation> {
  return { spec, fetch: (symbol) => fetcher.fetchObservation(symbol) };
}

function makePoller(
  sources: PollerOptions<Observation>['sources'],
  extra: Partial<PollerOptions<Observation>> = {},
): { poller: Poller<Observation>; timers: FakeTimers; results: Array<[string, PollOutcome]> } {
  const timers = new FakeTimers();
  const results: Array<[string, PollOutcome]> = [];
  const poller = new Poller<Observation>({
    sources,
    intervalMs: INTERVAL,
    timeoutMs: TIMEOUT,
    backoffInitialMs: BACKOFF_INITIAL,
    backoffMaxMs: BACKOFF_MAX,
    clock: new ManualClock(1_700_000_000_000),
    timers,
    onResult: (source, outcome) => results.push([source, outcome]),
    ...extra,
  });
  return { poller, timers, results };
}

describe('feeds/poller: Poller', () => {
  describe('readings', () => {
    it('lists every source in configured order with its quote, empty before any poll', () => {
      const { poller } = makePoller([
        from(KRAKEN, new ScriptedFetcher()),
        from(BINANCE, new ScriptedFetcher()),
        from({ exchange: 'bybit', symbol: 'BTC/USDT:USDT' }, new ScriptedFetcher()),
      ]);
      expect(poller.readings()).to.deep.equal([
        { source: 'kraken:BTC/USD', quote: 'USD', observation: null, lastError: null },
        { source: 'binance:BTC/USDT', quote: 'USDT', observation: null, lastError: null },
        { source: 'bybit:BTC/USDT:USDT', quote: 'USDT', observation: null, lastError: null },
      ]);
    });

    it('keeps configured order even when later sources answer first', async () => {
      const slow = new ScriptedFetcher();
      const fast = new ScriptedFetcher();
      const { poller } = makePoller([from(KRAKEN, slow), from(BINANCE, fast)]);
      const done = poller.pollOnce();
      await settle();
      fast.last().resolve(obs('binance:BTC/USDT', 2n, 10));
      await settle();
      slow.last().resolve(obs('kraken:BTC/USD', 1n, 20));
      await done;
      expect(poller.readings().map((r) => [r.source, r.observation?.price])).to.deep.equal([
        ['kraken:BTC/USD', 1n],
        ['binance:BTC/USDT', 2n],
      ]);
    });

    it('asks each fetcher for its own symbol', async () => {
      const a = new ScriptedFetcher();
      const b = new ScriptedFetcher();
      const { poller } = makePoller([from(KRAKEN, a), from(BINANCE, b)]);
      void poller.pollOnce();
      await settle();
      expect([a.symbols, b.symbols]).to.deep.equal([['BTC/USD'], ['BTC/USDT']]);
    });
  });

  describe('outcomes of one attempt', () => {
    it('a failure after a good observation keeps the observation and sets lastError; success clears it', async () => {
      let fail = false;
      const fetcher = instantFetcher((_s, call) =>
        fail ? new Error('HTTP 503') : obs('kraken:BTC/USD', BigInt(call), call),
      );
      const { poller, results } = makePoller([from(KRAKEN, fetcher)]);

      await poller.pollOnce();
      expect(poller.readings()[0]).to.deep.include({ observation: obs('kraken:BTC/USD', 1n, 1), lastError: null });

      fail = true;
      await poller.pollOnce();
      expect(poller.readings()[0]).to.deep.include({
        observation: obs('kraken:BTC/USD', 1n, 1),
        lastError: 'HTTP 503',
      });

      fail = false;
      await poller.pollOnce();
      expect(poller.readings()[0]).to.deep.include({ observation: obs('kraken:BTC/USD', 3n, 3), lastError: null });
      expect(results).to.deep.equal([
        ['kraken:BTC/USD', 'ok'],
        ['kraken:BTC/USD', 'error'],
        ['kraken:BTC/USD', 'ok'],
      ]);
    });

    const failures: Array<[what: string, fetcher: ObservationFetcher, expected: RegExp]> = [
      ['a rejected fetch', instantFetcher(() => new Error('ECONNREFUSED')), /^ECONNREFUSED$/],
      [
        'a fetcher that throws synchronously',
        {
          fetchObservation(): Promise<Observation> {
            throw new TypeError('bad symbol');
          },
        },
        /^TypeError: bad symbol$/,
      ],
      [
        'an observation for another source',
        instantFetcher(() => obs('kraken:ETH/USD', 1n, 1)),
        /observation for kraken:ETH\/USD, expected kraken:BTC\/USD/,
      ],
      [
        'no observation at all',
        { fetchObservation: () => Promise.resolve(null as unknown as Observation) },
        /^fetcher returned no observation$/,
      ],
      [
        'an error carrying credentials and a stack',
        instantFetcher(
          () => new Error('GET https://bob:hunter2@mirror.test/ticker?key=k 500\n    at fetch (x.js:1:1)'),
        ),
        /^GET https:\/\/mirror\.test\/ticker 500$/,
      ],
    ];
    for (const [what, fetcher, expected] of failures) {
      it(`${what} is recorded as a short, clean error`, async () => {
        const { poller, results } = makePoller([from(KRAKEN, fetcher)]);
        await poller.pollOnce();
        const [reading] = poller.readings();
        expect(reading?.observation).to.equal(null);
        expect(reading?.lastError).to.match(expected);
        expect(results).to.deep.equal([['kraken:BTC/USD', 'error']]);
      });
    }

    it('reports each attempt with its duration by the injected clock', async () => {
      const clock = new ManualClock(1_000);
      const durations: Array<[string, PollOutcome, number]> = [];
      const slowThenFail = instantFetcher((_s, call) => {
        clock.advance(call === 1 ? 250 : 40);
        return call === 1 ? obs('kraken:BTC/USD', 1n, clock.now()) : new Error('down');
      });
      const { poller } = makePoller([from(KRAKEN, slowThenFail)], {
        clock,
        onResult: (source, outcome, durationMs) => durations.push([source, outcome, durationMs]),
      });
      await poller.pollOnce();
      await poller.pollOnce();
      expect(durations).to.deep.equal([
        ['kraken:BTC/USD', 'ok', 250],
        ['kraken:BTC/USD', 'error', 40],
      ]);
    });

    it('a throwing onResult callback does not break polling', async () => {
      const fetcher = instantFetcher(() => obs('kraken:BTC/USD', 5n, 1));
      const { poller } = makePoller([from(KRAKEN, fetcher)], {
        onResult: () => {
          throw new Error('metrics broke');
        },
      });
      await poller.pollOnce();
      expect(poller.readings()[0]?.observation?.price).to.equal(5n);
    });
  });

  describe('timeouts', () => {
    it('a fetch exceeding timeoutMs counts as a failure', async () => {
      const fetcher = new ScriptedFetcher();
      const { poller, timers, results } = makePoller([from(KRAKEN, fetcher)]);
      const done = poller.pollOnce();
      await settle();
      expect(timers.fire(TIMEOUT)).to.equal(1);
      await done;
      expect(poller.readings()[0]).to.deep.include({ observation: null, lastError: 'timed out after 4000 ms' });
      expect(results).to.deep.equal([['kraken:BTC/USD', 'timeout']]);
    });

    it('a late answer of a timed-out fetch never overwrites a newer observation', async () => {
      const fetcher = new ScriptedFetcher();
      const { poller, timers } = makePoller([from(KRAKEN, fetcher)]);

      const first = poller.pollOnce();
      await settle();
      timers.fire(TIMEOUT);
      await first;

      const second = poller.pollOnce();
      await settle();
      fetcher.last().resolve(obs('kraken:BTC/USD', 200n, 2));
      await second;

      fetcher.calls[0]?.resolve(obs('kraken:BTC/USD', 100n, 1));
      await settle();
      expect(poller.readings()[0]).to.deep.include({ observation: obs('kraken:BTC/USD', 200n, 2), lastError: null });
    });

    it('a late answer after a timeout does not clear the timeout error', async () => {
      const fetcher = new ScriptedFetcher();
      const { poller, timers } = makePoller([from(KRAKEN, fetcher)]);
      const done = poller.pollOnce();
      await settle();
      timers.fire(TIMEOUT);
      await done;
      fetcher.last().resolve(obs('kraken:BTC/USD', 100n, 1));
      await settle();
      expect(poller.readings()[0]).to.deep.include({ observation: null, lastError: 'timed out after 4000 ms' });
    });

    it('clears the timeout timer once the fetch answers', async () => {
      const fetcher = instantFetcher(() => obs('kraken:BTC/USD', 1n, 1));
      const { poller, timers } = makePoller([from(KRAKEN, fetcher)]);
      await poller.pollOnce();
      expect(timers.pending.size).to.equal(0);
    });
  });

  describe('background loops', () => {
    it('a hung source does not block the others', async () => {
      const hung = new ScriptedFetcher();
      const healthy = instantFetcher((_s, call) => obs('binance:BTC/USDT', BigInt(call), call));
      const { poller, timers } = makePoller([from(KRAKEN, hung), from(BINANCE, healthy)]);
      poller.start();
      for (let round = 0; round < 3; round++) {
        timers.fireLoops();
        await settle();
      }
      expect(hung.calls).to.have.length(1);
      expect(healthy.count).to.equal(3);
      expect(poller.readings()[1]?.observation?.price).to.equal(3n);
      expect(poller.readings()[0]).to.deep.include({ observation: null, lastError: null });
      await stopWithTimeouts(poller, timers);
    });

    it('waits intervalMs after a success, backs off exponentially on failures, and resets on success', async () => {
      const script = ['ok', 'fail', 'fail', 'fail', 'fail', 'fail', 'ok', 'fail', 'ok'];
      const fetcher = instantFetcher((_s, call) =>
        script[call - 1] === 'ok' ? obs('kraken:BTC/USD', BigInt(call), call) : new Error('down'),
      );
      const { poller, timers } = makePoller([from(KRAKEN, fetcher)]);
      poller.start();
      expect(timers.loopDelays()).to.deep.equal([0]);
      const delays: number[] = [];
      for (let i = 0; i < script.length; i++) {
        timers.fireLoops();
        await settle();
        delays.push(...timers.loopDelays());
      }
      expect(delays).to.deep.equal([
        INTERVAL, // ok
        100,
        200,
        400,
        800,
        800, // five failures: doubling, capped at BACKOFF_MAX
        INTERVAL, // ok: back-off reset
        100, // a new streak starts from the initial delay
        INTERVAL,
      ]);
      await poller.stop();
    });

    it('start() after pollOnce() waits the normal interval instead of polling again at once', async () => {
      const fetcher = instantFetcher(() => obs('kraken:BTC/USD', 1n, 1));
      const { poller, timers } = makePoller([from(KRAKEN, fetcher)]);
      await poller.pollOnce();
      poller.start();
      expect(timers.loopDelays()).to.deep.equal([INTERVAL]);
      expect(fetcher.count).to.equal(1);
      await poller.stop();
    });

    it('pollOnce() during a background fetch joins it instead of asking the exchange twice', async () => {
      const fetcher = new ScriptedFetcher();
      const { poller, timers } = makePoller([from(KRAKEN, fetcher)]);
      poller.start();
      timers.fireLoops();
      await settle();
      const once = poller.pollOnce();
      await settle();
      expect(fetcher.calls).to.have.length(1);
      fetcher.last().resolve(obs('kraken:BTC/USD', 7n, 1));
      await once;
      expect(poller.readings()[0]?.observation?.price).to.equal(7n);
      expect(timers.loopDelays()).to.deep.equal([INTERVAL]);
      await poller.stop();
    });

    it('keeps a single timer per source whatever mix of loop and pollOnce runs', async () => {
      const fetcher = instantFetcher(() => obs('kraken:BTC/USD', 1n, 1));
      const { poller, timers } = makePoller([from(KRAKEN, fetcher)]);
      poller.start();
      poller.start();
      await poller.pollOnce();
      await poller.pollOnce();
      timers.fireLoops();
      await settle();
      expect(timers.loopDelays()).to.have.length(1);
      await poller.stop();
    });
  });

  describe('stop()', () => {
    it('clears every timer and waits for the in-flight attempt', async () => {
      const fetcher = new ScriptedFetcher();
      const { poller, timers } = makePoller([
        from(KRAKEN, fetcher),
        from(
          BINANCE,
          instantFetcher(() => obs('binance:BTC/USDT', 1n, 1)),
        ),
      ]);
      poller.start();
      timers.fireLoops();
      await settle();
      let stopped = false;
      const stopping = poller.stop().then(() => {
        stopped = true;
      });
      await settle();
      expect(stopped, 'stop() must wait for the in-flight fetch').to.equal(false);
      fetcher.last().resolve(obs('kraken:BTC/USD', 1n, 1));
      await stopping;
      expect(timers.pending.size, 'no timer left after stop()').to.equal(0);
    });

    it('returns within the fetch timeout even when a fetch never answers', async () => {
      const { poller, timers } = makePoller([from(KRAKEN, new ScriptedFetcher())]);
      poller.start();
      timers.fireLoops();
      await settle();
      await stopWithTimeouts(poller, timers);
      expect(timers.pending.size).to.equal(0);
    });

    it('with real timers: polls in the background, then stops polling and leaves nothing behind', async () => {
      const fetcher = instantFetcher((_s, call) => obs('kraken:BTC/USD', BigInt(call), call));
      const poller = new Poller({
        sources: [from(KRAKEN, fetcher)],
        intervalMs: 1,
        timeoutMs: 1_000,
        backoffInitialMs: 1,
        backoffMaxMs: 10,
        clock: new ManualClock(0),
      });
      poller.start();
      while (fetcher.count < 3) await new Promise((resolve) => setTimeout(resolve, 1));
      await poller.stop();
      const countAtStop = fetcher.count;
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(fetcher.count, 'no fetch after stop()').to.equal(countAtStop);
      expect(poller.readings()[0]?.observation?.price).to.equal(BigInt(countAtStop));
    });
  });

  describe('constructor', () => {
    const base: PollerOptions<Observation> = {
      sources: [from(KRAKEN, new ScriptedFetcher())],
      intervalMs: INTERVAL,
      timeoutMs: TIMEOUT,
      backoffInitialMs: BACKOFF_INITIAL,
      backoffMaxMs: BACKOFF_MAX,
      clock: new ManualClock(0),
    };
    const bad: Array<[what: string, change: Partial<PollerOptions<Observation>>, message: RegExp]> = [
      ['zero interval', { intervalMs: 0 }, /intervalMs must be a positive integer/],
      ['fractional timeout', { timeoutMs: 1.5 }, /timeoutMs must be a positive integer/],
      ['NaN back-off', { backoffInitialMs: Number.NaN }, /backoffInitialMs must be a positive integer/],
      ['back-off cap below start', { backoffInitialMs: 1_000, backoffMaxMs: 10 }, /backoffMaxMs must not be below/],
      ['no sources', { sources: [] }, /at least one source/],
      [
        'duplicate source',
        { sources: [from(BITSTAMP, new ScriptedFetcher()), from(BITSTAMP, new ScriptedFetcher())] },
        /duplicate source bitstamp:BTC\/USD/,
      ],
    ];
    for (const [what, change, message] of bad) {
      it(`rejects ${what}`, () => {
        expect(() => new Poller({ ...base, ...change })).to.throw(ConfigError, message);
      });
    }
  });
});

/** Stops the poller, firing fetch timeouts so that hung fake fetches settle. */
async function stopWithTimeouts(poller: Poller<Observation>, timers: FakeTimers): Promise<void> {
  const stopping = poller.stop();
  await settle();
  timers.fire(TIMEOUT);
  await stopping;
}
