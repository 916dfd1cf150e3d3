/**
 * The ccxt adapter: one ccxt instance per exchange for the life of the process, shared by all of
 * that exchange's sources, spot and perpetual, so ccxt's rate limiter sees every request. Markets
 * load lazily on the first fetch and again on the next fetch after a failure (ccxt itself would
 * keep replaying the failed load). A venue's timestamp reaches an observation only when it is a
 * quote time (src/feeds/timestamps.ts), never a last-trade time that ages in a quiet market.
 */
import type { Exchange } from 'ccxt';
import type { ExchangeConfig } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { PeerStablesError } from '../core/errors.js';
import { rewriteApiUrls } from './base-url.js';
import { loadExchangeClass } from './ccxt-loader.js';
import { fundingFromCcxt, type CcxtFundingRate } from './funding.js';
import { observationFromTicker } from './ticker.js';
import { isQuoteTime } from './timestamps.js';
import { sourceId, type FundingFetcher, type ObservationFetcher } from './types.js';
import type { FundingObservation, Observation } from '../index/readings.js';
import { venueOf } from './venue.js';
import { intervalFromList } from './venue-defaults.js';

/** Reads tickers and perpetual funding rates from one exchange. */
export interface MarketClient extends ObservationFetcher, FundingFetcher {
  /** The ccxt exchange id, e.g. "kraken". */
  readonly exchange: string;
  /** Releases the ccxt instance; fetches after close reject. */
  close(): Promise<void>;
}

// ccxt error messages carry the URL and the response body, which can be a whole HTML page.
const MAX_MESSAGE = 300;
// A venue changes a contract's funding interval rarely and announces it days ahead; an hour-old
// answer costs one request an hour instead of one per poll.
const INTERVAL_TTL_MS = 60 * 60 * 1000;

/**
 * Creates the client of `exchangeId` with ccxt's rate limiter on, `timeoutMs` per request,
 * `config.options` as ccxt options and, when `config.baseUrl` is set, every API URL rewritten
 * onto it. Rejects with ConfigError for an unknown exchange id. `fetchObservation` rejects with
 * a PeerStablesError (code "feed_error") on any network, HTTP or parse failure, or an InputError
 * when the ticker has too few usable prices; `fetchFunding` likewise, or an InputError when the
 * rate is missing or the venue's funding interval is unknown.
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
  return new CcxtMarketClient(exchangeId, venueOf(exchangeId, ccxt), ccxt, options.clock);
}

class CcxtMarketClient implements MarketClient {
  private marketsLoaded = false;
  private marketsLoading: Promise<unknown> | null = null;
  private failedBefore = false;
  private closed = false;
  private readonly intervals = new Map<string, { interval: string; at: number }>();

  constructor(
    readonly exchange: string,
    private readonly venue: string,
    private readonly ccxt: Exchange,
    private readonly clock: Clock,
  ) {}

  async fetchObservation(symbol: string): Promise<Observation> {
    const source = await this.ready(symbol);
    let ticker;
    try {
      ticker = await this.ccxt.fetchTicker(symbol);
    } catch (err) {
      throw feedError(`${source}: cannot fetch ticker`, err);
    }
    const timestamp = isQuoteTime(this.exchange, 'ticker') ? ticker.timestamp : undefined;
    const fields = { last: ticker.last, bid: ticker.bid, ask: ticker.ask, timestamp };
    return observationFromTicker(source, fields, this.clock.now());
  }

  async fetchFunding(symbol: string): Promise<FundingObservation> {
    const source = await this.ready(symbol);
    let rate: CcxtFundingRate;
    try {
      rate = await this.fetchFundingRate(symbol);
      // Binance's premiumIndex states no interval; its fundingInfo list does, for adjusted contracts.
      if (rate.interval === undefined && this.ccxt.has['fetchFundingIntervals'] === true) {
        rate = { ...rate, interval: await this.fundingInterval(symbol) };
      }
    } catch (err) {
      throw feedError(`${source}: cannot fetch funding rate`, err);
    }
    if (!isQuoteTime(this.exchange, 'funding')) rate = { ...rate, timestamp: undefined };
    return fundingFromCcxt(source, rate, this.clock.now());
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.ccxt.close();
  }

  /** Loads markets and checks `symbol` is listed; returns its source id. */
  private async ready(symbol: string): Promise<string> {
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
      throw new PeerStablesError(
        'feed_error',
        `${source}: not listed by ${this.exchange} (markets reload on the next fetch)`,
      );
    }
    return source;
  }

  /**
   * One request either way: fetchFundingRate where ccxt implements it natively (binance
   * premiumIndex, okx public/funding-rate, deribit get_funding_rate_value), else
   * fetchFundingRates([symbol]) which ccxt's 'emulated' fetchFundingRate would call anyway (bybit
   * v5/market/tickers?symbol=, krakenfutures tickers).
   */
  private async fetchFundingRate(symbol: string): Promise<CcxtFundingRate> {
    if (this.ccxt.has['fetchFundingRate'] === true) return this.ccxt.fetchFundingRate(symbol);
    const rates: Record<string, CcxtFundingRate | undefined> = await this.ccxt.fetchFundingRates([symbol]);
    const rate = rates[symbol];
    if (!rate) throw new PeerStablesError('feed_error', `${this.exchange} answered no funding rate for ${symbol}`);
    return rate;
  }

  /**
   * The interval of `symbol` from the venue's interval list (Binance: fundingInfo), cached for
   * INTERVAL_TTL_MS; undefined if not known. The whole list is fetched, for the market's own
   * sub-type: a symbol it leaves out gets the venue's documented default (src/feeds/venue-defaults.ts)
   * only when the list itself arrived; a failed request rejects, as every other fetch does.
   */
  private async fundingInterval(symbol: string): Promise<string | undefined> {
    const now = this.clock.now();
    const cached = this.intervals.get(symbol);
    if (cached && now - cached.at < INTERVAL_TTL_MS) return cached.interval;
    const market = this.ccxt.market(symbol);
    const subType = market.linear === true ? 'linear' : market.inverse === true ? 'inverse' : undefined;
    const params = subType ? { subType } : {};
    const list: Record<string, CcxtFundingRate | undefined> = await this.ccxt.fetchFundingIntervals(undefined, params);
    const interval = intervalFromList(this.venue, symbol, list);
    if (interval !== undefined) this.intervals.set(symbol, { interval, at: now });
    return interval;
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
