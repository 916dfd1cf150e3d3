/**
 * The DLC oracle's own work never holds the event loop: a running oracle announces and attests
 * in the background a step at a time (each announcement, each signature made and each one
 * checked), so the signing tick and every request run between them. The property is counted in
 * turns of the event loop, not timed.
 */
import { expect } from 'chai';
import { EVENT_T0, T0, makeHarness, type Harness } from './service-harness.js';

const DIGITS = 20;

/** Counts turns of the event loop (setImmediate callbacks) until stop() is called. */
function countTurns(): { stop(): number } {
  let turns = 0;
  let running = true;
  const spin = (): void => {
    if (!running) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  return {
    stop: () => {
      running = false;
      return turns;
    },
  };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !check(); i++) await new Promise((r) => setImmediate(r));
  if (!check()) throw new Error('gave up waiting');
}

describe('DLC oracle in the background', () => {
  let h: Harness;
  beforeEach(() => {
    h = makeHarness();
  });
  afterEach(() => h.cleanup());

  it('attests while other work runs between every two signatures, and says the same as a pass in one piece', async () => {
    const service = h.open();
    service.pass(); // announces 12:00 and 13:00 in one piece
    h.history.add(T0 + 1_000, '65432');
    h.clock.set(T0 + 2_000);
    const turns = countTurns();
    service.start();
    await until(() => service.view(EVENT_T0)?.status === 'attested');
    // Making and checking twenty signatures took at least forty turns: none held the loop for two.
    expect(turns.stop()).to.be.at.least(2 * DIGITS);
    const outcomes = service.view(EVENT_T0)?.attestation?.json.outcomes;
    await service.close();

    const inOnePiece = makeHarness();
    try {
      const other = inOnePiece.open();
      other.pass();
      inOnePiece.history.add(T0 + 1_000, '65432');
      inOnePiece.clock.set(T0 + 2_000);
      other.pass();
      expect(other.view(EVENT_T0)?.attestation?.json.outcomes).to.deep.equal(outcomes);
    } finally {
      inOnePiece.cleanup();
    }
  });

  it('closes only once the pass in progress has written what it signed, and starts none after', async () => {
    const service = h.open();
    service.pass();
    h.history.add(T0 + 1_000, '65432');
    h.clock.set(T0 + 2_000);
    service.start();
    await new Promise((r) => setImmediate(r)); // the pass is under way, between two signatures
    await service.close();
    const reopened = h.open();
    // Either attested and journaled together, or not at all: never a signature without its record.
    const status = reopened.view(EVENT_T0)?.status;
    expect(['attested', 'waiting_for_index']).to.include(status);
    expect(reopened.pass().attested).to.equal(status === 'attested' ? 0 : 1);
  });
});
