/**
 * The `htlc_accepted` hook: the one place a Core Lightning node shows the TLV records of a keysend
 * it receives (its keysend plugin keeps none of them). For every HTLC that ends at this node we
 * keep the custom records by payment hash, so the receipts of the next round carry them and a
 * settlement payment is matched by its record 65537 exactly (src/client/accounting.ts).
 *
 * The hook must never hurt the node: it answers `continue` at once, every time. It holds no HTLC,
 * fails none, and an HTLC it cannot read (or any error of ours) is only logged. lightningd replays
 * unresolved HTLCs after a restart, so seeing one twice is harmless (the records are the same).
 */
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import type { Logger } from '../core/log.js';
import { SETTLEMENT_TLV_TYPE } from '../client/commitment.js';
import { parseCustomRecords } from './onion.js';

/** The hook's answer: lightningd goes on as if we were not there. */
export const CONTINUE = Object.freeze({ result: 'continue' });
/**
 * Payment hashes remembered, newest kept: far more keysends than arrive between two rounds. A
 * receipt whose records were forgotten (or arrived while the plugin was stopped) is matched by the
 * settlement note in its invoice description instead, still exactly.
 */
const REMEMBERED = 10_000;

const hookSchema = z.object({
  onion: z.object({ payload: z.string(), short_channel_id: z.string().optional() }),
  htlc: z.object({ payment_hash: z.string().regex(/^[0-9a-f]{64}$/) }),
});

/** The custom records seen by the hook, by payment hash. */
export class HookRecords {
  private readonly seen = new LRUCache<string, Record<string, string>>({ max: REMEMBERED });

  /** What the backend asks (ClnBackendOptions.recordsOf). */
  readonly recordsOf = (paymentHash: string): Record<string, string> | undefined => this.seen.get(paymentHash);

  get size(): number {
    return this.seen.size;
  }

  /**
   * Keeps the records of an HTLC that ends here (a forward names the next channel and is not ours);
   * the parts of one multi-part payment add up. Returns whether it carried record 65537. Throws on
   * params that are not an htlc_accepted payload.
   */
  take(params: unknown): boolean {
    const { onion, htlc } = hookSchema.parse(params);
    if (onion.short_channel_id !== undefined) return false;
    const records = { ...this.seen.get(htlc.payment_hash), ...parseCustomRecords(onion.payload) };
    this.seen.set(htlc.payment_hash, records);
    return Object.hasOwn(records, SETTLEMENT_TLV_TYPE);
  }
}

/** Answers the hook: `continue`, whatever happens inside. */
export function answerHtlcAccepted(params: unknown, records: HookRecords, logger: Logger): typeof CONTINUE {
  try {
    if (records.take(params)) logger.debug('an incoming keysend carries a settlement record');
  } catch (err) {
    try {
      logger.warn({ err }, 'htlc_accepted: could not read the HTLC (it goes on untouched)');
    } catch {
      // Not even the log works: the HTLC still goes on; an error answer here could stop lightningd.
    }
  }
  return CONTINUE;
}
