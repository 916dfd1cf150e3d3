/** What waits for a relay is bounded: the newest of a key replaces the older, the oldest goes first when full. */
import { expect } from 'chai';
import { BoundedQueue } from '../../src/nostr/queue.js';

describe('nostr/queue', () => {
  it('keeps the order of arrival, and a key put again moves to the back with its new value', () => {
    const q = new BoundedQueue<number>(10);
    q.put('a', 1);
    q.put('b', 2);
    q.put('a', 3);
    expect(q.first()).to.deep.equal({ key: 'b', value: 2 });
    q.remove('b', 2);
    expect(q.first()).to.deep.equal({ key: 'a', value: 3 });
  });

  it('never holds more than its capacity: the oldest is dropped and counted', () => {
    const q = new BoundedQueue<number>(3);
    const dropped = Array.from({ length: 10 }, (_, i) => q.put(`k${i}`, i)).reduce((a, b) => a + b, 0);
    expect([q.size, dropped, q.first()?.key]).to.deep.equal([3, 7, 'k7']);
  });

  it('removes an entry only if it still holds the value taken (a newer one put meanwhile stays)', () => {
    const q = new BoundedQueue<number>(3);
    q.put('a', 1);
    q.put('a', 2);
    q.remove('a', 1);
    expect(q.first()).to.deep.equal({ key: 'a', value: 2 });
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new BoundedQueue(0)).to.throw(RangeError, /capacity/);
  });
});
