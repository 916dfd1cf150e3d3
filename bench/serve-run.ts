/**
 * Runs the serving load generator (bench/serve-load.ts) in a child process against an oracle in
 * this process, and measures this process's event loop over exactly the loaded window: the
 * lateness of each index tick (from the oracle's own record) and perf_hooks'
 * monitorEventLoopDelay, the delay of a timer armed every 10 ms.
 */
import { fork } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { TickSample } from './live-oracle.js';
import { MEASURING, type ServeLoadMessage, type ServeLoadReply, type ServeLoadRequest } from './serve-load.js';

const LOOP_DELAY_RESOLUTION_MS = 10;

/** How late timers ran during a window, in ms. */
export interface Lateness {
  /** Every index tick that ran in the window. */
  readonly ticksMs: readonly number[];
  readonly tickMaxMs: number;
  /** The longest tick's own run time: signing work that holds every timer behind it. */
  readonly tickLongestRunMs: number;
  /** monitorEventLoopDelay over the window: how late a timer armed every 10 ms ran. */
  readonly loopDelayP50Ms: number;
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
}

export interface LoadedWindow {
  readonly load: ServeLoadReply | null;
  readonly lateness: Lateness;
  /** CPU time (user + system) of this process over the window, in ms. */
  readonly serverCpuMs: number;
  readonly seconds: number;
}

/** Measures `seconds` with no load at all: the baseline of the same run. */
export async function idleWindow(ticks: readonly TickSample[], seconds: number): Promise<LoadedWindow> {
  const window = openWindow(ticks);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return { load: null, ...window.close() };
}

/** Runs `request` from a child process; rejects if the child fails or exits without replying. */
export function loadedWindow(ticks: readonly TickSample[], request: ServeLoadRequest): Promise<LoadedWindow> {
  return new Promise((resolve, reject) => {
    const options = { execArgv: ['--import', 'tsx'], stdio: 'inherit' as const };
    const child = fork(new URL('./serve-load.ts', import.meta.url), [], options);
    let window: ReturnType<typeof openWindow> | null = null;
    let settled = false;
    const settle = (fn: () => void): void => {
      if (!settled) fn();
      settled = true;
    };
    child.on('message', (message: ServeLoadMessage) => {
      if (message === MEASURING) {
        window = openWindow(ticks);
        return;
      }
      settle(() => {
        if (!message.ok) return reject(new Error(`load generator failed: ${message.error}`));
        if (window === null) return reject(new Error('load generator never reported the start of its run'));
        resolve({ load: message, ...window.close() });
      });
    });
    child.once('error', (err) => settle(() => reject(err)));
    const exited = (code: number | null): Error => new Error(`load generator exited with code ${code} before replying`);
    child.once('exit', (code) => settle(() => reject(exited(code))));
    child.send(request);
  });
}

function openWindow(ticks: readonly TickSample[]): { close: () => Omit<LoadedWindow, 'load'> } {
  const from = performance.now();
  const cpu = process.cpuUsage();
  const delay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  delay.enable();
  return {
    close: () => {
      delay.disable();
      const to = performance.now();
      const used = process.cpuUsage(cpu);
      const inWindow = ticks.filter((t) => t.at >= from && t.at <= to);
      const ticksMs = inWindow.map((t) => t.latenessMs);
      // The histogram records the whole interval between two runs of its timer, not only the delay.
      const ms = (ns: number): number => Math.max(0, ns / 1e6 - LOOP_DELAY_RESOLUTION_MS);
      return {
        lateness: {
          ticksMs,
          tickMaxMs: Math.max(0, ...ticksMs),
          tickLongestRunMs: Math.max(0, ...inWindow.map((t) => t.durationMs)),
          loopDelayP50Ms: ms(delay.percentile(50)),
          loopDelayP99Ms: ms(delay.percentile(99)),
          loopDelayMaxMs: ms(delay.max),
        },
        serverCpuMs: (used.user + used.system) / 1000,
        seconds: (to - from) / 1000,
      };
    },
  };
}
