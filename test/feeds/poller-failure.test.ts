import { expect } from 'chai';
import { PeerStablesError } from '../../src/core/errors.js';
import { describeFailure, MAX_FAILURE_LENGTH } from '../../src/feeds/failure.js';

class NetworkError extends Error {
  override name = 'NetworkError';
}

describe('feeds/failure: describeFailure (messages shown for failed fetches)', () => {
  const cases: Array<[what: string, error: unknown, expected: string]> = [
    ['plain Error keeps its message', new Error('connection refused'), 'connection refused'],
    ['named error keeps its class name', new NetworkError('socket hang up'), 'NetworkError: socket hang up'],
    ['only the first non-empty line', new Error('\nfirst line\n    at foo (x.js:1:1)'), 'first line'],
    [
      'our own error classes add no name',
      new PeerStablesError('feed_error', 'kraken:BTC/USD: cannot load markets'),
      'kraken:BTC/USD: cannot load markets',
    ],
    ['string rejection', 'boom', 'boom'],
    ['non-error rejection', { weird: true }, 'unknown failure'],
    ['undefined rejection', undefined, 'unknown failure'],
    ['empty message', new Error(''), 'unknown failure'],
    [
      'credentials in a URL are removed',
      new Error('kraken GET https://alice:s3cret@mirror.example/0/public/Ticker 503'),
      'kraken GET https://mirror.example/0/public/Ticker 503',
    ],
    [
      'query strings are removed',
      new Error('GET https://api.example.com/v1/ticker?apiKey=abc&signature=def failed'),
      'GET https://api.example.com/v1/ticker failed',
    ],
  ];
  for (const [what, error, expected] of cases) {
    it(what, () => {
      expect(describeFailure(error)).to.equal(expected);
    });
  }

  it('bounds the length of a huge message (an HTML error page)', () => {
    const text = describeFailure(new Error(`<html>${'x'.repeat(10_000)}</html>`));
    expect(text).to.have.length(MAX_FAILURE_LENGTH);
    expect(text.endsWith('…')).to.equal(true);
  });

  it('never includes a stack trace', () => {
    const error = new Error('bad gateway');
    expect(describeFailure(error)).to.not.include(' at ');
  });
});
