/**
 * One vote per venue in each market. The median's guarantee (docs/METHODOLOGY.md, section 6)
 * counts independent venues: two sources of one market on one venue (its API under two ccxt ids,
 * `coinbase` and `coinbaseexchange`, or two symbols of one venue) fail together, yet would count
 * as two votes. Start-up refuses such a list before anything is opened, naming both sources and
 * the venue. The same venue in different markets (Binance spot in the index, its perpetual in
 * funding) is fine: each market's median is judged on its own.
 */
import { ConfigError } from '../core/errors.js';
import { loadExchangeClass } from './ccxt-loader.js';
import { sourceId, type SourceSpec } from './types.js';
import { venueOf } from './venue.js';

/** Sources that vote together, under the name an operator finds them by in the configuration. */
export interface SourceList {
  readonly name: string;
  readonly sources: readonly SourceSpec[];
}

/** A source on the same venue as an earlier source of the same list. */
export interface VenueClash {
  readonly list: string;
  readonly venue: string;
  readonly first: string;
  readonly second: string;
}

/**
 * Every source of `lists` that reaches the venue of an earlier source of its own list, in list
 * order, given the venue of each exchange id. Pure.
 */
export function findVenueClashes(
  lists: readonly SourceList[],
  venueOfExchange: (exchange: string) => string,
): VenueClash[] {
  const clashes: VenueClash[] = [];
  for (const list of lists) {
    const firstOn = new Map<string, string>();
    for (const spec of list.sources) {
      const venue = venueOfExchange(spec.exchange);
      const first = firstOn.get(venue);
      if (first === undefined) firstOn.set(venue, sourceId(spec));
      else clashes.push({ list: list.name, venue, first, second: sourceId(spec) });
    }
  }
  return clashes;
}

/** The markets of a configuration, as the validated config has them. */
export interface ConfiguredMarkets {
  readonly index: { readonly sources: readonly SourceSpec[] };
  readonly conversions: Readonly<Record<string, { readonly sources: readonly SourceSpec[] }>>;
  readonly funding?: { readonly sources: readonly SourceSpec[] } | undefined;
}

/**
 * Throws ConfigError naming every pair of sources of one market (the index, each conversion, the
 * funding list) that reach one venue, whatever their ccxt ids or symbols; or an unknown exchange
 * id. Loads each configured exchange's ccxt class to read its venue; opens no connection.
 */
export async function checkDistinctVenues(config: ConfiguredMarkets): Promise<void> {
  const lists: SourceList[] = [
    { name: 'index', sources: config.index.sources },
    ...Object.entries(config.conversions).map(([quote, m]) => ({ name: `conversions.${quote}`, sources: m.sources })),
    ...(config.funding ? [{ name: 'funding', sources: config.funding.sources }] : []),
  ];
  const venues = new Map<string, string>();
  for (const exchange of new Set(lists.flatMap((l) => l.sources.map((s) => s.exchange)))) {
    const ExchangeClass = await loadExchangeClass(exchange);
    venues.set(exchange, venueOf(exchange, new ExchangeClass()));
  }
  const clashes = findVenueClashes(lists, (exchange) => venues.get(exchange) ?? exchange);
  if (clashes.length > 0) {
    const each = clashes.map((c) => `${c.list}: ${c.first} and ${c.second} are both on venue ${c.venue}`);
    throw new ConfigError(`${each.join('; ')}: a venue may vote only once in a market (drop one of each pair)`);
  }
}
