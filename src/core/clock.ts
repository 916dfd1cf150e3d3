/**
 * The one clock. Everything that asks for the time takes a Clock, so tests control time and the
 * pure core (aggregation, settlement math) receives `now` as an argument instead of reading it.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch, an integer. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; for tests and simulations. */
export class ManualClock implements Clock {
  constructor(private current: number) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}
