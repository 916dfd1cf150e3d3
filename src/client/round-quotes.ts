/**
 * The index quotes a round acts on, from selectQuotes (src/client/quotes.ts) with the round's own
 * rules (funding comes from the funding index: ./round-funding.ts). Rounds may run faster than the
 * oracles sign, so a quote with the same sequence as the last one accepted from its oracle is the
 * oracle's current word, not a replay: it may be used again (it means "no new price since the
 * last round"). What is owed comes from the agreed balance,
 * so acting twice on one price pays nothing twice, and one index attestation is settled at most
 * once. A quote *older* than the last accepted is still refused.
 */
import type { AttestationKind, SignedAttestation } from '../attest/types.js';
import { PRICE_EXPONENT } from '../core/fixed.js';
import type { Logger } from '../core/log.js';
import type { ClientConfig } from './config.js';
import type { SettlementLedger } from './ledger-types.js';
import { selectQuotes } from './quotes.js';
import type { FetchedQuote, QuoteRules, QuoteSelection } from './types.js';

export interface RoundQuotes {
  readonly selection: QuoteSelection;
  /** Every attestation the round would use was already used by an earlier round. */
  readonly unchanged: boolean;
}

const PATHS = { index_price: '/price' } as const;

/** The sequence a body claims, when it is an object with a sequence string; nothing here is trusted. */
function claimedSequence(fetched: FetchedQuote): string | null {
  if (!fetched.ok || typeof fetched.body !== 'object' || fetched.body === null) return null;
  const sequence = (fetched.body as { sequence?: unknown }).sequence;
  return typeof sequence === 'string' ? sequence : null;
}

/** The round's rules for `kind`; `exponent` is the exponent the round wants the value at. */
function rulesFor(config: ClientConfig, kind: AttestationKind): QuoteRules {
  const common = { kind, pair: 'BTC/USD', threshold: config.threshold, maxSpreadBps: config.maxSpreadBps };
  return { ...common, exponent: PRICE_EXPONENT, maxAgeMs: config.maxQuoteAgeMs };
}

/**
 * Fetches and selects the quotes of `kind` at `now`. Quotes not used are logged at warn (they are
 * faults: invalid, stale, older than the last accepted); a refusal names each oracle's reason.
 */
export async function roundQuotes(
  deps: {
    config: ClientConfig;
    ledger: SettlementLedger;
    logger: Logger;
    fetchQuotes: (path: string) => Promise<FetchedQuote[]>;
  },
  kind: AttestationKind & keyof typeof PATHS,
  now: number,
): Promise<RoundQuotes> {
  const { config, ledger } = deps;
  const fetched = await deps.fetchQuotes(PATHS[kind]);
  // Keys whose answer claims the last accepted sequence: for those (and only those) the same
  // sequence is allowed again. The claim is not trusted: selectQuotes verifies the signature.
  const repeated = new Set(
    config.oracles
      .filter((o, i) => {
        const last = ledger.lastSequence(o.publicKey, kind);
        return last !== null && claimedSequence(fetched[i] as FetchedQuote) === last.toString();
      })
      .map((o) => o.publicKey),
  );
  const lastSequence = (publicKey: string, k: AttestationKind): bigint | null => {
    const last = ledger.lastSequence(publicKey, k);
    return last !== null && repeated.has(publicKey) ? last - 1n : last;
  };
  const selection = selectQuotes({
    oracles: config.oracles,
    fetched,
    rules: rulesFor(config, kind),
    now,
    lastSequence,
  });
  const rejected = selection.checks.filter((c) => !c.accepted);
  for (const check of rejected)
    deps.logger.warn({ oracle: check.oracle, path: PATHS[kind], reason: check.reason }, 'quote not used');
  if (!selection.ok) {
    const why = rejected.map((c) => `${c.oracle}: ${c.reason}`).join('; ');
    return {
      selection: rejected.length === 0 ? selection : { ...selection, reason: `${selection.reason} (${why})` },
      unchanged: false,
    };
  }
  const unchanged = selection.accepted.every(
    (a: SignedAttestation) => a.sequence === ledger.lastSequence(Buffer.from(a.publicKey).toString('hex'), kind),
  );
  return { selection, unchanged };
}
