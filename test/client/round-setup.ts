/**
 * Two settlement clients on two fake nodes sharing one channel, three oracles signing real quotes
 * on a manual clock: the world the round tests, the drain tests and the property test run in.
 * Anything else that moves the channel is simulated by moving the FakeChannel's balances.
 */
import { pino, type Logger } from 'pino';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toJson } from '../../src/attest/json.js';
import { publicKeyOf } from '../../src/attest/keys.js';
import { signAttestation } from '../../src/attest/sign.js';
import type { AttestationKind } from '../../src/attest/types.js';
import { parseClientConfig, type ClientConfig } from '../../src/client/config.js';
import { dryRunLedger } from '../../src/client/dry-run-ledger.js';
import { Ledger } from '../../src/client/ledger.js';
import { runRound, type RoundDeps } from '../../src/client/round.js';
import type { FetchedQuote } from '../../src/client/types.js';
import { ManualClock } from '../../src/core/clock.js';
import { PRICE_EXPONENT, parseDecimal } from '../../src/core/fixed.js';
import type { LightningBackend } from '../../src/lightning/types.js';
import { FakeNodeBackend } from '../support/fake-backend.js';
import { FakeLightningNetwork, type FakeChannel, type FakeNode } from '../support/fake-lightning.js';

export const T0 = 1_780_000_000_000;
export const usd = (s: string) => parseDecimal(s, PRICE_EXPONENT);
export const SECRETS = ['11', '22', '33'].map((b) => Uint8Array.from(Buffer.from(b.repeat(32), 'hex')));
export const KEYS = SECRETS.map((s) => Buffer.from(publicKeyOf(s)).toString('hex'));

/** The funding index's exponent as the oracles sign it (docs/PROTOCOL.md, kind funding_index). */
const INDEX_EXPONENT = -17;
const FUNDING_PERIOD_MS = 28_800_000n;
const floorDiv = (n: bigint, d: bigint): bigint => (n >= 0n ? n / d : -((-n + d - 1n) / d));

/** Three oracles' signed answers at a price, each with its own sequence. */
export class Oracles {
  sequence = 1_000n;
  down = new Set<number>();
  forged = new Set<number>();
  price = usd('100000');
  /** Like the oracle, sign funding once a minute: a round within the minute gets the same quotes. */
  fundingEveryMs = 0;
  /**
   * Each oracle's funding index, computed here from its definition (I = sum of rate x elapsed / 8 h
   * over its ticks, exact, floored at 10^-17), not by the oracle's code: each oracle ticks on its
   * own grid (T0 + its offset + k minutes) and starts from its own epoch value.
   */
  indexEveryMs = 60_000;
  indexOffsetsMs: readonly number[] = [0, 20_000, 40_000];
  indexEpochValues: readonly bigint[] = [0n, 5n * 10n ** 15n, -3n * 10n ** 16n];
  /** Serve exactly these bodies next time instead of fresh ones (a replay). */
  replay: FetchedQuote[] | null = null;
  last: FetchedQuote[] = [];
  lastFunding: FetchedQuote[] = [];
  private fundingSignedAt = -Infinity;
  /** The rate in force from each time on (a tick at t integrates the rate set before t). */
  private readonly rates: { at: number; rate: bigint }[] = [{ at: -Infinity, rate: 0n }];
  /** Per oracle, the exact sum of rate x elapsed (10^-10 ms per 8 h) at each of its ticks, and signed bodies. */
  private readonly sums: bigint[][] = [[0n], [0n], [0n]];
  private readonly signedIndex = new Map<string, FetchedQuote>();

  constructor(private readonly clock: ManualClock) {}

  get fundingRate(): bigint {
    return (this.rates.at(-1) as { rate: bigint }).rate;
  }

  /** Sets the rate from now on; the funding index integrates it from the next tick of each oracle. */
  set fundingRate(rate: bigint) {
    this.rates.push({ at: this.clock.now(), rate });
  }

  private rateBefore(t: number): bigint {
    for (let i = this.rates.length - 1; ; i -= 1)
      if ((this.rates[i] as { at: number }).at < t) return this.rates[i]!.rate;
  }

  /** Oracle i's latest tick at or before `at` (0 is its epoch), or null before its first. */
  private tickAt(i: number, at: number): number | null {
    const since = at - T0 - (this.indexOffsetsMs[i] as number);
    return since < 0 ? null : Math.floor(since / this.indexEveryMs);
  }

  private tickTime(i: number, k: number): number {
    return T0 + (this.indexOffsetsMs[i] as number) + k * this.indexEveryMs;
  }

