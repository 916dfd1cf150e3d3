/**
 * The plugin's side of lightningd's plugin protocol: JSON-RPC 2.0 over the plugin's stdin and
 * stdout, lightningd the client, the plugin the server. lightningd writes concatenated JSON objects
 * (no length prefix), so the stream is cut with the same splitter as its unix socket; we answer
 * each object followed by a blank line, as lightningd does. stdout carries nothing else: a stray
 * line there makes lightningd kill the plugin.
 *
 * A request (it has an `id`) gets exactly one answer, a result or an error; a notification (no
 * `id`) gets none. Requests are answered as their handlers finish, not in order: a slow round
 * never delays the answer to a hook.
 */
import type { Readable, Writable } from 'node:stream';
import { JsonObjectSplitter } from '../lightning/cln-rpc.js';

/** lightningd sends nothing near this; it stops a broken stream from filling memory. */
const MAX_MESSAGE_CHARS = 16 * 1024 * 1024;

/** JSON-RPC 2.0: the method does not exist. */
export const METHOD_NOT_FOUND = -32601;
/** JSON-RPC 2.0: the server failed to handle the request. */
const INTERNAL_ERROR = -32603;

/** An error answer with its JSON-RPC code, for lightningd to pass back to the caller. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RpcHandlers {
  /** Answers a request; throw RpcError (or anything) for an error answer. */
  request(method: string, params: unknown): unknown;
  /** Takes a notification; what it throws is only reported. */
  notification(method: string, params: unknown): void;
  /** Hears of a message that is not JSON-RPC 2.0 and of handler failures; never throws. */
  problem(message: string, err?: unknown): void;
}

export interface RpcChannel {
  /** Sends a notification to lightningd (e.g. `log`). */
  notify(method: string, params: Readonly<Record<string, unknown>>): void;
  /** Settles when lightningd closes our stdin (it stopped, or stops us). */
  readonly ended: Promise<void>;
}

/** Serves `handlers` on `input`/`output` until `input` ends. */
export function serveJsonRpc(input: Readable, output: Writable, handlers: RpcHandlers): RpcChannel {
  let splitter = new JsonObjectSplitter(MAX_MESSAGE_CHARS);
  const send = (message: Record<string, unknown>) => {
    if (!output.writableEnded) output.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n\n`);
  };
  const answer = (id: unknown, method: string, params: unknown) => {
    Promise.resolve()
      .then(() => handlers.request(method, params))
      .then(
        (result) => send({ id, result: result ?? {} }),
        (err: unknown) => {
          if (!(err instanceof RpcError)) handlers.problem(`${method} failed`, err);
          const code = err instanceof RpcError ? err.code : INTERNAL_ERROR;
          send({ id, error: { code, message: err instanceof Error ? err.message : String(err) } });
        },
      );
  };
  const take = (text: string) => {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return handlers.problem('lightningd sent a message that is not JSON');
    }
    const m = message as Record<string, unknown>;
    if (m.jsonrpc !== '2.0' || typeof m.method !== 'string')
      return handlers.problem('lightningd sent a message that is not a JSON-RPC 2.0 call');
    if (m.id !== undefined && m.id !== null) return answer(m.id, m.method, m.params);
    try {
      handlers.notification(m.method, m.params);
    } catch (err) {
      handlers.problem(`notification ${m.method} failed`, err);
    }
  };
  input.setEncoding('utf8');
  input.on('data', (chunk: string) => {
    let texts: string[];
    try {
      texts = splitter.push(chunk);
    } catch (err) {
      // Start afresh: the broken text is dropped, the next object is read again.
      splitter = new JsonObjectSplitter(MAX_MESSAGE_CHARS);
      return handlers.problem('lightningd sent a stream that is not JSON objects', err);
    }
    for (const text of texts) take(text);
  });
  const ended = new Promise<void>((resolve) => {
    input.once('end', resolve);
    input.once('close', resolve);
  });
  return { notify: (method, params) => send({ method, params }), ended };
}
