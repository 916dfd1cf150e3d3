/**
 * `peer-stables` as a Core Lightning plugin: lightningd starts it (`plugin=` in its config, or
 * `lightning-cli plugin start`), asks for its manifest, hands it its options and the node's RPC
 * socket in `init`, and from then on passes it our RPC methods, the htlc_accepted hook and the
 * notifications we subscribed to (src/plugin/manifest.ts). Rounds run inside it on the schedule.
 *
 * It must never hurt the node: the hook answers `continue` at once whatever happens; a setting
 * that does not work disables the plugin (init answers `disable`) instead of stopping lightningd;
 * every failure is logged through lightningd's log, never written to stdout.
 */
import type { Readable, Writable } from 'node:stream';
import { systemClock, type Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import { recordChannelChange } from './channel-events.js';
import { HookRecords, answerHtlcAccepted } from './htlc-hook.js';
import { MANIFEST, parseInit } from './manifest.js';
import { pluginLogger } from './plugin-log.js';
import { openSession, type Session, type SessionEnv } from './session.js';
import { roundView, statusView } from './status-view.js';
import { METHOD_NOT_FOUND, RpcError, serveJsonRpc } from './stdio-rpc.js';

export interface PluginOptions {
  readonly input: Readable;
  readonly output: Writable;
  readonly clock?: Clock;
  readonly fetchQuotes?: SessionEnv['fetchQuotes'];
  readonly randomBytes?: SessionEnv['randomBytes'];
  /** Where the hook keeps what it saw; tests give one that fails. */
  readonly records?: HookRecords;
}

export interface RunningPlugin {
  /** Settles once the plugin has shut down (shutdown notification, or lightningd closed stdin). */
  readonly done: Promise<void>;
}

/** JSON-RPC error code of a method called before init, or after a failed one. */
const NOT_READY = -32002;

export function runPlugin(options: PluginOptions): RunningPlugin {
  const clock = options.clock ?? systemClock;
  const records = options.records ?? new HookRecords();
  let logger: Logger;
  let session: Session | null = null;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let stopping: Promise<void> | null = null;
  const shutdown = () =>
    (stopping ??= (async () => {
      await session?.close();
      finish();
    })());

  const ready = (): Session => {
    if (session === null) throw new RpcError(NOT_READY, 'peer-stables is not running: see the node log for why');
    return session;
  };
  const init = (params: unknown) => {
    if (session !== null) throw new RpcError(NOT_READY, 'peer-stables is already initialised');
    try {
      const setup = parseInit(params);
      logger = pluginLogger(setup.config.log.level, channel.notify);
      session = openSession(setup, {
        logger,
        clock,
        records,
        fetchQuotes: options.fetchQuotes,
        randomBytes: options.randomBytes,
      });
    } catch (err) {
      logger.error({ err }, 'peer-stables disabled');
      return { disable: err instanceof Error ? err.message : String(err) };
    }
    const s = session;
    logger.info({ role: s.config.role, channel: s.config.channel.id }, 'peer-stables plugin started');
    setImmediate(() => s.schedule.start());
    return {};
  };
  const requests: Record<string, (params: unknown) => unknown> = {
    getmanifest: () => MANIFEST,
    init,
    htlc_accepted: (params) => answerHtlcAccepted(params, records, logger),
    'stable-status': () => {
      const s = ready();
      return statusView(s.config, s.ledger, s.schedule.state(), records.size);
    },
    'stable-settle': async () => roundView(await ready().schedule.settleNow()),
    'stable-pause': () => (ready().schedule.pause(), { paused: true }),
    'stable-resume': () => (ready().schedule.resume(), { paused: false }),
  };
  const channel = serveJsonRpc(options.input, options.output, {
    request: (method, params) => {
      const handler = Object.hasOwn(requests, method) ? requests[method] : undefined;
      if (handler === undefined) throw new RpcError(METHOD_NOT_FOUND, `peer-stables has no method ${method}`);
      return handler(params);
    },
    notification: (method, params) => {
      if (method === 'shutdown') return void shutdown();
      if (method !== 'channel_state_changed' || session === null) return;
      const change = recordChannelChange(session, params, clock.now());
      if (change) logger.info({ from: change.old_state, to: change.new_state }, 'the channel changed state');
    },
    problem: (message, err) => logger.warn({ err }, message),
  });
  logger = pluginLogger('info', channel.notify);
  void channel.ended.then(shutdown);
  return { done };
}
