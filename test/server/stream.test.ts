import { expect } from 'chai';
import { T0, TICK_MS, attestation, errorBody, startHarness, type Harness } from './fake-oracle.js';

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** Reads a text/event-stream body frame by frame (frames end with a blank line). */
class SseReader {
  private buffer = '';
  private readonly decoder = new TextDecoder();
  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  /** The next frame that is not a bare `retry:` hint; null when the stream ended. */
  async next(): Promise<SseEvent | null> {
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const frame = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const event = parseFrame(frame);
        if (event !== null) return event;
        continue;
      }
      const { done, value } = await this.reader.read();
      if (done) return null;
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }
}

function parseFrame(frame: string): SseEvent | null {
  const event: SseEvent = {};
  for (const line of frame.split('\n')) {
    if (line.startsWith(':')) event.comment = line.slice(1).trim();
    else if (line.startsWith('id: ')) event.id = line.slice(4);
    else if (line.startsWith('event: ')) event.event = line.slice(7);
    else if (line.startsWith('data: '))
      event.data = (event.data === undefined ? '' : `${event.data}\n`) + line.slice(6);
  }
  return Object.keys(event).length === 0 ? null : event;
}

async function open(h: Harness, headers: Record<string, string> = {}): Promise<{ res: Response; sse: SseReader }> {
  const res = await fetch(`${h.url}/stream`, { headers });
  if (res.body === null) throw new Error('no body');
  return { res, sse: new SseReader(res.body.getReader()) };
}

/** Waits (without asserting on time) until the server has noticed a subscription change. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('GET /stream', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('sends the latest attestation, then each new one, and ends cleanly on shutdown', async () => {
    h = await startHarness();
    const first = h.state.publish(attestation(7, T0));
    const { res, sse } = await open(h);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/event-stream/);
    expect(res.headers.get('cache-control')).to.include('no-store');

    expect(await sse.next()).to.deep.equal({ id: '7', event: 'attestation', data: first.body.toString() });
    await until(() => h.state.listenerCount === 1);
    const second = h.state.publish(attestation(8, T0 + TICK_MS));
    expect(await sse.next()).to.deep.equal({ id: '8', event: 'attestation', data: second.body.toString() });

    await h.close();
    expect(await sse.next()).to.equal(null);
    expect(h.state.listenerCount).to.equal(0);
  });

  it('skips the initial event a reconnecting client already has (Last-Event-ID)', async () => {
    h = await startHarness();
    h.state.publish(attestation(7, T0));
    const { sse } = await open(h, { 'Last-Event-ID': '7' });
    await until(() => h.state.listenerCount === 1);
    h.state.publish(attestation(8, T0 + TICK_MS));
    expect((await sse.next())?.id).to.equal('8');
  });

  it('never offers a stale quote to a new client: /price would refuse it', async () => {
    h = await startHarness({ heartbeatMs: 10 });
    h.state.publish(attestation(7, T0));
    h.clock.advance(3 * TICK_MS + 1);
    const { sse } = await open(h);
    expect(await sse.next()).to.deep.equal({ comment: 'heartbeat' });
  });

  it('starts silent before the first attestation and sends heartbeats as comments', async () => {
    h = await startHarness({ heartbeatMs: 10 });
    const { sse } = await open(h);
    expect(await sse.next()).to.deep.equal({ comment: 'heartbeat' });
  });

  it('unsubscribes when the client goes away', async () => {
    h = await startHarness();
    const controller = new AbortController();
    await fetch(`${h.url}/stream`, { signal: controller.signal });
    await until(() => h.state.listenerCount === 1);
    controller.abort();
    await until(() => h.state.listenerCount === 0);
    expect(h.state.listenerCount).to.equal(0);
  });

  it('answers HEAD with the stream headers and no subscription', async () => {
    h = await startHarness();
    const res = await fetch(`${h.url}/stream`, { method: 'HEAD' });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/event-stream/);
    expect(h.state.listenerCount).to.equal(0);
  });

  it('refuses connections beyond the cap with 503', async () => {
    h = await startHarness({ maxStreams: 1 });
    await open(h);
    await until(() => h.state.listenerCount === 1);
    const res = await fetch(`${h.url}/stream`);
    expect(res.status).to.equal(503);
    expect(await errorBody(res)).to.include({
      code: 'too_many_streams',
      message: 'too many open streams (limit 1); retry later',
    });
  });

  it('caps the streams one client may hold, and frees its slot when one closes', async () => {
    h = await startHarness({ maxStreamsPerClient: 2 });
    const controller = new AbortController();
    await fetch(`${h.url}/stream`, { signal: controller.signal });
    await open(h);
    await until(() => h.state.listenerCount === 2);
    const refused = await fetch(`${h.url}/stream`);
    expect(refused.status).to.equal(503);
    expect((await errorBody(refused)).message).to.equal('too many open streams (limit 2 per client); retry later');
    controller.abort();
    await until(() => h.state.listenerCount === 1);
    expect((await fetch(`${h.url}/stream`, { method: 'HEAD' })).status).to.equal(200);
  });
});
