/**
 * Long CPU work written once, as a generator that yields between its steps, and run either way:
 * to the end at once (a caller that may block, a test), or one step per turn of the event loop, so
 * the timers run between steps and the signing tick never waits behind, say, the twenty signatures
 * of a DLC attestation (about 60 ms of curve arithmetic in one piece).
 */

/** Work that yields (nothing) between steps and returns a T. */
export type Steps<T> = Generator<void, T, void>;

/** Runs `steps` to the end now. */
export function runToEnd<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Runs `steps` one step per turn of the event loop (setImmediate between steps). */
export async function runInTurns<T>(steps: Steps<T>): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
