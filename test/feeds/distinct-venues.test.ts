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
const list = (name: string, ...ids: string[]): SourceList => ({ name, sources: ids.map((id) => ({ exchange: id.split(':')[0]!, symbol: id.split(':')[1] ?? 'BTC/USD' })) });

describe('findVenueClashes', () => {
  const cases: [string, SourceList[], { list: string; venue: string; first: string; second: string }[]][] = [
    ['distinct venues', [list('index', 'a', 'b', 'c')], []],
    ['two ids of one venue', [list('index', 'a', 'b', 'a2')], [{ list: 'index', venue: 'a.com', first: 'a:BTC/USD', second: 'a2:BTC/USD' }]],
    ['two symbols of one venue', [list('index', 'b:BTC/USD', 'b:BTC/USDT')], [{ list: 'index', venue: 'b.com', first: 'b:BTC/USD', second: 'b:BTC/USDT' }]],
    ['one venue in different markets', [list('index', 'a', 'b'), list('funding', 'a2:BTC/USDT:USDT', 'c')], []],
    [
      'three on one venue: each later one against the first',
      [list('funding', 'a', 'a2', 'a:ETH/USD')],
      [
        { list: 'funding', venue: 'a.com', first: 'a:BTC/USD', second: 'a2:BTC/USD' },
        { list: 'funding', venue: 'a.com', first: 'a:BTC/USD', second: 'a:ETH/USD' },
      ],
    ],
  ];
  for (const [name, lists, clashes] of cases) {
    it(name, () => expect(findVenueClashes(lists, venueOfExchange)).to.deep.equal(clashes));
  }
});

describe('checkDistinctVenues with ccxt metadata', () => {
  const shipped = loadConfig('config/default.json');
  const markets = (patch: Partial<Pick<OracleConfig, 'index' | 'conversions' | 'funding'>>) => ({ ...shipped, ...patch });

  for (const name of ['default.json', 'docker.json', 'simulator.json']) {
    it(`passes config/${name}`, async () => {
      await checkDistinctVenues(loadConfig(`config/${name}`));
    });
  }

  const refused: [string, Parameters<typeof markets>[0], string][] = [
    [
      'coinbase and coinbaseexchange in the index',
      { index: { ...shipped.index, sources: [...shipped.index.sources, { exchange: 'coinbase', symbol: 'BTC/USD' }] } },
      'index: coinbaseexchange:BTC/USD and coinbase:BTC/USD are both on venue coinbase.com',
    ],
    [
      'binance and binanceusdm in funding',
      { funding: { ...shipped.funding!, sources: [...shipped.funding!.sources, { exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT' }] } },
      'funding: binance:BTC/USDT:USDT and binanceusdm:BTC/USDT:USDT are both on venue binance.com',
    ],
    [
      'kraken spot and krakenfutures in one conversion',
      { conversions: { USDT: { ...shipped.conversions['USDT']!, sources: [...shipped.conversions['USDT']!.sources, { exchange: 'krakenfutures', symbol: 'USDT/USD' }] } } },
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
    const funding = { ...shipped.funding!, sources: shipped.funding!.sources.map((s) => (s.exchange === 'binance' ? { ...s, exchange: 'binanceusdm' } : s)) };
    await checkDistinctVenues(markets({ funding }));
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
    const err = await rejection(started.then(async (oracle) => {
      await oracle.close();
      return oracle;
    }));
    expect(err).to.be.instanceOf(ConfigError);
    expect(err.message).to.include('coinbase.com');
    expect(existsSync(join(config.oracle.dataDir, 'oracle.lock'))).to.equal(false);
  });
});
