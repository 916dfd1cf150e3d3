/**
 * One vote per venue in each market: the pure grouping as a table, the start-up check through the
 * real ccxt classes, and the oracle refusing such a configuration before it opens anything.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyFile } from '../../src/attest/keys.js';
import { loadConfig } from '../../src/config/load.js';
import type { OracleConfig } from '../../src/config/schema.js';
import { ConfigError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/log.js';
import { checkDistinctVenues, findVenueClashes, type SourceList } from '../../src/feeds/distinct-venues.js';
import { startOracle } from '../../src/oracle/run.js';
import { simulatedConfig } from '../../src/sim/oracle-config.js';
import { rejection } from '../sim/helpers.js';

const VENUES: Record<string, string> = { a: 'a.com', a2: 'a.com', b: 'b.com', c: 'c.com' };
const venueOfExchange = (exchange: string) => VENUES[exchange] ?? exchange;
/** A list of sources written "exchange" or "exchange:symbol" (BTC/USD when no symbol). */
const list = (name: string, ...ids: string[]): SourceList => ({
  name,
  sources: ids.map((id) => ({ exchange: id.split(':')[0]!, symbol: id.split(':')[1] ?? 'BTC/USD' })),
});
const clash = (inList: string, venue: string, first: string, second: string) => ({
  list: inList,
  venue,
  first,
  second,
});

describe('findVenueClashes', () => {
  const cases: [string, SourceList[], ReturnType<typeof clash>[]][] = [
    ['distinct venues', [list('index', 'a', 'b', 'c')], []],
    ['two ids of one venue', [list('index', 'a', 'b', 'a2')], [clash('index', 'a.com', 'a:BTC/USD', 'a2:BTC/USD')]],
    [
      'two symbols of one venue',
      [list('index', 'b', 'b:ETH/USD')],
      [clash('index', 'b.com', 'b:BTC/USD', 'b:ETH/USD')],
    ],
    ['one venue in different markets', [list('index', 'a', 'b'), list('funding', 'a2:BTC/USDT:USDT', 'c')], []],
    [
      'three on one venue: each later one against the first',
      [list('funding', 'a', 'a2', 'a:ETH/USD')],
      [clash('funding', 'a.com', 'a:BTC/USD', 'a2:BTC/USD'), clash('funding', 'a.com', 'a:BTC/USD', 'a:ETH/USD')],
    ],
  ];
  for (const [name, lists, clashes] of cases) {
    it(name, () => expect(findVenueClashes(lists, venueOfExchange)).to.deep.equal(clashes));
  }
});

describe('checkDistinctVenues with ccxt metadata', () => {
  const shipped = loadConfig('config/default.json');
  type Markets = Partial<Pick<OracleConfig, 'index' | 'conversions' | 'funding'>>;
  const markets = (patch: Markets) => ({ ...shipped, ...patch });
  const funding = shipped.funding!;
  const usdt = shipped.conversions['USDT']!;
  type Market = { sources: readonly { exchange: string; symbol: string }[] };
  const withSource = <M extends Market>(m: M, exchange: string, symbol: string) => ({
    ...m,
    sources: [...m.sources, { exchange, symbol }],
  });

  for (const name of ['default.json', 'docker.json', 'simulator.json']) {
    it(`passes config/${name}`, async () => {
      await checkDistinctVenues(loadConfig(`config/${name}`));
    });
  }

  const refused: [string, Parameters<typeof markets>[0], string][] = [
    [
      'coinbase and coinbaseexchange in the index',
      { index: withSource(shipped.index, 'coinbase', 'BTC/USD') },
      'index: coinbaseexchange:BTC/USD and coinbase:BTC/USD are both on venue coinbase.com',
    ],
    [
      'binance and binanceusdm in funding',
      { funding: withSource(funding, 'binanceusdm', 'BTC/USDT:USDT') },
      'funding: binance:BTC/USDT:USDT and binanceusdm:BTC/USDT:USDT are both on venue binance.com',
    ],
    [
      'kraken spot and krakenfutures in one conversion',
      { conversions: { USDT: withSource(usdt, 'krakenfutures', 'USDT/USD') } },
      'conversions.USDT: kraken:USDT/USD and krakenfutures:USDT/USD are both on venue kraken.com',
    ],
  ];
  for (const [name, patch, message] of refused) {
    it(`refuses ${name}, naming both sources and the venue`, async () => {
      const err = await rejection(checkDistinctVenues(markets(patch)));
      expect(err).to.be.instanceOf(ConfigError);
      expect(err.message).to.include(message);
    });
  }

  it('accepts binance spot in the index beside binanceusdm in funding', async () => {
    const usdm = funding.sources.map((s) => (s.exchange === 'binance' ? { ...s, exchange: 'binanceusdm' } : s));
    await checkDistinctVenues(markets({ funding: { ...funding, sources: usdm } }));
  });

  it('refuses an exchange ccxt does not have', async () => {
    const index = { ...shipped.index, sources: [{ exchange: 'nosuchexchange', symbol: 'BTC/USD' }] };
    expect(await rejection(checkDistinctVenues(markets({ index })))).to.be.instanceOf(ConfigError);
  });
});

describe('startOracle with two sources of one venue in a market', () => {
  it('refuses before it takes the data directory or reaches any exchange', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-venues-'));
    const config = simulatedConfig({ baseUrlFor: (id) => `http://127.0.0.1:9/${id}`, dir, logLevel: 'silent' });
    generateKeyFile(config.oracle.keyFile);
    const index = { ...config.index, sources: [...config.index.sources, { exchange: 'coinbase', symbol: 'BTC/USD' }] };
    const started = startOracle({ ...config, index }, { logger: silentLogger });
    const err = await rejection(
      started.then(async (oracle) => {
        await oracle.close();
        return oracle;
      }),
    );
    expect(err).to.be.instanceOf(ConfigError);
    expect(err.message).to.include('coinbase.com');
    expect(existsSync(join(config.oracle.dataDir, 'oracle.lock'))).to.equal(false);
  });
});
