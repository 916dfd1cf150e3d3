/**
 * Core Lightning through its clnrest plugin: `POST /v1/<method>` with the params as a JSON body
 * and the rune in the `Rune` header; success is HTTP 201 with the method's JSON result, failure
 * an HTTP status (401/403 for a refused rune, 404 for an unknown method, 500 for an RPC error) with
 * lightningd's `{code, message}` error object as the body. The method mapping lives in
 * cln-common.ts, shared with the unix socket transport.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Logger } from '../core/log.js';
import { KeyError } from '../core/errors.js';
import { createClnBackend, type ClnBackend, type ClnBackendOptions, type ClnTransport } from './cln-common.js';
import { ClnError, clnErrorFrom } from './cln-wire.js';
import { readCaFile, readSecretFile } from '../core/private-file.js';
import { nodeBaseUrl } from './node-url.js';

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Runes are base64url text (clnrest also accepts the padded form). */
const RUNE = /^[A-Za-z0-9_\-=]+$/;

export interface ClnRestOptions {
  /** Base URL of clnrest, e.g. https://node.example:3010. Plain http only to a loopback host. */
  readonly url: string;
  /** File holding the rune (mode 0600). */
  readonly runeFile: string;
  /** PEM CA certificate to trust for the node's TLS certificate (clnrest makes a self-signed one). */
  readonly caFile?: string;
  /** Per-call timeout (keysend waits request.timeoutMs, then lets the command run on). */
  readonly timeoutMs?: number;
  readonly logger?: Logger;
  /** Clock (unix ms) by which failed keysends become final; tests set it. */
  readonly now?: () => number;
  /** Where the records of received payments are known (the plugin's htlc_accepted hook). */
  readonly recordsOf?: ClnBackendOptions['recordsOf'];
}

/**
 * The LightningBackend over clnrest. Reads the rune and CA files now. Throws ConfigError for a bad
 * URL and KeyError for an unreadable, non-private or malformed rune file or CA file.
 */
export function createClnRestBackend(options: ClnRestOptions): ClnBackend {
  const base = checkedBaseUrl(options.url);
  const rune = readSecretFile(options.runeFile, 'rune file').toString('utf8').trim();
  if (!RUNE.test(rune))
    throw new KeyError(`rune file ${options.runeFile} does not hold a rune (expected one line of base64url text)`);
  const ca = options.caFile === undefined ? undefined : readCaFile(options.caFile);
  const transport = new RestTransport(base, rune, ca, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return createClnBackend(transport, {
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.recordsOf ? { recordsOf: options.recordsOf } : {}),
  });
}

/** The clnrest base URL, ending in "/" so that method paths resolve under it. */
function checkedBaseUrl(text: string): URL {
  const url = nodeBaseUrl(text, 'Core Lightning REST');
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

class RestTransport implements ClnTransport {
  private readonly agent: http.Agent;

  constructor(
    private readonly base: URL,
    private readonly rune: string,
    ca: Buffer | undefined,
    private readonly defaultTimeoutMs: number,
  ) {
    this.agent =
      base.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, ...(ca ? { ca } : {}) })
        : new http.Agent({ keepAlive: true });
  }

  call(
    method: string,
    params: Readonly<Record<string, unknown>>,
    options?: { readonly timeoutMs?: number | null },
  ): Promise<unknown> {
    const timeoutMs = options?.timeoutMs === undefined ? this.defaultTimeoutMs : options.timeoutMs;
    const body = Buffer.from(JSON.stringify(params), 'utf8');
    const target = new URL(`v1/${encodeURIComponent(method)}`, this.base);
    const request = this.base.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (error: ClnError | null, result?: unknown): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (error) {
          req.destroy();
          reject(error);
        } else resolve(result);
      };
      const req = request(target, {
        method: 'POST',
        agent: this.agent,
        headers: {
          Rune: this.rune,
          'Content-Type': 'application/json',
          'Content-Length': body.length,
          Accept: 'application/json',
        },
      });
      const timer =
        timeoutMs === null
          ? undefined
          : setTimeout(
              () => finish(new ClnError('timeout', `Core Lightning ${method} did not answer within ${timeoutMs} ms`)),
              timeoutMs,
            );
      req.on('error', (err: NodeJS.ErrnoException) => {
        finish(
          new ClnError(
            'unavailable',
            `cannot reach Core Lightning REST at ${this.base.origin}: ${err.code ?? 'connection failed'}`,
          ),
        );
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES)
            finish(new ClnError('bad_response', `Core Lightning ${method} answered more than ${MAX_BODY_BYTES} bytes`));
          else chunks.push(chunk);
        });
        res.on('error', () =>
          finish(new ClnError('unavailable', `Core Lightning REST dropped the answer to ${method}`)),
        );
        res.on('end', () =>
          finish(...this.answer(method, res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))),
        );
      });
      req.end(body);
    });
  }

  private answer(method: string, status: number, text: string): [ClnError | null, unknown?] {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return [
        new ClnError(
          'bad_response',
          `Core Lightning REST answered ${method} with HTTP ${status} and a body that is not JSON`,
        ),
      ];
    }
    if (status === 200 || status === 201) return [null, json];
    const error = clnErrorFrom(method, json);
    // The node should never echo the rune, but an error must not be where a credential leaks.
    const message = error.message.split(this.rune).join('[rune]');
    if (status === 401 || status === 403) {
      return [
        new ClnError(
          'unauthorized',
          `Core Lightning REST refused the rune for ${method} (HTTP ${status}): ${message}`,
          error.rpcCode,
        ),
      ];
    }
    return [new ClnError(error.kind, `${message} (HTTP ${status})`, error.rpcCode)];
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}
