/** Benchmark settings from the environment, checked once: a typo must not run a silent default. */

/**
 * The positive integer in environment variable `name`, or `fallback` when it is unset or empty.
 * Throws Error naming the variable for anything else.
 */
export function positiveIntegerFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}
