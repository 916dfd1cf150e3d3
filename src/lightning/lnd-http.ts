/**
 * HTTP transport to LND's REST gateway (grpc-gateway): one JSON call, or one newline-delimited
 * stream of `{"result": ...}` / `{"error": ...}` objects. Every request carries the macaroon in
 * `Grpc-Metadata-macaroon`; the macaroon never appears in an error, a log line or a message we
 * build, and LND's own error text is cut to one short line before it is passed on.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { PeerStablesError } from '../core/errors.js';

/** Why LND could not be used: `lnd_auth` (macaroon refused), `lnd_unreachable`, `lnd_error`. */
export class LndError extends PeerStablesError {
  /** gRPC status code LND answered with, when it answered. */
  readonly grpcCode: number | null;
  constructor(code: 'lnd_auth' | 'lnd_unreachable' | 'lnd_error', message: string, grpcCode: number | null = null) {
    super(code, message);
    this.grpcCode = grpcCode;
  }
}

/** gRPC codes the backend acts on. */
export const GRPC_NOT_FOUND = 5;
export const GRPC_ALREADY_EXISTS = 6;

/** Largest JSON body or stream line accepted: LND answers are small; a huge one is a fault. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface LndHttpOptions {
  /** Base URL of LND's REST listener, e.g. https://127.0.0.1:8080. */
  readonly url: URL;
  readonly macaroonHex: string;
  /** PEM of the CA (LND's tls.cert) to trust; the system store when absent. */
  readonly ca?: Buffer;
  /** Deadline of a non-streaming call. */
  readonly timeoutMs: number;
}

/** How a stream ended: the reader said it had enough, LND closed it, or time ran out. */
export type StreamEnd = 'done' | 'closed' | 'timeout';

/** One JSON-over-HTTP client bound to one LND node. */
export class LndHttp {
  private readonly agent: HttpAgent;

  constructor(private readonly options: LndHttpOptions) {
    this.agent =
      options.url.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, ...(options.ca ? { ca: options.ca } : {}) })
        : new HttpAgent({ keepAlive: true });
  }

  /** GET or POST one JSON call; returns the parsed body. Throws LndError. */
  async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    let opened: { res: IncomingMessage; req: ClientRequest };
    try {
      opened = await this.open(method, path, body, this.options.timeoutMs);
    } catch (err) {
      if (err instanceof AnswerLost) throw new LndError('lnd_unreachable', `LND did not answer ${method} ${path}`);
      throw err;
    }
    const { res, req } = opened;
    const text = await readAll(res, req, this.options.timeoutMs);
    const parsed = parseJson(text, path);
    if (res.statusCode !== 200) throw gatewayError(res.statusCode ?? 0, parsed, path);
    return parsed;
  }

  /**
   * Opens a server stream and hands each `result` object to `onResult` until it returns true,
   * LND closes the stream, or `timeoutMs` passes (counted from the start of the request).
   * Throws LndError when LND answers with an error, or when the request could not be made.
   */
  async stream(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    timeoutMs: number,
    onResult: (result: unknown) => boolean,
  ): Promise<StreamEnd> {
    const started = performance.now();
    let opened: { res: IncomingMessage; req: ClientRequest };
    try {
      opened = await this.open(method, path, body, timeoutMs);
    } catch (err) {
      if (err instanceof AnswerLost) return 'timeout';
      throw err;
    }
    const { res, req } = opened;
    if (res.statusCode !== 200) {
      const text = await readAll(res, req, this.options.timeoutMs);
      const parsed = parseJson(firstLine(text), path);
      throw gatewayError(res.statusCode ?? 0, unwrapStreamError(parsed), path);
    }
    return await new Promise<StreamEnd>((resolve, reject) => {
      let buffer = '';
      let finished = false;
      const finish = (end: StreamEnd | Error): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        req.destroy();
        if (end instanceof Error) reject(end);
        else resolve(end);
      };
      const timer = setTimeout(() => finish('timeout'), Math.max(0, timeoutMs - (performance.now() - started)));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        if (buffer.length > MAX_BODY_BYTES)
          return finish(new LndError('lnd_error', `LND stream ${path} sent an oversized message`));
        let newline: number;
        while (!finished && (newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline).trim();
          buffer = buffer.slice(newline + 1);
          if (line === '') continue;
          try {
            if (handleLine(line, path, onResult)) finish('done');
          } catch (err) {
            finish(err as Error);
          }
        }
      });
      res.on('end', () => {
        try {
          const line = buffer.trim();
          if (line !== '' && !finished && handleLine(line, path, onResult)) return finish('done');
          finish('closed');
        } catch (err) {
          finish(err as Error);
        }
      });
      res.on('error', () => finish('closed'));
    });
  }

  /** Drops idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  private open(
    method: string,
    path: string,
    body: unknown,
    timeoutMs: number,
  ): Promise<{ res: IncomingMessage; req: ClientRequest }> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const url = new URL(path, this.options.url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      let sent = false;
      const req = send(url, {
        method,
        agent: this.agent,
        headers: {
          'Grpc-Metadata-macaroon': this.options.macaroonHex,
          accept: 'application/json',
          ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
        },
      });
      // Once the whole request is out, LND may already be acting on it: a later silence is a
      // timeout (the caller decides what that means), not a failure to make the request.
      const timer = setTimeout(() => {
        req.destroy();
        reject(
          sent
            ? new AnswerLost()
            : new LndError('lnd_unreachable', `LND did not answer ${method} ${url.pathname} within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      req.on('response', (res) => {
        clearTimeout(timer);
        resolve({ res, req });
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          sent
            ? new AnswerLost()
            : new LndError(
                'lnd_unreachable',
                `cannot reach LND at ${this.options.url.origin}: ${err.code ?? err.message}`,
              ),
        );
      });
      req.end(payload, () => {
        sent = true;
      });
    });
  }
}

/** Raised by `open` when a fully sent request got no answer (silence or a dropped connection). */
class AnswerLost extends Error {}

