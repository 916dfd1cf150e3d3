/** The real `peer-stables` executable, run from source as a child process (tsx), for end-to-end tests. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childEnv } from './child-env.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** Runs `peer-stables <args>`; resolves with its exit code (0 or 1) and its output, never rejects. */
export function runCli(args: readonly string[], timeoutMs = 30_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', MAIN, ...args],
      { timeout: timeoutMs, env: childEnv() },
      (err, stdout, stderr) => resolve({ code: err ? 1 : 0, out: stdout + stderr }),
    );
  });
}

/** `peer-stables verify <url> --pubkey <pubkey>`. */
export function verifyCli(url: string, pubkey: string): Promise<{ code: number; out: string }> {
  return runCli(['verify', url, '--pubkey', pubkey]);
}
