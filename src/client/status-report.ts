/**
 * The agreement's status as data (`peer-stables status --json`, and what the agreement dashboard
 * shows: docs/DASHBOARDS.md): the agreement, the receiver's balance and its USD value at the last
 * round's price, the provider's effective leverage, the channel, the accounting, funding, misses,
 * outages, the last rounds with every oracle's quote, and the payments made and received. One
 * builder for both, so the page and the command never disagree. Read from the ledger only, so it
 * runs beside a client; nothing secret goes in: no Lightning credential or path to one, no
 * preimage, no ledger path, and an oracle URL's user and password (if any) are cut out.
 */
import { divRoundHalfEven } from '../core/fixed.js';
import type { ClientConfig } from './config.js';
import { fundingMsatAt } from './funding-increments.js';
import type { ChannelSnapshot, ChannelStateRecord, ReceiptRecord, RoundRecord } from './ledger-types.js';
import type { Ledger } from './ledger.js';
import { usdValueOf } from './stable-math.js';

/** How many rounds back outages are looked for (here and in the text status). */
export const OUTAGE_WINDOW = 1_000;
/** Leverage is shown to hundredths. */
const LEVERAGE_EXPONENT = -2;

/** `T` as JSON carries it: every bigint an integer string. */
export type Jsonified<T> = T extends bigint
  ? string
  : T extends readonly (infer U)[]
    ? Jsonified<U>[]
    : T extends object
      ? { -readonly [K in keyof T]: Jsonified<T[K]> }
      : T;

function jsonified<T>(value: T): Jsonified<T> {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}

export interface Outage {
  readonly from: number;
  readonly to: number;
  readonly rounds: number;
  /** The reason of its last failed round. */
  readonly reason: string;
  /** No round has succeeded since. */
  readonly ongoing: boolean;
}

/** Runs of consecutive failed rounds in `rounds` (newest first), newest first. */
export function findOutages(rounds: readonly RoundRecord[]): Outage[] {
  const found: Outage[] = [];
  let run: RoundRecord[] = [];
  const close = (ongoing: boolean) => {
    if (run.length === 0) return;
    const newest = run[0] as RoundRecord;
    const oldest = run[run.length - 1] as RoundRecord;
    found.push({ from: oldest.at, to: newest.at, rounds: run.length, reason: newest.reason, ongoing });
    run = [];
  };
  let ongoing = true;
  for (const r of rounds) {
    if (r.action === 'error') {
      run.push(r);
      continue;
    }
    close(ongoing && found.length === 0);
    ongoing = false;
  }
  close(ongoing && found.length === 0);
  return found;
}

/** The position at the last round that read the channel. */
export interface Position {
  readonly at: number;
  /** The price the round used, at PRICE_EXPONENT. */
  readonly price: bigint;
  readonly observedReceiverMsat: bigint;
  readonly agreedReceiverMsat: bigint;
  /** The observed receiver balance's value at that price, USD at PRICE_EXPONENT. */
  readonly receiverUsd: bigint;
  readonly unexplainedMsat: bigint;
  readonly paused: boolean;
  /** What the round saw of the channel; null for rounds recorded before it was kept. */
  readonly channel: ChannelSnapshot | null;
  /** capacity - the receiver's observed balance; null without the channel. */
  readonly providerMsat: bigint | null;
  /**
   * The provider's effective leverage, capacity / its own balance, at LEVERAGE_EXPONENT: it carries
   * the price risk of the whole channel on its own side. Null without the channel or when its side is empty.
   */
  readonly providerLeverage: bigint | null;
}

/** A change of the unexplained amount between two rounds that measured it. */
export interface UnexplainedChange {
  readonly at: number;
  readonly fromMsat: bigint;
  readonly toMsat: bigint;
}

/** Everything the status shows, before it becomes JSON. */
export interface StatusData {
  readonly version: 1;
  readonly agreement: {
    readonly role: ClientConfig['role'];
    /** USD at PRICE_EXPONENT. */
    readonly stableUsd: bigint;
    readonly channelId: string;
    readonly peerId: string;
    readonly oracles: readonly { readonly url: string; readonly publicKey: string }[];
    readonly threshold: number;
    readonly maxSpreadBps: number;
    readonly funding: boolean;
    readonly onUnexplained: ClientConfig['onUnexplained'];
    readonly intervalMs: number;
  };
  readonly position: Position | null;
  readonly accounts: {
    readonly baselineMsat: bigint;
    readonly baselineAt: number;
    readonly paidMsat: bigint;
    readonly paidFeesMsat: bigint;
    readonly receivedMsat: bigint;
    readonly acknowledgedUnexplainedMsat: bigint;
  } | null;
  /**
   * Funding agreed so far: `usd` at 10^-25 USD (docs/METHODOLOGY.md 8.6), and as msat at the last
   * round's price (null before a round measured the channel); positive: the provider owes it.
   */
  readonly funding: {
    readonly usd: bigint;
    readonly accruedMsat: bigint | null;
    readonly since: number;
    readonly lastAt: number;
  } | null;
  /** The channel's life, newest change first (src/client/lifecycle.ts). */
  readonly channelStates: readonly ChannelStateRecord[];
  readonly misses: number;
  readonly openPayments: number;
  readonly openExpectations: number;
  readonly otherReceipts: { readonly count: number; readonly amountMsat: bigint } | null;
  readonly outages: readonly Outage[];
  readonly unexplainedChanges: readonly UnexplainedChange[];
  readonly rounds: readonly RoundRecord[];
  readonly payments: readonly {
    readonly createdAt: number;
    readonly updatedAt: number;
    readonly status: string;
    readonly amountMsat: bigint;
    readonly feeMsat: bigint | null;
    readonly paymentHash: string;
    readonly commitment: string;
    readonly failure: string | null;
  }[];
  readonly received: readonly Omit<ReceiptRecord, 'at'>[];
}

