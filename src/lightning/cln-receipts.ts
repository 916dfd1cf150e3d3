/**
 * The keysends a Core Lightning node received. lightningd's keysend plugin files each one, when its
 * HTLC arrives, as an invoice created after the fact and paid at once: label
 * `keysend-<seconds>.<nanoseconds>` (the arrival time, to the nanosecond: `paid_at` has whole
 * seconds only), description `keysend: <text>` with the longest unknown TLV value that is valid
 * UTF-8, else plain `keysend`. The TLV records themselves are kept nowhere a client can ask for
 * them; run as a plugin, the client reads them from the `htlc_accepted` hook (`recordsOf`).
 *
 * Invoices are listed newest first, a page at a time (`listinvoices` by `created` index), back to
 * the first one created before `sinceMs`: invoices are created in index order, so every older one
 * was too. The cost follows the keysends received since then, not the node's whole history.
 */
import { ClnError, listInvoicesSchema, waitSchema, type Invoice } from './cln-wire.js';
import type { ClnCall } from './cln-keysend-method.js';
import type { ReceivedPayment } from './types.js';

const KEYSEND_LABEL = /^keysend-(\d{1,12})\.(\d{9})$/;
const NOTE = /^keysend: ([\s\S]+)$/;
const FIRST_PAGE = 64;
const LARGEST_PAGE = 8_192;

/** Unix ms of a keysend from its invoice label, to the millisecond; null for any other label. */
export function keysendTimeOf(label: string): number | null {
  const m = KEYSEND_LABEL.exec(label);
  if (!m) return null;
  return Number(m[1]) * 1000 + Math.floor(Number(m[2]) / 1_000_000);
}

/** The payer's longest text record, from a keysend invoice's description; null when it sent none. */
export function noteOf(description: string | undefined): string | null {
  return (description !== undefined && NOTE.exec(description)?.[1]) || null;
}

/** A time the invoice was certainly created by (ms): its keysend label, its payment, or its expiry. */
function createdByMs(i: Invoice): number {
  const times = [keysendTimeOf(i.label), i.paid_at === undefined ? null : i.paid_at * 1000 + 999];
  if (i.expires_at !== undefined) times.push(i.expires_at * 1000);
  return Math.min(...times.filter((t): t is number => t !== null), Number.MAX_SAFE_INTEGER);
}

function receiptOf(i: Invoice, recordsOf: (hash: string) => Record<string, string> | undefined): ReceivedPayment {
  if (i.paid_at === undefined || i.amount_received_msat === undefined)
    throw new ClnError(
      'bad_response',
      `Core Lightning listinvoices: paid invoice ${i.label} lacks paid_at or amount_received_msat`,
    );
  return {
    paymentHash: i.payment_hash,
    amountMsat: i.amount_received_msat,
    settledAt: keysendTimeOf(i.label) ?? i.paid_at * 1000,
    customRecords: recordsOf(i.payment_hash) ?? null,
    note: noteOf(i.description),
  };
}

/** The keysends received at or after `sinceMs`, oldest first. */
export async function listKeysendsSince(
  call: ClnCall,
  sinceMs: number,
  recordsOf: (hash: string) => Record<string, string> | undefined,
): Promise<ReceivedPayment[]> {
  const top = (await call('wait', { subsystem: 'invoices', indexname: 'created', nextvalue: 0 }, waitSchema)).created;
  const pages: Invoice[][] = [];
  let end = top ?? 0;
  for (let size = FIRST_PAGE; end >= 1; size = Math.min(size * 2, LARGEST_PAGE)) {
    const start = Math.max(1, end - size + 1);
    const params = { index: 'created', start, limit: end - start + 1 };
    const { invoices } = await call('listinvoices', params, listInvoicesSchema);
    const page = invoices.filter((i) => i.created_index >= start && i.created_index <= end);
    pages.unshift(page);
    if (page.some((i) => createdByMs(i) < sinceMs)) break;
    end = start - 1;
  }
  return pages
    .flat()
    .filter((i) => i.status === 'paid' && keysendTimeOf(i.label) !== null)
    .map((i) => receiptOf(i, recordsOf))
    .filter((r) => r.settledAt >= sinceMs);
}
