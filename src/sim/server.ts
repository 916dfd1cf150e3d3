/**
 * The exchange simulator: one loopback HTTP server answering, under /<exchange>/..., every request
 * ccxt makes for loadMarkets and fetchTicker on the simulated venues, in each venue's own JSON
 * shape, with prices and faults from a scenario. Time comes from the injected clock, measured from
 * start, so tests move the market by moving the clock. Injected latency is real time.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../core/clock.js';
import { activeFaults, fundingAt, quoteAt, type FundingQuote, type Quote } from './quote.js';
import type { Fault, Scenario } from './scenario.js';
import { VENUES, type Venue, type VenueMarket } from './venues/index.js';

/** A running simulator. */
export interface Simulator {
  /** Base URL of the server, e.g. "http://127.0.0.1:8090". */
  readonly url: string;
  /** The base URL to configure for `exchange` (its ccxt id), e.g. "http://127.0.0.1:8090/kraken". */
  baseUrlFor(exchange: string): string;
  /** Stops listening and drops every open connection, hung ones included. */
  close(): Promise<void>;
}

/** Where and on which clock the simulator runs. */
export interface SimulatorOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind; 127.0.0.1 by default. */
  host?: string;
  /** Clock of exchange timestamps and of scenario time; the system clock by default. */
  clock?: Clock;
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/**
 * Starts the simulator for a parsed `scenario` (see parseScenario / loadScenario). Resolves once
 * listening; rejects if the port cannot be bound.
 */
export async function startSimulator(scenario: Scenario, options: SimulatorOptions = {}): Promise<Simulator> {
  const clock = options.clock ?? systemClock;
  const startedAt = clock.now();
  const pending = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const [, exchange = '', ...rest] = url.pathname.split('/');
    const venue = VENUES[exchange];
    const venueScenario = scenario.exchanges[exchange];
    if (!venue || !venueScenario || req.method !== 'GET') {
      return send(res, json(404, { error: `not simulated: ${req.method ?? ''} ${url.pathname}` }));
    }
    const nowMs = clock.now();
    const elapsedMs = nowMs - startedAt;
    const context = { intervalMsOf: (symbol: string) => venueScenario.markets[symbol]?.funding?.intervalMs };
    const path = `/${rest.join('/')}`;
    const route = venue.route(path, url.searchParams, nowMs, context);
    const market =
      route.kind === 'ticker' || route.kind === 'funding' ? venueScenario.markets[route.market.symbol] : undefined;
    const onPath = (f: Fault) => f.path === undefined || f.path === path;
    const faults = activeFaults([...venueScenario.faults, ...(market?.faults ?? [])].filter(onPath), elapsedMs);

    if (faults.some((f) => f.kind === 'timeout')) return; // never answer; close() drops the socket
    const delayMs = faults.reduce((sum, f) => sum + (f.kind === 'latency' ? f.delayMs : 0), 0);
    if (delayMs > 0) await sleep(delayMs);
    const httpFault = faults.find((f) => f.kind === 'http');
    if (httpFault)
      return send(res, json(httpFault.status, venue.error(httpFault.status, statusText(httpFault.status))));

    switch (route.kind) {
      case 'static':
        return send(res, json(200, route.body));
      case 'html':
        return send(res, { status: 200, contentType: 'text/html; charset=utf-8', body: route.body });
      case 'unknownMarket':
      case 'notFound':
        return send(res, json(404, venue.error(404, 'Not Found')));
      case 'ticker':
        if (!market) return send(res, json(404, venue.error(404, 'Not Found')));
        return send(
          res,
          tickerAnswer(venue, route.market, quoteAt(market, elapsedMs, nowMs, route.market.decimals, faults), faults),
        );
      case 'funding':
        if (!market?.funding || !venue.funding) return send(res, json(404, venue.error(404, 'Not Found')));
        return send(
          res,
          fundingAnswer(
            venue,
            route.market,
            fundingAt(market, elapsedMs, nowMs, route.market.decimals, faults),
            faults,
          ),
        );
    }
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        pending.delete(timer);
        resolve();
      }, ms);
      pending.add(timer);
    });
  }

  function send(res: ServerResponse, answer: Answer): void {
    if (res.destroyed) return;
    res.writeHead(answer.status, {
      'content-type': answer.contentType,
      'content-length': Buffer.byteLength(answer.body),
    });
    res.end(answer.body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  return {
    url,
    baseUrlFor: (exchange) => `${url}/${exchange}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of pending) clearTimeout(timer);
        pending.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** The ticker answer, corrupted as the active "malformed" fault says. */
function tickerAnswer(venue: Venue, market: VenueMarket, quote: Quote, faults: readonly Fault[]): Answer {
  const malformed = faults.find((f) => f.kind === 'malformed');
  if (!malformed) return json(200, venue.ticker(market, quote));
  switch (malformed.mode) {
    case 'missingFields':
      return json(200, venue.ticker(market, { ...quote, last: undefined, bid: undefined, ask: undefined }));
    case 'wrongTypes':
      return json(200, venue.ticker(market, { ...quote, last: 'n/a', bid: 'price', ask: '' }));
    case 'brokenJson':
      return halfBody(venue.ticker(market, quote));
  }
}

/** The funding answer, corrupted as the active "malformed" fault says (rate and mark price only). */
function fundingAnswer(venue: Venue, market: VenueMarket, quote: FundingQuote, faults: readonly Fault[]): Answer {
  const body = (q: FundingQuote): unknown => venue.funding?.(market, q);
  const malformed = faults.find((f) => f.kind === 'malformed');
  if (!malformed) return json(200, body(quote));
  switch (malformed.mode) {
    case 'missingFields':
      return json(200, body({ ...quote, rate: undefined, markPrice: undefined }));
    case 'wrongTypes':
      return json(200, body({ ...quote, rate: 'n/a', markPrice: 'price' }));
    case 'brokenJson':
      return halfBody(body(quote));
  }
}

/** The first half of the JSON text of `body`: what a connection cut mid-answer delivers. */
function halfBody(body: unknown): Answer {
  const text = JSON.stringify(body);
  return { status: 200, contentType: 'application/json', body: text.slice(0, Math.ceil(text.length / 2)) };
}

function json(status: number, body: unknown): Answer {
  return { status, contentType: 'application/json', body: JSON.stringify(body) };
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  418: "I'm a teapot",
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function statusText(status: number): string {
  return STATUS_TEXT[status] ?? `HTTP ${status}`;
}
