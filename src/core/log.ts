/**
 * The one logger (pino, JSON lines). Key material is redacted by path as a second line of
 * defence: no code should pass a secret to the logger in the first place.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? 'peer-stables',
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: {
      paths: ['secretKey', '*.secretKey', 'secret', '*.secret', 'key', '*.key', 'apiKey', '*.apiKey'],
      censor: '[redacted]',
    },
  });
}

/** A logger that writes nothing; the default in tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
