/**
 * The rounds inside the plugin: one every `intervalMs` after the previous one ends, one now on
 * `stable-settle`, none while paused. Rounds never overlap (each waits for the one before), so a
 * round asked for during another runs right after it. A round that throws (the ledger cannot be
 * written) stops the schedule, as it stops the settle daemon: the node goes on, the operator is told.
 */
import type { Clock } from '../core/clock.js';

export interface ScheduleState {
  readonly paused: boolean;
  /** Why the schedule stopped for good (a round threw), else null. */
  readonly stoppedBy: string | null;
  /** When the next scheduled round starts, while one is scheduled. */
  readonly nextRoundAt: number | null;
  readonly running: boolean;
}

export class RoundSchedule<R> {
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private paused = false;
  private stopped = false;
  private stoppedBy: string | null = null;
  private nextRoundAt: number | null = null;
  private runningCount = 0;

  constructor(
    private readonly round: () => Promise<R>,
    private readonly intervalMs: number,
    private readonly clock: Clock,
    private readonly onFailure: (err: unknown) => void,
  ) {}

  /** Starts the schedule: the first round at once. */
  start(): void {
    this.scheduleIn(0);
  }

  /** One round now (after the one under way); rejects when it throws or the plugin is stopping. */
  settleNow(): Promise<R> {
    if (this.stopped) return Promise.reject(new Error(`rounds have stopped: ${this.stoppedBy ?? 'shutting down'}`));
    return this.enqueue();
  }

  pause(): void {
    this.paused = true;
    this.clearTimer();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (!this.stopped) this.scheduleIn(0);
  }

  state(): ScheduleState {
    return {
      paused: this.paused,
      stoppedBy: this.stoppedBy,
      nextRoundAt: this.nextRoundAt,
      running: this.runningCount > 0,
    };
  }

  /** Stops scheduling and waits for the round under way (its payment's outcome gets written). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    await this.chain;
  }

  private enqueue(): Promise<R> {
    const next = this.chain.then(async () => {
      this.runningCount += 1;
      try {
        return await this.round();
      } finally {
        this.runningCount -= 1;
      }
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  private scheduleIn(ms: number): void {
    this.clearTimer();
    this.nextRoundAt = this.clock.now() + ms;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.nextRoundAt = null;
      this.enqueue().then(
        () => {
          if (!this.stopped && !this.paused && this.timer === null) this.scheduleIn(this.intervalMs);
        },
        (err: unknown) => {
          this.stopped = true;
          this.stoppedBy = err instanceof Error ? err.message : String(err);
          this.onFailure(err);
        },
      );
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.nextRoundAt = null;
  }
}