  /** Oracle i's funding index at its tick k, exactly as defined. */
  indexValue(i: number, k: number): bigint {
    const sums = this.sums[i] as bigint[];
    for (let m = sums.length; m <= k; m += 1)
      sums.push((sums[m - 1] as bigint) + this.rateBefore(this.tickTime(i, m)) * BigInt(this.indexEveryMs));
    return (this.indexEpochValues[i] as bigint) + floorDiv((sums[k] as bigint) * 10n ** 7n, FUNDING_PERIOD_MS);
  }

  private indexQuote(i: number, k: number): FetchedQuote {
    const key = `${i}/${k}`;
    let quote = this.signedIndex.get(key);
    if (quote === undefined) {
      const at = this.tickTime(i, k);
      const signed = signAttestation(
        {
          version: 1,
          kind: 'funding_index' as AttestationKind,
          pair: 'BTC/USD',
          value: this.indexValue(i, k),
          exponent: INDEX_EXPONENT,
          observedAt: BigInt(at),
          sequence: BigInt(at),
          sourceCount: 5,
          dispersionPpm: 10,
          sourcesCommitment: new Uint8Array(32),
        },
        SECRETS[i] as Uint8Array,
      );
      quote = { ok: true, body: toJson(signed) };
      this.signedIndex.set(key, quote);
    }
    return quote;
  }

  /** /funding-index and `/history?kind=funding_index&from=<ms>&limit=1`, as the oracles serve them. */
  private fundingIndex(path: string): FetchedQuote[] {
    const from = /[?&]from=(\d+)/.exec(path);
    return SECRETS.map((_s, i): FetchedQuote => {
      if (this.down.has(i)) return { ok: false, error: 'connect ECONNREFUSED' };
      const latest = this.tickAt(i, this.clock.now());
      if (from === null)
        return latest === null ? { ok: false, error: 'HTTP 503: no index yet' } : this.indexQuote(i, latest);
      const first = Math.max(
        0,
        Math.ceil((Number(from[1]) - T0 - (this.indexOffsetsMs[i] as number)) / this.indexEveryMs),
      );
      const attestations =
        latest !== null && first <= latest ? [(this.indexQuote(i, first) as { body: unknown }).body] : [];
      return { ok: true, body: { attestations, count: attestations.length, truncated: false, next: null } };
    });
  }

  fetch = async (path: string): Promise<FetchedQuote[]> => {
    if (this.replay) return this.replay;
    if (path.startsWith('/funding-index') || path.startsWith('/history')) return this.fundingIndex(path);
    const kind: AttestationKind = path === '/price' ? 'index_price' : 'funding_rate';
    const sinceFunding = this.clock.now() - this.fundingSignedAt;
    if (kind === 'funding_rate' && sinceFunding >= 0 && sinceFunding < this.fundingEveryMs) return this.lastFunding;
    this.sequence += 1n;
    const quotes = SECRETS.map((secret, i): FetchedQuote => {
      if (this.down.has(i)) return { ok: false, error: 'connect ECONNREFUSED' };
      const signed = signAttestation(
        {
          version: 1,
          kind,
          pair: 'BTC/USD',
          value: kind === 'index_price' ? this.price : this.fundingRate,
          exponent: kind === 'index_price' ? -8 : -10,
          observedAt: BigInt(this.clock.now() - 1_000),
          sequence: this.sequence,
          sourceCount: 5,
          dispersionPpm: 10,
          sourcesCommitment: new Uint8Array(32),
        },
        secret,
      );
      const json = toJson(signed);
      return { ok: true, body: this.forged.has(i) ? { ...json, value: String(BigInt(json.value) * 2n) } : json };
    });
    if (path === '/price') this.last = quotes;
    else {
      this.lastFunding = quotes;
      this.fundingSignedAt = this.clock.now();
    }
    return quotes;
  };
}

