/**
 * What a settlement round costs on Core Lightning as the node's payment history grows (issue 10):
 * both clients on the real Core Lightning backend over the fake v26.06 JSON-RPC socket, after a
 * short history (the baseline) and a long one of keysends the provider sent the receiver earlier,
 * in the same run. Each measured step is one price fall: the receiver expects, the provider pays
 * (cursor, xkeysend, reconcile), the receiver takes the receipt. Reported: wall time per step and
 * the JSON bytes the node answered per step, whose ratio long/short must stay near 1: payments are
 * found by hash and sendpays index, receipts by the invoices' created index, never by listing
 * every payment ever made.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ClnBackend } from '../src/lightning/cln-common.js';
import { createClnRpcBackend } from '../src/lightning/cln-rpc.js';
import { setup } from '../test/client/round-setup.js';
import { startFakeClnRpc, type FakeClnServer } from '../test/support/fake-cln.js';

export interface ClnRoundCost {
  readonly history: number;
  readonly steps: number;
  readonly msPerStep: number;
  readonly bytesPerStep: number;
}

export interface ClnRoundResult {
  readonly short: ClnRoundCost;
  readonly long: ClnRoundCost;
  readonly timeRatio: number;
  readonly bytesRatio: number;
  readonly verdict: 'PASS' | 'MISS';
}

/** The bar: a round on a long history costs at most this many times one on a short history. */
export const CLN_HISTORY_TARGET_RATIO = 1.5;
const TWO_HOURS_MS = 7_200_000;

/** Counts the bytes of every answer `server` gives. */
function countBytes(server: FakeClnServer): { bytes: number } {
  const counter = { bytes: 0 };
  const handle = server.cln.handle.bind(server.cln);
  server.cln.handle = async (method, params) => {
    const answer = await handle(method, params);
    counter.bytes += JSON.stringify(answer).length;
    return answer;
  };
  return counter;
}

async function measure(history: number, steps: number): Promise<ClnRoundCost> {
  const w = setup();
  // The history: keysends the provider sent the receiver before the agreement, hours ago.
  for (let i = 0; i < history; i += 1)
    w.provider.node.keysend({
      destination: w.receiver.node.id,
      amountMsat: 1_000n,
      maxFeeMsat: 0n,
      preimage: randomBytes(32).toString('hex'),
      customRecords: {},
      label: `old-${i}`,
    });
  w.clock.advance(TWO_HOURS_MS);
  const servers: FakeClnServer[] = [];
  const backends: ClnBackend[] = [];
  try {
    for (const side of [w.receiver, w.provider]) {
      const server = await startFakeClnRpc(side.node);
      servers.push(server);
      side.backend = createClnRpcBackend({ socketPath: server.socketPath, now: () => w.clock.now() });
      backends.push(side.backend as ClnBackend);
    }
    await w.receiver.round();
    await w.provider.round();
    const counters = servers.map(countBytes);
    const started = performance.now();
    for (let i = 0; i < steps; i += 1) {
      w.oracles.price = (w.oracles.price * 999n) / 1_000n;
      for (const side of [w.receiver, w.provider, w.receiver]) {
        w.clock.advance(2_000);
        const r = await side.round();
        if (r.action === 'error' || r.action === 'refuse') throw new Error(`round ${r.action}: ${r.reason}`);
      }
    }
    const ms = performance.now() - started;
    const bytes = counters.reduce((sum, c) => sum + c.bytes, 0);
    if (w.receiver.ledger.missCount() !== 0) throw new Error('a settlement was counted missed');
    return { history, steps, msPerStep: ms / steps, bytesPerStep: bytes / steps };
  } finally {
    for (const b of backends) await b.close();
    for (const s of servers) await s.close();
  }
}

/** The cost of a round after `shortHistory` and after `longHistory` past payments. */
export async function benchClnRound(settings: {
  shortHistory: number;
  longHistory: number;
  steps: number;
}): Promise<ClnRoundResult> {
  const short = await measure(settings.shortHistory, settings.steps);
  const long = await measure(settings.longHistory, settings.steps);
  const timeRatio = long.msPerStep / short.msPerStep;
  const bytesRatio = long.bytesPerStep / short.bytesPerStep;
  const verdict = timeRatio <= CLN_HISTORY_TARGET_RATIO && bytesRatio <= CLN_HISTORY_TARGET_RATIO ? 'PASS' : 'MISS';
  return { short, long, timeRatio, bytesRatio, verdict };
}
