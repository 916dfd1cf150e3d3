/**
 * What the timestamp ccxt parses from each venue's answer means, and so whether it can say that
 * the venue's figure is current. A quote time (the venue's snapshot of its book, statistics or mark,
 * or its server time) ages only when the venue's data stops. A last-trade time ages whenever nobody
 * trades: judged as a quote time it calls a quiet but live market stale (a recorded Kraken Futures
 * answer had lastTime 104 s behind its server clock). So only quote times become an observation's
 * `exchangeTs`; a venue whose timestamp means anything else is treated like one that sends none,
 * and only our receive time (and the filters on the value) judge it.
 *
 * Checked against ccxt 4.5's parsers and each venue's API documentation; the table with the field
 * names and sources is in docs/METHODOLOGY.md, section 2. A ccxt id not listed here keeps its
 * timestamp as a quote time: the stricter reading, until someone checks what it means.
 */

/** What a venue's parsed timestamp is: a quote time, or something that ages without a fault. */
type Meaning = 'quote' | 'lastTrade' | 'volumeWindow' | 'none';

/** The two answers the adapter reads: a spot ticker and a perpetual's funding rate. */
export type Answer = 'ticker' | 'funding';

const MEANINGS: Readonly<Record<string, Readonly<Partial<Record<Answer, Meaning>>>>> = {
  // products/{id}/ticker: `time` is the last trade's ("snapshot information about the last trade").
  coinbaseexchange: { ticker: 'lastTrade' },
  kraken: { ticker: 'none' },
  // v2/ticker: `timestamp`, documented only as a Unix timestamp: the ticker's own, in seconds.
  bitstamp: { ticker: 'quote' },
  // v1/pubticker: `volume.timestamp` dates the 24 h volume figure, not the bid, ask or last.
  gemini: { ticker: 'volumeWindow' },
  bitfinex: { ticker: 'none' },
  // ticker/24hr `closeTime`: the end of the rolling statistics window; premiumIndex `time`: the mark's.
  binance: { ticker: 'quote', funding: 'quote' },
  binanceusdm: { ticker: 'quote', funding: 'quote' },
  binancecoinm: { ticker: 'quote', funding: 'quote' },
  // v5/market/tickers: the answer's `time`, the server's clock.
  bybit: { funding: 'quote' },
  okx: { funding: 'none' },
  deribit: { funding: 'none' },
  // derivatives/api/v3/tickers: `lastTime` is the last trade's.
  krakenfutures: { funding: 'lastTrade' },
};

/** Whether the timestamp ccxt parses from `exchange`'s `answer` is a quote time; true for ids not reviewed. */
export function isQuoteTime(exchange: string, answer: Answer): boolean {
  const meaning = MEANINGS[exchange]?.[answer];
  return meaning === undefined || meaning === 'quote';
}
