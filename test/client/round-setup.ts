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

/** Three oracles' signed answers at a price, each with its own sequence. */
export class Oracles {
  sequence = 1_000n;
  down = new Set<number>();
  forged = new Set<number>();
  price = usd('100000');
  fundingRate = 0n;
  /** Like the oracle, sign funding once a minute: a round within the minute gets the same quotes. */
  fundingEveryMs = 0;
  /** Serve exactly these bodies next time instead of fresh ones (a replay). */
  replay: FetchedQuote[] | null = null;
  last: FetchedQuote[] = [];
  lastFunding: FetchedQuote[] = [];
  private fundingSignedAt = -Infinity;

  constructor(private readonly clock: ManualClock) {}

  fetch = async (path: '/price' | '/funding'): Promise<FetchedQuote[]> => {
    if (this.replay) return this.replay;
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
  readonly ledger: Ledger;
  readonly config: ClientConfig;
  /** The configuration as a file, for the commands (status, acknowledge). */
  readonly configFile: string;
  logger: Logger;
  round(dryRun?: boolean): ReturnType<typeof runRound>;
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
    };
    const deps = (dryRun: boolean): RoundDeps => ({
      config,
      backend: s.backend,
      ledger: dryRun ? dryRunLedger(ledger) : ledger,
      clock,
      logger: s.logger,
      fetchQuotes: oracles.fetch,
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
