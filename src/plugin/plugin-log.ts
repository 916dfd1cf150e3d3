/**
 * Inside lightningd, stdout is the protocol channel: a plugin logs by sending lightningd a `log`
 * notification `{level, message}` (levels debug, info, warn, error), and the line lands in the
 * node's own log beside its other plugins. This turns each line of our one logger (pino, with its
 * redaction of key material) into such a notification, so every module logs as it always does.
 */
import { createLogger, type Logger } from '../core/log.js';

export type NodeLogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Notify = (method: string, params: Readonly<Record<string, unknown>>) => void;

/** pino's fields that lightningd adds itself (time, level, plugin name) or that say nothing there. */
const DROPPED = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);

/** lightningd's level for a pino level number (trace and debug are debug; fatal is error). */
export function nodeLevelOf(pinoLevel: number): NodeLogLevel {
  if (pinoLevel >= 50) return 'error';
  if (pinoLevel >= 40) return 'warn';
  return pinoLevel >= 30 ? 'info' : 'debug';
}

/** The `log` notification for one pino line: its message, then its other fields as JSON on the same line. */
export function logParams(line: string): { level: NodeLogLevel; message: string } {
  const entry = JSON.parse(line) as Record<string, unknown>;
  const fields = Object.fromEntries(Object.entries(entry).filter(([k]) => !DROPPED.has(k)));
  const extra = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
  return { level: nodeLevelOf(Number(entry.level)), message: `${String(entry.msg ?? '')}${extra}` };
}

/** A logger whose lines go to lightningd's log through `notify`. */
export function pluginLogger(level: string, notify: Notify): Logger {
  return createLogger({ level, name: 'peer-stables' }, { write: (line: string) => notify('log', logParams(line)) });
}
