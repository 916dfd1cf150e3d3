/**
 * The one logger (pino, JSON lines). Key material is redacted by path as a second line of
 * defence: no code should pass a secret to the logger in the first place.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** A logger writing JSON lines to stdout, or to `destination` (the plugin turns them into lightningd's log). */
export function createLogger(options: { level?: string; name?: string } = {}, destination?: DestinationStream): Logger {
  const settings = {
    name: options.name ?? 'peer-stables',
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: {
      paths: ['secretKey', '*.secretKey', 'secret', '*.secret', 'key', '*.key', 'apiKey', '*.apiKey'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(settings, destination) : pino(settings);
}

/** A logger that writes nothing; the default in tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
