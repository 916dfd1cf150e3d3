/**
 * The plugin as a process: lightningd's pipes on stdin and stdout. Anything that would print to
 * stdout (a stray console.log in some library) is sent to stderr instead, which lightningd keeps
 * in its log: one foreign line on stdout and lightningd kills the plugin. The process ends once
 * the plugin has shut down.
 */
import { runPlugin } from './plugin.js';

export async function runPluginProcess(): Promise<void> {
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;
  const plugin = runPlugin({ input: process.stdin, output: process.stdout });
  await plugin.done;
  // Idle keep-alive sockets of fetch would hold the process open: leave once stdout is flushed.
  process.stdout.write('', () => process.exit(0));
}
