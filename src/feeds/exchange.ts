/**
 * The ccxt adapter: one ccxt instance per exchange for the life of the process, shared by all of
 * that exchange's sources so ccxt's rate limiter sees every request. Markets load lazily on the
 * first fetch and again on the next fetch after a failure (ccxt itself would keep replaying the
 * failed load).
 */
import type { Exchange } from 'ccxt';
import type { ExchangeConfig } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { PeerStablesError } from '../core/errors.js';
import { rewriteApiUrls } from './base-url.js';
import { loadExchangeClass } from './ccxt-loader.js';
import { observationFromTicker } from './ticker.js';
import { sourceId, type ObservationFetcher, type Observation } from './types.js';

/** Reads tickers from one exchange. */
export interface MarketClient extends ObservationFetcher {
  /** The ccxt exchange id, e.g. "kraken". */
  readonly exchange: string;
  /** Releases the ccxt instance; fetches after close reject. */
  close(): Promise<void>;
}

// ccxt error messages carry the URL and the response body, which can be a whole HTML page.
const MAX_MESSAGE = 300;

/**
 * Creates the client of `exchangeId` with ccxt's rate limiter on, `timeoutMs` per request,
 * `config.options` as ccxt options and, when `config.baseUrl` is set, every API URL rewritten
 * onto it. Rejects with ConfigError for an unknown exchange id. `fetchObservation` rejects with
 * a PeerStablesError (code "feed_error") on any network, HTTP or parse failure, or an InputError
 * when the ticker has too few usable prices.
 */
export async function createMarketClient(
  exchangeId: string,
  config: ExchangeConfig,
  options: { timeoutMs: number; clock: Clock },
): Promise<MarketClient> {
  const ExchangeClass = await loadExchangeClass(exchangeId);
  const ccxt = new ExchangeClass({
    enableRateLimit: true,
    timeout: options.timeoutMs,
    // ccxt mutates its options (caches), so it gets its own copy of the frozen config.
    options: structuredClone(config.options ?? {}),
  });
  if (config.baseUrl !== undefined) {
    const urls = ccxt.urls as { api?: unknown };
    urls.api = rewriteApiUrls(urls.api, config.baseUrl);
  }
  return new CcxtMarketClient(exchangeId, ccxt, options.clock);
}

class CcxtMarketClient implements MarketClient {
  private marketsLoaded = false;
  private marketsLoading: Promise<unknown> | null = null;
  private failedBefore = false;
  private closed = false;

  constructor(
    readonly exchange: string,
    private readonly ccxt: Exchange,
    private readonly clock: Clock,
  ) {}

  async fetchObservation(symbol: string): Promise<Observation> {
    const source = sourceId({ exchange: this.exchange, symbol });
    if (this.closed) throw new PeerStablesError('feed_error', `${source}: client closed`);
    try {
      await this.loadMarkets();
    } catch (err) {
      throw feedError(`${source}: cannot load markets`, err);
    }
    if (!this.lists(symbol)) {
      // A venue in trouble can answer an empty market list without an error; reload next time.
      this.marketsLoaded = false;
      this.marketsLoading = null;
      this.failedBefore = true;
      throw new PeerStablesError('feed_error', `${source}: not listed by ${this.exchange} (markets reload on the next fetch)`);
    }
    let ticker;
    try {
      ticker = await this.ccxt.fetchTicker(symbol);
    } catch (err) {
      throw feedError(`${source}: cannot fetch ticker`, err);
    }
    return observationFromTicker(source, ticker, this.clock.now());
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.ccxt.close();
  }

  private lists(symbol: string): boolean {
    const markets: unknown = this.ccxt.markets;
    return typeof markets === 'object' && markets !== null && Object.hasOwn(markets, symbol);
  }

  private loadMarkets(): Promise<unknown> {
    if (this.marketsLoaded) return Promise.resolve();
    if (this.marketsLoading === null) {
      // reload=true after a failure: ccxt caches the rejected promise otherwise.
      this.marketsLoading = this.ccxt.loadMarkets(this.failedBefore).then(
        () => {
          this.marketsLoaded = true;
        },
        (err: unknown) => {
          this.failedBefore = true;
          this.marketsLoading = null;
          throw err;
        },
      );
    }
    return this.marketsLoading;
  }
}

function feedError(context: string, err: unknown): PeerStablesError {
  const kind = err instanceof Error ? err.constructor.name : 'Error';
  const raw = err instanceof Error ? err.message : String(err);
  const message = raw.length > MAX_MESSAGE ? `${raw.slice(0, MAX_MESSAGE)}...` : raw;
  return new PeerStablesError('feed_error', `${context}: ${kind}: ${message}`, { cause: err });
}
