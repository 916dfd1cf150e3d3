/**
 * OKX public REST API v5 (www.okx.com/api/v5/public): instruments (the BTC-USDT-SWAP perpetual;
 * other instrument types empty) and funding-rate. ccxt reads the interval as nextFundingTime minus
 * fundingTime; OKX's funding answer carries no mark price, and ccxt keeps no timestamp from it.
 */
import { fundingRoute, type Venue, type VenueMarket } from './types.js';

const PERPETUALS: readonly VenueMarket[] = [
  { symbol: 'BTC/USDT:USDT', id: 'BTC-USDT-SWAP', base: 'BTC', quote: 'USDT', settle: 'USDT', decimals: 1 },
];

function instruments(instType: string): unknown {
  const listed = instType === 'SWAP' ? PERPETUALS : [];
  const data = listed.map((m) => ({
    alias: '',
    auctionEndTime: '',
    baseCcy: '',
    category: '1',
    ctMult: '1',
    ctType: 'linear',
    ctVal: '0.01',
    ctValCcy: m.base,
    contTdSwTime: '1704876947000',
    expTime: '',
    futureSettlement: false,
    instFamily: `${m.base}-${m.quote}`,
    instId: m.id,
    instIdCode: 10459,
    instType: 'SWAP',
    lever: '100',
    listTime: '1573557408000',
    lotSz: '0.01',
    maxIcebergSz: '100000000.0000000000000000',
    maxLmtAmt: '20000000',
    maxLmtSz: '100000000',
    maxMktAmt: '',
    maxMktSz: '12000',
    maxStopSz: '12000',
    maxTriggerSz: '100000000.0000000000000000',
    maxTwapSz: '100000000.0000000000000000',
    minSz: '0.01',
    optType: '',
    quoteCcy: '',
    ruleType: 'normal',
    settleCcy: m.settle,
    state: 'live',
    stk: '',
    tickSz: '0.1',
    uly: `${m.base}-${m.quote}`,
  }));
  return { code: '0', msg: '', data };
}

/** OKX answers errors as {"code": "<number>", "msg": "...", "data": []}. */
export const okx: Venue = {
  markets: PERPETUALS,
  route(path, query) {
    if (path === '/api/v5/public/instruments')
      return { kind: 'static', body: instruments(query.get('instType') ?? '') };
    if (path === '/api/v5/public/funding-rate') return fundingRoute(PERPETUALS, query.get('instId') ?? '');
    return { kind: 'notFound' };
  },
  ticker() {
    throw new RangeError('okx is simulated for perpetual funding only');
  },
  funding(m, f) {
    return {
      code: '0',
      msg: '',
      data: [
        {
          formulaType: 'withRate',
          fundingRate: f.rate,
          fundingTime: String(f.nextFundingMs),
          impactValue: '20000',
          instId: m.id,
          instType: 'SWAP',
          interestRate: '0.0001',
          maxFundingRate: '0.00375',
          method: 'current_period',
          minFundingRate: '-0.00375',
          nextFundingRate: '',
          nextFundingTime: String(f.nextFundingMs + f.intervalMs),
          premium: '0.0000105',
          settFundingRate: f.rate,
          settState: 'settled',
          ts: String(f.timestampMs),
        },
      ],
    };
  },
  error(status, message) {
    if (status === 404) return { code: '51001', msg: 'Instrument ID does not exist', data: [] };
    return { code: '50001', msg: message, data: [] };
  },
};
