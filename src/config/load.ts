/** Reads and validates a configuration file once, at start-up. */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';
import { configSchema, type OracleConfig } from './schema.js';

/** Validates a parsed JSON value; throws ConfigError listing every problem with its path. */
export function parseConfig(raw: unknown): OracleConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  }
  return deepFreeze(result.data);
}

/** Reads a JSON configuration file and validates it. */
export function loadConfig(path: string): OracleConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read configuration file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`configuration file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseConfig(raw);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
