/**
 * What the oracle page knows, without the DOM: every attestation it received, checked against the
 * pinned key (web/shared/verify.ts), the refused ticks it saw, and the index series for the chart
 * with gaps where nothing was signed. Only verified attestations give numbers; a tampered or
 * foreign one is kept as an entry saying why it failed, and never reaches the chart or the headline.
 */
import { formatDecimal } from '../../src/core/fixed.js';
import type { SignedAttestation } from '../../src/attest/types.js';
import { checkAttestation } from '../shared/verify.js';

/** One attestation as the page received it: verified, or not and why. */
export interface Entry {
  readonly receivedAt: number;
  readonly kind: string;
  readonly sequence: string;
  /** The verified attestation; null when it failed verification. */
  readonly attestation: SignedAttestation | null;
  /** Why it failed; null when verified. */
  readonly failure: string | null;
}

/** A tick that signed nothing, from /sources. */
export interface RefusedTick {
  readonly at: number;
  readonly reason: string;
}

/** A gap in the index wider than this many ticks is drawn as a gap. */
const GAP_TICKS = 2.5;
const MAX_ENTRIES = 20;
const MAX_REFUSALS = 200;
/** What the page keeps: the widest range the chart offers (24 h), and an hour to spare. */
const KEEP_MS = 25 * 3_600_000;

export class OracleModel {
  private readonly kept = new Map<string, SignedAttestation>();
  /** kept is pruned when it grows past this (doubled after each prune, so pruning costs O(1) per add). */
  private pruneAt = 1_024;
  private readonly latestByKind = new Map<string, SignedAttestation>();
  private readonly refused = new Map<number, string>();
  /** Newest first. */
  readonly entries: Entry[] = [];
  verifiedCount = 0;
  invalidCount = 0;

  constructor(
    readonly pinnedKey: string,
    readonly tickIntervalMs: number,
  ) {}

  /**
   * Checks `raw` and keeps it; `listed` adds it to the recent entries (history pages are not).
   * Returns the entry, or null for a verified attestation the page already has.
   */
  add(raw: unknown, receivedAt: number, listed = true): Entry | null {
    const checked = checkAttestation(raw, this.pinnedKey);
    let entry: Entry;
    if (checked.ok) {
      const a = checked.attestation;
      const key = `${a.kind}:${a.sequence}`;
      if (this.kept.has(key)) return null;
      this.kept.set(key, a);
      if (this.kept.size > this.pruneAt) this.prune(Number(a.observedAt));
      this.verifiedCount += 1;
      const latest = this.latestByKind.get(a.kind);
      if (latest === undefined || a.sequence > latest.sequence) this.latestByKind.set(a.kind, a);
      entry = { receivedAt, kind: a.kind, sequence: a.sequence.toString(), attestation: a, failure: null };
    } else {
      this.invalidCount += 1;
      entry = { receivedAt, ...checked.claimed, attestation: null, failure: checked.reason };
    }
    if (listed) {
      this.entries.unshift(entry);
      this.entries.length = Math.min(this.entries.length, MAX_ENTRIES);
    }
    return entry;
  }

  /** The verified attestation of `kind` with the highest sequence, or null. */
  latest(kind: string): SignedAttestation | null {
    return this.latestByKind.get(kind) ?? null;
  }

  /** Records a refused tick; returns false when it was already known. */
  addRefusal(at: number, reason: string): boolean {
    if (this.refused.has(at)) return false;
    this.refused.set(at, reason);
    if (this.refused.size > MAX_REFUSALS) this.refused.delete(Math.min(...this.refused.keys()));
    return true;
  }

  /** The refused ticks seen, newest first. */
  refusals(): RefusedTick[] {
    return [...this.refused].map(([at, reason]) => ({ at, reason })).sort((a, b) => b.at - a.at);
  }

  /** Forgets what is older than the chart can show, so a page left open for weeks stays small. */
  private prune(newestMs: number): void {
    for (const [key, a] of this.kept) if (Number(a.observedAt) < newestMs - KEEP_MS) this.kept.delete(key);
    this.pruneAt = Math.max(1_024, this.kept.size * 2);
  }

  /**
   * The verified index between `fromMs` and `toMs` for the chart: x in seconds, y in USD (a float,
   * for drawing only), with a null wherever a refused tick or a silence longer than 2.5 ticks lies.
   */
  indexSeries(fromMs: number, toMs: number): [number[], (number | null)[]] {
    const byTime = new Map<number, SignedAttestation>();
    for (const a of this.kept.values()) {
      const at = Number(a.observedAt);
      if (a.kind !== 'index_price' || at < fromMs || at > toMs) continue;
      const other = byTime.get(at);
      if (other === undefined || a.sequence > other.sequence) byTime.set(at, a);
    }
    const points: [number, number | null][] = [...byTime].map(([at, a]) => [
      at,
      Number(formatDecimal(a.value, a.exponent)),
    ]);
    for (const at of this.refused.keys()) if (at >= fromMs && at <= toMs && !byTime.has(at)) points.push([at, null]);
    points.sort((a, b) => a[0] - b[0]);
    const xs: number[] = [];
    const ys: (number | null)[] = [];
    let previous: number | null = null;
    for (const [at, y] of points) {
      if (previous !== null && at - previous > GAP_TICKS * this.tickIntervalMs) {
        xs.push((previous + this.tickIntervalMs) / 1000);
        ys.push(null);
      }
      xs.push(at / 1000);
      ys.push(y);
      previous = at;
    }
    return [xs, ys];
  }

  /** Silences longer than 2.5 ticks between `fromMs` and `toMs` with no refusal seen in them, newest first. */
  silences(fromMs: number, toMs: number): { from: number; to: number }[] {
    const [xs, ys] = this.indexSeries(fromMs, toMs);
    const found: { from: number; to: number }[] = [];
    for (let i = 1; i + 1 < xs.length; i++) {
      const before = xs[i - 1] as number;
      const after = xs[i + 1] as number;
      if (ys[i] === null && ys[i - 1] !== null && ys[i + 1] !== null && !this.refusedBetween(before, after))
        found.push({ from: before * 1000, to: after * 1000 });
    }
    return found.reverse();
  }

  private refusedBetween(fromS: number, toS: number): boolean {
    for (const at of this.refused.keys()) if (at > fromS * 1000 && at < toS * 1000) return true;
    return false;
  }
}
