/**
 * Waiting in integration tests: poll until something holds, fail saying what was last seen. The
 * oracle under test runs on its own timers, so a test waits for an outcome instead of sleeping.
 */

const POLL_MS = 100;

/**
 * Calls `probe` every 100 ms until it returns a value (not null or undefined), and returns it;
 * after `ms` it throws, naming `lastSeen()` when given.
 */
export async function eventually<T>(
  probe: () => Promise<T | null | undefined>,
  options: { readonly ms?: number; readonly lastSeen?: () => string } = {},
): Promise<T> {
  const until = Date.now() + (options.ms ?? 15_000);
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > until)
      throw new Error(`gave up waiting${options.lastSeen ? `; last seen ${options.lastSeen()}` : ''}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** GETs `url` until `accept(status, body)` holds; returns that answer. */
export async function eventuallyAnswers(
  url: string,
  accept: (status: number, body: string) => boolean,
  ms = 15_000,
): Promise<{ status: number; body: string }> {
  let last = { status: 0, body: '' };
  return eventually(
    async () => {
      const response = await fetch(url);
      last = { status: response.status, body: await response.text() };
      return accept(last.status, last.body) ? last : null;
    },
    { ms, lastSeen: () => `${url} answering ${last.status} ${last.body}` },
  );
}
