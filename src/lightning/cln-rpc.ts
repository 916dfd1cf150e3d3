/**
 * Core Lightning over its JSON-RPC 2.0 unix socket (`lightning-rpc`): one connection per call, the
 * request as one JSON object, the answer read up to the end of the first JSON object (lightningd
 * sends no length prefix, so we find object boundaries ourselves). The method mapping lives in
 * cln-common.ts, shared with the REST transport.
 */
import * as net from 'node:net';
import type { Logger } from '../core/log.js';
import { createClnBackend, type ClnBackend, type ClnBackendOptions, type ClnTransport } from './cln-common.js';
import { ClnError, clnErrorFrom } from './cln-wire.js';

/** Default time a call may take before it rejects with ClnError kind "timeout". */
const DEFAULT_TIMEOUT_MS = 30_000;
/** listpays on a busy node is large, but not this large; stops an endless stream filling memory. */
const MAX_OBJECT_CHARS = 64 * 1024 * 1024;

export interface ClnRpcOptions {
  /** Path of lightningd's socket, e.g. ~/.lightning/bitcoin/lightning-rpc. */
  readonly socketPath: string;
  /** Per-call timeout (keysend waits request.timeoutMs, then lets the command run on). */
  readonly timeoutMs?: number;
  readonly logger?: Logger;
  /** Clock (unix ms) by which failed keysends become final; tests set it. */
  readonly now?: () => number;
  /** Where the records of received payments are known (the plugin's htlc_accepted hook). */
  readonly recordsOf?: ClnBackendOptions['recordsOf'];
}

/**
 * The LightningBackend over lightningd's unix socket. Connects lazily, per call; a missing socket
 * makes each call reject with ClnError kind "unavailable".
 */
export function createClnRpcBackend(options: ClnRpcOptions): ClnBackend {
  if (typeof options.socketPath !== 'string' || options.socketPath.length === 0) {
    throw new ClnError('unavailable', 'Core Lightning socket path must be a non-empty string');
  }
  const transport = new SocketTransport(options.socketPath, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return createClnBackend(transport, {
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.recordsOf ? { recordsOf: options.recordsOf } : {}),
  });
}

class SocketTransport implements ClnTransport {
  private counter = 0;
  private readonly open = new Set<net.Socket>();

  constructor(
    private readonly socketPath: string,
    private readonly defaultTimeoutMs: number,
  ) {}

  call(
    method: string,
    params: Readonly<Record<string, unknown>>,
    options?: { readonly timeoutMs?: number | null },
  ): Promise<unknown> {
    this.counter += 1;
    const id = `peer-stables/${method}/${this.counter}`;
    const timeoutMs = options?.timeoutMs === undefined ? this.defaultTimeoutMs : options.timeoutMs;
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ path: this.socketPath });
      this.open.add(socket);
      const splitter = new JsonObjectSplitter(MAX_OBJECT_CHARS);
      let done = false;
      const finish = (error: ClnError | null, result?: unknown): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.open.delete(socket);
        socket.destroy();
        if (error) reject(error);
        else resolve(result);
      };
      const timer =
        timeoutMs === null
          ? undefined
          : setTimeout(
              () => finish(new ClnError('timeout', `Core Lightning ${method} did not answer within ${timeoutMs} ms`)),
              timeoutMs,
            );
      socket.setEncoding('utf8');
      socket.on('connect', () => socket.write(JSON.stringify({ jsonrpc: '2.0', id, method, params })));
      socket.on('data', (chunk: string) => {
        let texts: string[];
        try {
          texts = splitter.push(chunk);
        } catch (err) {
          finish(new ClnError('bad_response', `Core Lightning ${method}: ${(err as Error).message}`));
          return;
        }
        for (const text of texts) {
          const answer = answerFor(id, method, text);
          if (answer) finish(answer.error, answer.result);
        }
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        finish(
          new ClnError('unavailable', `cannot reach Core Lightning at ${this.socketPath}: ${err.code ?? err.message}`),
        );
      });
      socket.on('close', () =>
        finish(new ClnError('unavailable', `Core Lightning closed the connection before answering ${method}`)),
      );
    });
  }

  async close(): Promise<void> {
    for (const socket of this.open) socket.destroy();
    this.open.clear();
  }
}

/** The answer to request `id` in `text`, or null for other messages (notifications). */
function answerFor(id: string, method: string, text: string): { error: ClnError | null; result?: unknown } | null {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return { error: new ClnError('bad_response', `Core Lightning ${method} answered with invalid JSON`) };
  }
  if (typeof message !== 'object' || message === null)
    return { error: new ClnError('bad_response', `Core Lightning ${method} answered with a non-object`) };
  const m = message as Record<string, unknown>;
  if (m.id !== id) return null;
  if ('error' in m && m.error !== undefined && m.error !== null) return { error: clnErrorFrom(method, m.error) };
  if (!('result' in m))
    return { error: new ClnError('bad_response', `Core Lightning ${method} answered with neither result nor error`) };
  return { error: null, result: m.result };
}

/**
 * Cuts a stream of concatenated JSON objects (whitespace between them allowed) into the text of
 * each complete object. `push` returns the objects completed by `chunk`; it throws Error when
 * something other than an object starts, or an object outgrows `maxChars`.
 */
export class JsonObjectSplitter {
  private buffer = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private scanned = 0;

  constructor(private readonly maxChars: number) {}

  push(chunk: string): string[] {
    this.buffer += chunk;
    const complete: string[] = [];
    let start = 0;
    for (let i = this.scanned; i < this.buffer.length; i += 1) {
      const ch = this.buffer[i];
      if (this.depth === 0) {
        if (ch === '{') {
          start = i;
          this.depth = 1;
        } else if (ch !== ' ' && ch !== '\n' && ch !== '\r' && ch !== '\t') {
          throw new Error('expected a JSON object in the stream');
        }
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (ch === '\\') this.escaped = true;
        else if (ch === '"') this.inString = false;
      } else if (ch === '"') this.inString = true;
      else if (ch === '{' || ch === '[') this.depth += 1;
      else if (ch === '}' || ch === ']') {
        this.depth -= 1;
        if (this.depth === 0) complete.push(this.buffer.slice(start, i + 1));
      }
    }
    // Keep only the unfinished object, so the buffer does not grow with every answer.
    this.buffer = this.depth === 0 ? '' : this.buffer.slice(start);
    this.scanned = this.buffer.length;
    if (this.buffer.length > this.maxChars) throw new Error(`a JSON object exceeds ${this.maxChars} characters`);
    return complete;
  }
}
