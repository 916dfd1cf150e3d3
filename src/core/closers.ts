/**
 * Start-up as a list of steps: each step that opens a resource (a lock file, a database, a client,
 * a listening socket, a timer) registers how to close it beside the line that opened it. A failure
 * half-way and a normal shutdown then close the same list, newest first, so nothing opened before
 * the failure is left behind and nothing is closed twice (fastify registers onClose the same way).
 */

/** Closes one resource; may be async. */
export type Closer = () => unknown;

/**
 * Runs every closer of `closers`, newest first, awaiting each, and empties the list. A closer that
 * throws does not stop the others; the errors are returned in the order they happened.
 */
export async function closeInReverse(closers: Closer[]): Promise<unknown[]> {
  const errors: unknown[] = [];
  while (closers.length > 0) {
    const close = closers.pop() as Closer;
    try {
      await close();
    } catch (err) {
      errors.push(err);
    }
  }
  return errors;
}
