/**
 * lightningd's side of the plugin protocol, as Core Lightning's plugin documentation describes it:
 * JSON-RPC 2.0 requests to the plugin's stdin (getmanifest, init, the plugin's own methods, hook
 * calls, with string ids as `nonnumericids` allows), notifications without an id, and every line
 * the plugin writes on stdout read back as JSON-RPC: anything else there is kept in `garbage`,
 * which lightningd would kill the plugin for.
 */
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { JsonObjectSplitter } from '../../src/lightning/cln-rpc.js';
import { runPlugin, type PluginOptions, type RunningPlugin } from '../../src/plugin/plugin.js';

export interface Answer {
  readonly result?: unknown;
  readonly error?: { code: number; message: string };
}

export class Lightningd {
  /** Notifications the plugin sent (log lines among them). */
  readonly notifications: { method: string; params: Record<string, unknown> }[] = [];
  /** Whatever the plugin wrote on stdout that is not JSON-RPC 2.0. */
  readonly garbage: string[] = [];
  private readonly waiting = new Map<string, (a: Answer) => void>();
  private counter = 0;

  constructor(
    private readonly toPlugin: Writable,
    fromPlugin: Readable,
  ) {
    const splitter = new JsonObjectSplitter(1 << 24);
    fromPlugin.setEncoding('utf8');
    fromPlugin.on('data', (chunk: string) => {
      let texts: string[];
      try {
        texts = splitter.push(chunk);
      } catch {
        this.garbage.push(chunk);
        return;
      }
      for (const text of texts) this.take(text);
    });
  }

  /** A plugin run in this process over in-memory pipes. */
  static inMemory(options: Omit<PluginOptions, 'input' | 'output'> = {}): Lightningd & { plugin: RunningPlugin } {
    const input = new PassThrough();
    const output = new PassThrough();
    const plugin = runPlugin({ ...options, input, output });
    return Object.assign(new Lightningd(input, output), { plugin });
  }

  /** Sends a request and waits for its answer. */
  call(method: string, params: unknown = {}): Promise<Answer> {
    this.counter += 1;
    const id = `cli:${method}#${this.counter}`;
    const answered = new Promise<Answer>((resolve) => this.waiting.set(id, resolve));
    this.toPlugin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n\n`);
    return answered;
  }

  notify(method: string, params: unknown): void {
    this.toPlugin.write(`${JSON.stringify({ jsonrpc: '2.0', method, params })}\n\n`);
  }

  /** The init lightningd sends, with the plugin's options and the node's RPC socket. */
  init(options: Record<string, unknown>, socketPath: string): Promise<Answer> {
    const cut = socketPath.lastIndexOf('/');
    return this.call('init', {
      options,
      configuration: {
        'lightning-dir': socketPath.slice(0, cut),
        'rpc-file': socketPath.slice(cut + 1),
        startup: true,
        network: 'regtest',
        feature_set: { init: '02aaa2', node: '8000000002aaa2', channel: '', invoice: '028200' },
      },
    });
  }

  /** The messages of the plugin's `log` notifications at `level` (any level when omitted). */
  logs(level?: string): string[] {
    return this.notifications
      .filter((n) => n.method === 'log' && (level === undefined || n.params.level === level))
      .map((n) => String(n.params.message));
  }

  /** lightningd closes the plugin's stdin (it stopped, or the plugin was stopped). */
  hangUp(): void {
    this.toPlugin.end();
  }

  private take(text: string): void {
    const m = JSON.parse(text) as Record<string, unknown>;
    if (m.jsonrpc !== '2.0') return void this.garbage.push(text);
    if (typeof m.id === 'string' && this.waiting.has(m.id)) {
      const resolve = this.waiting.get(m.id) as (a: Answer) => void;
      this.waiting.delete(m.id);
      return resolve(m as Answer);
    }
    if (typeof m.method === 'string') this.notifications.push(m as (typeof this.notifications)[number]);
    else this.garbage.push(text);
  }
}
