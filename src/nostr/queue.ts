/**
 * A bounded, keyed FIFO: what waits for a relay. Putting a key that is already queued replaces
 * it and moves it to the back (a newer quote of the same figure makes the older one pointless);
 * past `capacity` the oldest entry is dropped and the caller is told, so a relay that takes nothing
 * costs at most `capacity` entries, never the oracle's memory. All operations are O(1).
 */
export class BoundedQueue<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be a positive integer, got ${String(capacity)}`);
  }

  /** Queues `value` under `key` (replacing a queued one); returns how many old entries were dropped (0 or 1). */
  put(key: string, value: T): number {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size <= this.capacity) return 0;
    this.entries.delete(this.entries.keys().next().value as string);
    return 1;
  }

  /** The oldest entry, left in place, or undefined when empty. */
  first(): { key: string; value: T } | undefined {
    const next = this.entries.entries().next();
    return next.done ? undefined : { key: next.value[0], value: next.value[1] };
  }

  /** Removes `key` only if it still holds `value` (a newer value put meanwhile stays). */
  remove(key: string, value: T): void {
    if (this.entries.get(key) === value) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