function handleLine(line: string, path: string, onResult: (result: unknown) => boolean): boolean {
  const message = parseJson(line, path);
  if (isRecord(message) && message.error !== undefined && message.error !== null)
    throw gatewayError(200, message.error, path);
  if (!isRecord(message) || !isRecord(message.result))
    throw new LndError('lnd_error', `LND stream ${path} sent a message without a result`);
  return onResult(message.result);
}

function readAll(res: IncomingMessage, req: ClientRequest, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      req.destroy();
      reject(new LndError('lnd_unreachable', `LND did not finish its answer within ${timeoutMs} ms`));
    }, timeoutMs);
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        clearTimeout(timer);
        req.destroy();
        reject(new LndError('lnd_error', 'LND sent an oversized answer'));
        return;
      }
      chunks.push(chunk);
    });
    res.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    res.on('error', () => {
      clearTimeout(timer);
      reject(new LndError('lnd_unreachable', 'LND connection closed mid-answer'));
    });
  });
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new LndError('lnd_error', `LND answered ${path} with something that is not JSON`);
  }
}

function firstLine(text: string): string {
  const newline = text.indexOf('\n');
  return newline < 0 ? text : text.slice(0, newline);
}

function unwrapStreamError(body: unknown): unknown {
  return isRecord(body) && isRecord(body.error) ? body.error : body;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** LND's own words, one line, bounded: enough to act on, never a dump. */
function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

/**
 * Maps grpc-gateway's `{code, message, details}` (and the HTTP status) to an LndError. LND
 * reports a refused macaroon as code 2 "verification failed..." (HTTP 500), or 16/7 from newer
 * interceptors: all of these are auth failures, which the operator must fix, not retry.
 */
function gatewayError(httpStatus: number, body: unknown, path: string): LndError {
  const code = isRecord(body) && typeof body.code === 'number' ? body.code : null;
  const message = isRecord(body) && typeof body.message === 'string' ? oneLine(body.message) : `HTTP ${httpStatus}`;
  const auth =
    httpStatus === 401 ||
    httpStatus === 403 ||
    code === 16 ||
    code === 7 ||
    /macaroon|verification failed|permission denied|unauthorized/i.test(message);
  if (auth)
    return new LndError(
      'lnd_auth',
      `LND refused the macaroon for ${path}: ${message} (check macaroonFile and its permissions)`,
      code,
    );
  return new LndError(
    'lnd_error',
    `LND ${path} failed: ${message}${code === null ? '' : ` (gRPC code ${code})`}`,
    code,
  );
}