/** The status as `status --json` prints it and the dashboard reads it. */
export type AgreementStatus = Jsonified<StatusData>;

/** An oracle URL without the user and password it may carry. */
function publicUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.username === '' && parsed.password === '') return url;
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}

/** Cuts the user and password of every oracle URL of `config` out of a text (a URL, or a reason quoting one). */
export function oracleUrlRedactor(config: Pick<ClientConfig, 'oracles'>): (text: string) => string {
  const urls = config.oracles.map((o) => [o.url, publicUrl(o.url)] as const).filter(([raw, shown]) => raw !== shown);
  return (text) => urls.reduce((out, [raw, shown]) => out.replaceAll(raw, shown), text);
}

function position(ledger: Ledger): Position | null {
  const last = ledger.lastMeasuredRound();
  if (last === null || last.price === null || last.receiverBalanceMsat === null || last.agreedReceiverMsat === null)
    return null;
  const price = BigInt(last.price);
  const observed = last.receiverBalanceMsat;
  const providerMsat = last.channel === null ? null : last.channel.capacityMsat - observed;
  const scale = 10n ** BigInt(-LEVERAGE_EXPONENT);
  return {
    at: last.at,
    price,
    observedReceiverMsat: observed,
    agreedReceiverMsat: last.agreedReceiverMsat,
    receiverUsd: usdValueOf(observed, price),
    unexplainedMsat: last.unexplainedMsat ?? 0n,
    paused: last.paused,
    channel: last.channel,
    providerMsat,
    providerLeverage:
      last.channel === null || providerMsat === null || providerMsat <= 0n
        ? null
        : divRoundHalfEven(last.channel.capacityMsat * scale, providerMsat),
  };
}

/** Changes of the unexplained amount across `rounds` (newest first), newest first. */
export function unexplainedChanges(rounds: readonly RoundRecord[]): UnexplainedChange[] {
  const measured = rounds.filter((r) => r.unexplainedMsat !== null).reverse();
  const changes: UnexplainedChange[] = [];
  let previous = 0n;
  for (const r of measured) {
    const now = r.unexplainedMsat as bigint;
    if (now !== previous) changes.push({ at: r.at, fromMsat: previous, toMsat: now });
    previous = now;
  }
  return changes.reverse();
}

/** The status data of the agreement `config` from `ledger`: the last `limit` rounds, payments and receipts. */
export function statusData(config: ClientConfig, ledger: Ledger, limit = 50): StatusData {
  const redact = oracleUrlRedactor(config);
  const recent = ledger.rounds(OUTAGE_WINDOW);
  const accounts = ledger.accounts();
  const at = position(ledger);
  return {
    version: 1,
    agreement: {
      role: config.role,
      stableUsd: config.stableUsd,
      channelId: config.channel.id,
      peerId: config.channel.peerId,
      oracles: config.oracles.map((o) => ({ url: redact(o.url), publicKey: o.publicKey })),
      threshold: config.threshold,
      maxSpreadBps: config.maxSpreadBps,
      funding: config.funding,
      onUnexplained: config.onUnexplained,
      intervalMs: config.intervalMs,
    },
    position: at,
    accounts:
      accounts === null
        ? null
        : {
            baselineMsat: accounts.baseline.receiverMsat,
            baselineAt: accounts.baseline.at,
            paidMsat: accounts.totals.paidMsat,
            paidFeesMsat: accounts.totals.paidFeesMsat,
            receivedMsat: accounts.totals.receivedMsat,
            acknowledgedUnexplainedMsat: ledger.acknowledgedUnexplainedMsat(),
          },
    funding: fundingStatus(config, ledger, at),
    channelStates: ledger.channelStates(limit),
    misses: ledger.missCount(),
    openPayments: ledger.openPayments().length,
    openExpectations: ledger.openExpectations().length,
    otherReceipts: accounts === null ? null : ledger.otherReceiptsSince(accounts.baseline.at),
    outages: findOutages(recent).map((o) => ({ ...o, reason: redact(o.reason) })),
    unexplainedChanges: unexplainedChanges(recent),
    rounds: recent.slice(0, limit).map((r) => ({
      ...r,
      reason: redact(r.reason),
      quotes: r.quotes.map((q) => ({ ...q, oracle: redact(q.oracle), reason: redact(q.reason) })),
    })),
    payments: ledger.payments(limit).map((p) => ({
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
      status: p.status,
      amountMsat: p.amountMsat,
      feeMsat: p.feeMsat,
      paymentHash: p.paymentHash,
      commitment: p.commitment,
      failure: p.failure === null ? null : redact(p.failure),
    })),
    received: ledger.settlementReceipts(limit).map(({ at: _at, ...r }) => r),
  };
}

function fundingStatus(config: ClientConfig, ledger: Ledger, at: Position | null): StatusData['funding'] {
  const f = ledger.funding();
  if (f === null) return null;
  const accruedMsat = at === null ? null : fundingMsatAt(config.stableUsd, f, at.price);
  return { usd: f.indexUsd, accruedMsat, since: f.since ?? config.fundingStart ?? f.lastAt, lastAt: f.lastAt };
}

/** statusData as JSON-safe values (bigints as integer strings). */
export function agreementStatus(config: ClientConfig, ledger: Ledger, limit?: number): AgreementStatus {
  return jsonified(statusData(config, ledger, limit));
}
