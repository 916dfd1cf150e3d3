/**
 * A figure's recent preliminary medians, one per tick, which the frozen filter
 * (src/index/frozen.ts) reads to know what the figure was when a source's value last changed.
 * The service keeps one per figure and hands it to the aggregator, which stays pure. Bounded, so
 * a long-running oracle holds a fixed amount; a source still for longer than the history reaches
 * back is judged on the part of its stillness the history covers.
 */
import type { FigurePoint } from '../index/types.js';

/** Ticks kept per figure: an hour of index ticks at 5 s, twelve hours of funding ticks at 60 s. */
export const HISTORY_TICKS = 720;

export class FigureHistory {
  private readonly points: FigurePoint[] = [];

  constructor(private readonly capacity: number = HISTORY_TICKS) {}

  /**
   * The points a tick at `now` may use, oldest first. Points after `now` (the clock went back)
   * are forgotten, so the history always reads in time order. Valid until the next call.
   */
  until(now: number): readonly FigurePoint[] {
    while ((this.points.at(-1)?.at ?? now) > now) this.points.pop();
    return this.points;
  }

  /** Records the preliminary median of the tick at `at`; a tick without one records nothing. */
  record(at: number, value: bigint | null): void {
    if (value === null) return;
    this.until(at);
    // Two ticks in the same millisecond: the later one stands for that instant.
    if (this.points.at(-1)?.at === at) this.points.pop();
    this.points.push({ at, value });
    if (this.points.length > this.capacity) this.points.splice(0, this.points.length - this.capacity);
  }
}