/** A logger that keeps what it writes, to assert on warnings. */
export function recordingLogger(): { logger: Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

export interface Side {
  readonly node: FakeNode;
  /** The backend the next rounds use; replace it to simulate a node that misbehaves. */
  backend: LightningBackend;
  readonly fake: FakeNodeBackend;
  /** The ledger the next rounds use; restart() reopens it. */
  ledger: Ledger;
  readonly config: ClientConfig;
  /** The configuration as a file, for the commands (status, acknowledge). */
  readonly configFile: string;
  logger: Logger;
  round(dryRun?: boolean): ReturnType<typeof runRound>;
  /** The client restarts: it closes its ledger and opens it again, knowing only what it recorded. */
  restart(): void;
}

export interface SetupOptions {
  readonly funding?: boolean;
  readonly maxPaymentMsat?: string;
  readonly receiverBalanceMsat?: bigint;
  readonly extra?: Record<string, unknown>;
  /** Writes a ledger of its own at `file` before the client opens it (an older schema, say). */
  readonly prepareLedger?: (file: string) => void;
}

export function setup(options: SetupOptions = {}) {
  const clock = new ManualClock(T0);
  const network = new FakeLightningNetwork(() => clock.now());
  const receiverNode = network.addNode('receiver');
  const providerNode = network.addNode('provider');
  // A keysend to the channel peer itself crosses no other node: no routing fee.
  receiverNode.routeFeeMsat = 0n;
  providerNode.routeFeeMsat = 0n;
  // $100 at 100 000 USD/BTC is 0.001 BTC = 100 000 000 msat on the receiver's side.
  const receiverMsat = options.receiverBalanceMsat ?? 100_000_000n;
  // Channel capacities are whole sats: the provider's side makes up the rest.
  const providerMsat = 300_000_000n + ((1_000n - (receiverMsat % 1_000n)) % 1_000n);
  const channel: FakeChannel = network.openChannel(receiverNode, providerNode, receiverMsat, providerMsat);
  const oracles = new Oracles(clock);
  const side = (role: 'receiver' | 'provider', node: FakeNode, peer: FakeNode): Side => {
    const dir = mkdtempSync(join(tmpdir(), `ps-round-${role}-`));
    const raw = {
      role,
      stableUsd: '100.00',
      channel: { id: channel.shortChannelId, peerId: peer.id },
      oracles: KEYS.map((publicKey, i) => ({ url: `http://127.0.0.1:1/${i}`, publicKey })),
      threshold: 2,
      maxQuoteAgeMs: 30_000,
      maxSpreadBps: 50,
      minPaymentMsat: '1000',
      maxFeeMsat: '5000',
      receiptGraceMs: 60_000,
      funding: options.funding ?? false,
      // The agreed funding start: the clock's start, the same in both files.
      ...(options.funding ? { fundingStart: new Date(T0).toISOString() } : {}),
      ...(options.maxPaymentMsat ? { maxPaymentMsat: options.maxPaymentMsat } : {}),
      ...options.extra,
      ledgerFile: join(dir, 'settle.sqlite3'),
      lightning: { kind: 'cln-rpc', socket: '/unused' },
    };
    const config = parseClientConfig(raw);
    const configFile = join(dir, 'settle.json');
    writeFileSync(configFile, JSON.stringify(raw));
    options.prepareLedger?.(config.ledgerFile);
    const fake = new FakeNodeBackend(node);
    const ledger = Ledger.open(config.ledgerFile);
    let n = 0;
    const s: Side = {
      node,
      backend: fake,
      fake,
      ledger,
      config,
      configFile,
      logger: pino({ level: 'silent' }),
      round: (dryRun = false) => runRound(deps(dryRun)),
      restart: () => {
        s.ledger.close();
        s.ledger = Ledger.open(config.ledgerFile);
      },
    };
    const deps = (dryRun: boolean): RoundDeps => ({
      config,
      backend: s.backend,
      ledger: dryRun ? dryRunLedger(s.ledger) : s.ledger,
      clock,
      logger: s.logger,
      fetchQuotes: (path) => oracles.fetch(path),
      randomBytes: (size) => {
        n += 1;
        return Uint8Array.from({ length: size }, (_, i) =>
          i === 0 ? n % 256 : i === 1 ? n >> 8 : role === 'receiver' ? 1 : 2,
        );
      },
    });
    return s;
  };
  const receiver = side('receiver', receiverNode, providerNode);
  const provider = side('provider', providerNode, receiverNode);
  return { clock, network, channel, oracles, receiver, provider };
}

export type World = ReturnType<typeof setup>;

/**
 * `backend` with some of its methods replaced: a node that misbehaves in one way. Delegates by
 * name, so it works whatever the fake keeps private.
 */
export function overriding(backend: LightningBackend, methods: Partial<LightningBackend>): LightningBackend {
  return {
    getNodeId: () => backend.getNodeId(),
    getChannel: (id) => backend.getChannel(id),
    keysend: (request) => backend.keysend(request),
    lookupPayment: (hash, hints) => backend.lookupPayment(hash, hints),
    paymentCursor: () => backend.paymentCursor(),
    listReceived: (since) => backend.listReceived(since),
    close: () => backend.close(),
    ...methods,
  };
}

/** Settlement keysends `from` completed toward its channel peer, msat. */
export function settledBy(node: FakeNode): bigint {
  let sum = 0n;
  for (const p of node.payments.values()) if (p.status === 'complete' && p.customRecords['65537']) sum += p.amountMsat;
  return sum;
}
