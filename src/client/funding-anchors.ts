/**
 * Each oracle's funding index anchor (docs/METHODOLOGY.md 8.6): its first index at or after the
 * agreed funding start, read from its `/history` and pinned once in the ledger. Both peers must pin
 * the same attestation, so an anchor is taken only if it was observed within `fundingMaxQuoteAgeMs`
 * of the start (an oracle signs its index once a minute): an oracle that pruned its history, or
 * started after the agreement, would otherwise hand each peer whatever it keeps at that moment.
 */
import { verifyJson } from '../attest/json.js';
import type { SignedAttestation } from '../attest/types.js';
import { FUNDING_INDEX_EXPONENT } from '../core/fixed.js';
import type { ClientConfig } from './config.js';
import type { AppliedIndex } from './ledger-types.js';
import type { FetchedQuote } from './types.js';

/** Where an oracle serves its first funding index at or after `since` (ms): a /history page of one. */
export const anchorPath = (since: number): string => `/history?kind=funding_index&from=${since}&limit=1`;

const keyOf = (a: SignedAttestation): string => Buffer.from(a.publicKey).toString('hex');

/**
 * Pins the anchor of each oracle in `latest` that has none yet, in `oracles`; returns, per oracle
 * key left without one, why (for the round's quote list).
 */
export async function pinAnchors(
  config: ClientConfig,
  fetchQuotes: (path: string) => Promise<FetchedQuote[]>,
  since: number,
  latest: readonly SignedAttestation[],
  oracles: Map<string, AppliedIndex>,
): Promise<Map<string, string>> {
  const why = new Map<string, string>();
  if (latest.every((a) => oracles.has(keyOf(a)))) return why;
  const pages = await fetchQuotes(anchorPath(since));
  config.oracles.forEach((o, i) => {
    if (oracles.has(o.publicKey)) return;
    const found = firstOfPage(pages[i] as FetchedQuote, o.publicKey, since, since + config.fundingMaxQuoteAgeMs);
    if (typeof found === 'string') why.set(o.publicKey, found);
    else oracles.set(o.publicKey, { anchor: found, lastValue: found.value, lastAt: Number(found.observedAt) });
  });
  return why;
}

/** The first attestation of a /history page if it is this oracle's funding index observed in [since, until]. */
function firstOfPage(page: FetchedQuote, publicKey: string, since: number, until: number): SignedAttestation | string {
  if (!page.ok) return `no anchor: its history did not answer (${page.error})`;
  const first =
    typeof page.body === 'object' && page.body !== null && (page.body as { attestations?: unknown }).attestations;
  if (!Array.isArray(first)) return 'no anchor: its history answered no attestation list';
  if (first.length === 0) return 'no anchor at or after the funding start yet';
  let a: SignedAttestation;
  try {
    a = verifyJson(first[0], publicKey);
  } catch (err) {
    return `no anchor: its history's first entry does not verify (${(err as Error).message})`;
  }
  if (a.kind !== 'funding_index' || a.pair !== 'BTC/USD' || a.exponent !== FUNDING_INDEX_EXPONENT)
    return `no anchor: its history's first entry is ${a.kind} ${a.pair} at exponent ${a.exponent}`;
  const at = Number(a.observedAt);
  if (at < since) return `no anchor: its history's first entry (${new Date(at).toISOString()}) is before the start`;
  if (at > until)
    return (
      `no anchor: its first funding index after the start was observed at ${new Date(at).toISOString()}, more ` +
      `than fundingMaxQuoteAgeMs (${until - since} ms) after it (history pruned, or the oracle started later)`
    );
  return a;
}
