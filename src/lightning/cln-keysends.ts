/**
 * When a Core Lightning keysend may still pay, so that the backend never calls a live payment
 * failed. lightningd's keysend (and xkeysend) command retries on its own until `retry_for` seconds
 * after it started (each attempt a sendpay part), and answers only when the payment is final.
 * listsendpays knows nothing of that command: between two attempts it shows every part "failed"
 * while the command is about to try again. So "failed" is final only when the command has stopped:
 * it answered in this process, or (a command this process did not see end, e.g. before a restart)
 * the time it could start another attempt is past: the first part's `created_at` plus the
 * `retry_for` written in the payment's label, plus a margin. Until then the payment is pending. A
 * command that found no route at all (error 210) leaves no part: it is failed once it answered so,
 * and, unseen, once the time it could have started one is past.
 */

/** Seconds past created_at + retry_for after which no new attempt can start (docs/LIGHTNING.md). */
export const RETRY_END_MARGIN_S = 120;
/** retry_for assumed for a payment whose label does not say (made by an older version): an hour. */
const UNLABELLED_RETRY_FOR_S = 3600;
/** How long after it could last retry a command that ended is remembered. */
const FORGET_AFTER_MS = 3_600_000;

const LABEL_TAIL = / retry_for=(\d{1,9}) ref=([0-9a-f]{64})$/;
const OLD_LABEL_TAIL = /(?:^| )ref=([0-9a-f]{64})$/;

/** The retry_for (whole seconds, at least 1) a keysend is given for a timeout in ms. */
export function retryForOf(timeoutMs: number): number {
  return Math.max(1, Math.ceil(timeoutMs / 1000));
}

/** True while a keysend whose intent was written at `sentAtMs` could still start its first attempt. */
export function couldStillStart(sentAtMs: number, retryForS: number, nowMs: number): boolean {
  return nowMs < sentAtMs + (retryForS + RETRY_END_MARGIN_S) * 1000;
}

/** The label of our keysend: the caller's, keysend's retry_for, and our hash (keysend draws its own). */
export function keysendLabel(label: string, retryForS: number, ourHash: string): string {
  return `${label} retry_for=${retryForS} ref=${ourHash}`;
}

/** Our payment hash and the retry_for from a label we wrote; nulls for any other label. */
export function parseKeysendLabel(label: string | undefined): { ref: string | null; retryForS: number | null } {
  const tail = label === undefined ? null : LABEL_TAIL.exec(label);
  if (tail) return { ref: tail[2]!, retryForS: Number(tail[1]) };
  return { ref: (label && OLD_LABEL_TAIL.exec(label)?.[1]) ?? null, retryForS: null };
}

/** A listsendpays part, as far as finality goes. */
export interface ListedAttempts {
  readonly created_at: number;
  readonly label?: string | undefined;
}

type CommandState = {
  readonly startedAtMs: number;
  readonly retryForS: number;
  end: 'running' | 'answered' | 'lost';
  /** The command's own failure answer, when it ended in one. */
  failure: string | null;
  /** The node's payment hash, once the node reported it. */
  nodeHash: string | null;
};

/** The keysend commands this process started, by our payment hash. */
export class KeysendCommands {
  private readonly byRef = new Map<string, CommandState>();

  start(ref: string, retryForS: number, nowMs: number): void {
    // Forget commands long over (the time rule alone judges them by then), so the map stays small.
    for (const [old, command] of this.byRef) {
      const deadline = command.startedAtMs + (command.retryForS + RETRY_END_MARGIN_S) * 1000;
      if (command.end !== 'running' && nowMs > deadline + FORGET_AFTER_MS) this.byRef.delete(old);
    }
    this.byRef.set(ref, { startedAtMs: nowMs, retryForS, end: 'running', failure: null, nodeHash: null });
  }

  /** How many commands are remembered. */
  get size(): number {
    return this.byRef.size;
  }

  /**
   * `answered`: lightningd answered (the command is over), with `failure` when it answered a payment
   * failure; `lost`: the answer never came back.
   */
  end(ref: string, how: 'answered' | 'lost', failure: string | null = null): void {
    const command = this.byRef.get(ref);
    if (!command) return;
    command.end = how;
    command.failure = failure;
  }

  /** Remembers the node's payment hash of our command `ref`. */
  learnHash(ref: string, nodeHash: string): void {
    const command = this.byRef.get(ref);
    if (command) command.nodeHash = nodeHash;
  }

  nodeHashOf(ref: string): string | null {
    return this.byRef.get(ref)?.nodeHash ?? null;
  }

  /** The failure our command `ref` answered with, when it answered one. */
  failureOf(ref: string): string | null {
    const command = this.byRef.get(ref);
    return command?.end === 'answered' ? command.failure : null;
  }

  /** True while a command for `ref` is running, or its answer was lost and it could still be retrying. */
  isLive(ref: string, nowMs: number): boolean {
    const command = this.byRef.get(ref);
    if (!command || command.end === 'answered') return false;
    return command.end === 'running' || nowMs < command.startedAtMs + (command.retryForS + RETRY_END_MARGIN_S) * 1000;
  }

  /** True when no command behind these failed parts can make another attempt. */
  haveStopped(ref: string, pays: readonly ListedAttempts[], nowMs: number): boolean {
    if (this.isLive(ref, nowMs)) return false;
    if (this.byRef.get(ref)?.end === 'answered') return true;
    return pays.every((p) => {
      const retryForS = parseKeysendLabel(p.label).retryForS ?? UNLABELLED_RETRY_FOR_S;
      return nowMs >= (p.created_at + retryForS + RETRY_END_MARGIN_S) * 1000;
    });
  }
}
