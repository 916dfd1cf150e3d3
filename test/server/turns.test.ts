/**
 * Requests take turns with the timers: however many arrive at once, a timer that falls due while
 * one request runs (the signing tick) runs before the next request starts. Requests arriving
 * together are sent pipelined in one write, so Node parses them in one go, as it does the requests
 * of many clients that arrive between two polls.
 */
import { expect } from 'chai';
import { connect } from 'node:net';
import { MAX_WAITING_PER_CONNECTION } from '../../src/server/turns.js';
import { startHarness, type Harness } from './fake-oracle.js';

/** Sends `count` pipelined GETs of `path` in one write; resolves with everything the server answered. */
function pipelined(url: string, path: string, count: number): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      const close = 'Connection: close\r\n';
      const one = (last: boolean) => `GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\n${last ? close : ''}\r\n`;
      // Not end(): a client that half-closes gives up the requests still waiting for an answer.
      socket.write(Array.from({ length: count }, (_, i) => one(i === count - 1)).join(''));
    });
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

/** Busy-waits `ms` of wall time: a request that costs something. */
function work(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // spin
  }
}

describe('HTTP API: requests take turns with the timers', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('never runs two requests back to back while a timer is due: the tick runs between them', async () => {
    const events: string[] = [];
    const info = h.state.info.bind(h.state);
    h.state.info = () => {
      events.push('request');
      if (events.length === 1) {
        setTimeout(() => events.push('timer'), 0);
        work(5); // the timer is due before this request ends
      }
      return info();
    };
    const answer = await pipelined(h.url, '/oracle', 3);
    expect(answer.match(/HTTP\/1\.1 200/g)).to.have.length(3);
    expect(events).to.deep.equal(['request', 'timer', 'request', 'request']);
  });

  it(`answers requests pipelined past ${MAX_WAITING_PER_CONNECTION} waiting 503 overloaded, the rest 200`, async () => {
    const answer = await pipelined(h.url, '/oracle', MAX_WAITING_PER_CONNECTION + 3);
    const statuses = [...answer.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
    expect(statuses).to.deep.equal([...Array<string>(MAX_WAITING_PER_CONNECTION).fill('200'), '503', '503', '503']);
    const last = answer.slice(answer.lastIndexOf('HTTP/1.1 503'));
    expect(last).to.match(/\r\nretry-after: 1\r\n/i);
    expect(last).to.match(/\r\naccess-control-allow-origin: \*\r\n/i);
    const message = `more than ${MAX_WAITING_PER_CONNECTION} requests waiting on this connection; retry later`;
    expect(last.slice(last.indexOf('\r\n\r\n') + 4)).to.equal(`{"error":{"code":"overloaded","message":"${message}"}}`);
  });
});
