/**
 * Which command pays a keysend on this Core Lightning node, asked once: `xkeysend` (v26.06 and
 * later, routed by askrene) where the node has it, else `keysend`, which v26.06 deprecates and
 * v27.03 removes (a node started with deprecated APIs off, as in developer mode, refuses it with
 * JSON-RPC error -32601). Both take the same `extratlvs`; they answer differently (cln-wire.ts).
 */
import type { z } from 'zod';
import { ClnError, helpSchema, keysendSchema, xkeysendSchema } from './cln-wire.js';

export type KeysendMethod = 'xkeysend' | 'keysend';

/** Calls one method and returns its parsed answer; rejects with ClnError. */
export type ClnCall = <T>(method: string, params: Record<string, unknown>, schema: z.ZodType<T>) => Promise<T>;

/** lightningd's answer to a command it knows but will not run: deprecated and disabled. */
export const METHOD_NOT_FOUND = -32601;

/**
 * True when `help` lists `command` on this node. lightningd answers -32601 for a command it does not
 * have, and for a deprecated one while deprecated APIs are off.
 */
async function hasCommand(call: ClnCall, command: string): Promise<boolean> {
  try {
    const { help } = await call('help', { command }, helpSchema);
    return help.some((h) => h.command === command || h.command.startsWith(`${command} `));
  } catch (err) {
    if (err instanceof ClnError && err.kind === 'rpc') return false;
    throw err;
  }
}

/** Asks the node which keysend command it has; throws ClnError `unsupported` when it has neither. */
export async function detectKeysendMethod(call: ClnCall): Promise<KeysendMethod> {
  if (await hasCommand(call, 'xkeysend')) return 'xkeysend';
  if (await hasCommand(call, 'keysend')) return 'keysend';
  throw new ClnError(
    'unsupported',
    'Core Lightning has neither xkeysend (v26.06 and later) nor keysend: the settlement client cannot pay; ' +
      'enable the keysend plugin, or upgrade Core Lightning',
  );
}

/** What `method` answers on success, parsed. */
export function answerSchemaOf(method: KeysendMethod): z.ZodType<{
  payment_preimage: string;
  payment_hash?: string;
  amount_msat: bigint;
  amount_sent_msat: bigint;
}> {
  return method === 'xkeysend' ? xkeysendSchema : keysendSchema;
}

/**
 * The params of one keysend by `method`. keysend and xkeysend share destination, amount_msat,
 * label, maxfee, retry_for and extratlvs; keysend's maxfee (v24.11+) excludes maxfeepercent and
 * exemptfee, which xkeysend does not have at all.
 */
export function keysendParams(p: {
  destination: string;
  amountMsat: bigint;
  label: string;
  maxFeeMsat: bigint;
  retryForS: number;
  extratlvs: Record<string, string>;
}): Record<string, unknown> {
  return {
    destination: p.destination,
    // A plain integer where JSON holds it exactly: rune conditions such as "pnameamount_msat<N"
    // compare integers, and would refuse a "<n>msat" string.
    amount_msat: p.amountMsat <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(p.amountMsat) : `${p.amountMsat}msat`,
    label: p.label,
    maxfee: `${p.maxFeeMsat}msat`,
    retry_for: p.retryForS,
    extratlvs: { ...p.extratlvs },
  };
}

/** The error that says a deprecated keysend is disabled on this node, and what to do. */
export function keysendDisabled(cause: ClnError): ClnError {
  return new ClnError(
    'unsupported',
    `${cause.message}; this Core Lightning refuses the deprecated keysend and has no xkeysend: ` +
      'set allow-deprecated-apis=true in its config, or upgrade to v26.06 or later (xkeysend)',
    cause.rpcCode,
  );
}
