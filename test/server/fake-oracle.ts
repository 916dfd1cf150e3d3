/**
 * Hand-made stand-ins for the oracle service: an OracleState the test publishes into and a
 * history that records the queries it receives. No signer involved: the HTTP layer only
 * moves bytes, so fixed hex strings serve as signatures; serialisation is the service's own.
 */
import { Registry } from 'prom-client';
import type { AttestationJson, AttestationKind } from '../../src/attest/types.js';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/log.js';
import { publish } from '../../src/oracle/publish.js';
import { configSchema } from '../../src/config/schema.js';
import { createApp, startServer, type AppDeps, type RunningServer, type ServerConfig } from '../../src/server/app.js';
import type { HistoryPage, HistoryPageQuery, HistoryPages } from '../../src/store/types.js';
import type { OracleInfo, OracleState, PublishedAttestation, Refusal, SourcesReport } from '../../src/server/types.js';

export const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
export const TICK_MS = 5_000;
const PUBLIC_KEY = 'ab'.repeat(32);

export function attestation(
  sequence: number,
  observedAt: number,
  kind: AttestationKind = 'index_price',
): AttestationJson {
  return {
    version: 1,
    kind,
    pair: 'BTC/USD',
    value: String(6_543_210_000_000 + sequence),
    exponent: -8,
    observedAt: String(observedAt),
    sequence: String(sequence),
    sourceCount: 5,
    dispersionPpm: 120,
    sourcesCommitment: 'cd'.repeat(32),
    publicKey: PUBLIC_KEY,
    signature: 'ef'.repeat(64),
  };
}

export class FakeState implements OracleState {
  private readonly latestByKind = new Map<AttestationKind, PublishedAttestation>();
  private readonly refusals = new Map<AttestationKind, Refusal>();
  private readonly listeners = new Set<(p: PublishedAttestation) => void>();

  latest(kind: AttestationKind): PublishedAttestation | null {
    return this.latestByKind.get(kind) ?? null;
  }
  lastRefusal(kind: AttestationKind): Refusal | null {
    return this.refusals.get(kind) ?? null;
  }
  sources(): SourcesReport {
    return {
      at: T0,
      markets: [
        {
          kind: 'index_price',
          pair: 'BTC/USD',
          at: T0,
          ok: true,
          price: '6543210000000',
          exponent: -8,
          reason: null,
          sources: [],
        },
      ],
    };
  }
  info(): OracleInfo {
    return {
      name: 'test oracle',
      softwareVersion: '0.1.0',
      protocolVersion: 1,
      publicKey: PUBLIC_KEY,
      tag: 'peer-stables/attestation/v1',
      kinds: ['index_price'],
      pair: 'BTC/USD',
      exponent: -8,
      tickIntervalMs: TICK_MS,
      methodology: 'median of medians',
      config: { quorum: 3 },
    };
  }
  subscribe(listener: (p: PublishedAttestation) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Publishes like the service does after signing: becomes latest, then notifies listeners. */
  publish(json: AttestationJson): PublishedAttestation {
    const published = publish(json);
    this.latestByKind.set(json.kind as AttestationKind, published);
    for (const listener of this.listeners) listener(published);
    return published;
  }
  refuse(kind: AttestationKind, refusal: Refusal): void {
    this.refusals.set(kind, refusal);
  }
  get listenerCount(): number {
    return this.listeners.size;
  }
}

/** Pages over `rows` in array order (row id = index + 1), cut by count only; records each query. */
export class FakeHistory implements HistoryPages {
  readonly queries: HistoryPageQuery[] = [];
  constructor(public rows: AttestationJson[] = []) {}
  page(query: HistoryPageQuery): HistoryPage {
    this.queries.push(query);
    const matching = this.rows
      .map((a, i) => ({ a, id: BigInt(i + 1) }))
      .filter(({ a }) => Number(a.observedAt) >= query.from && Number(a.observedAt) <= query.to)
      .filter(({ a }) => query.kind === undefined || a.kind === query.kind)
      .filter(({ a, id }) => query.afterId === undefined || Number(a.observedAt) > query.from || id > query.afterId);
    const kept = matching.slice(0, query.limit);
    const last = kept[kept.length - 1];
    const next = matching.length > kept.length && last ? { observedAt: Number(last.a.observedAt), id: last.id } : null;
    return { count: kept.length, json: Buffer.from(kept.map(({ a }) => JSON.stringify(a)).join(',')), next };
  }
}

export interface Harness {
  readonly url: string;
  readonly state: FakeState;
  readonly history: FakeHistory;
  readonly clock: ManualClock;
  readonly registry: Registry;
  close(): Promise<void>;
}

/** The configuration's own defaults for the /stream caps: the harness writes none of its own. */
export function streamLimits(): Pick<ServerConfig, 'maxStreams' | 'maxStreamsPerClient'> {
  const { maxStreams, maxStreamsPerClient } = configSchema.shape.server.parse(undefined);
  return { maxStreams, maxStreamsPerClient };
}

/** Starts the real app on 127.0.0.1:0 over fresh fakes; `config` overrides the defaults, `extra` adds a dashboard. */
export async function startHarness(
  config: Partial<ServerConfig> = {},
  extra: Pick<AppDeps, 'dashboard'> = {},
): Promise<Harness> {
  const state = new FakeState();
  const history = new FakeHistory();
  const clock = new ManualClock(T0);
  const registry = new Registry();
  const app = createApp({
    ...extra,
    state,
    history,
    registry,
    clock,
    logger: silentLogger,
    config: {
      ...streamLimits(),
      rateLimit: { windowMs: 60_000, max: 10_000 },
      trustProxy: false,
      maxHistoryLimit: 500,
      tickIntervalMs: TICK_MS,
      ...config,
    },
  });
  const server: RunningServer = await startServer(app, { host: '127.0.0.1', port: 0 });
  return { url: server.url, state, history, clock, registry, close: () => server.close() };
}

/** Asserts the one error shape and that nothing resembling a stack trace leaked. */
export async function errorBody(res: Response): Promise<{ code: string; message: string } & Record<string, unknown>> {
  const text = await res.text();
  if (/\bat .+:\d+:\d+|node_modules|\.ts\b/.test(text)) throw new Error(`error body leaks internals: ${text}`);
  const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
  const error = parsed.error;
  if (
    error === undefined ||
    typeof error.code !== 'string' ||
    typeof error.message !== 'string' ||
    Object.keys(parsed).length !== 1
  ) {
    throw new Error(`not the error shape: ${text}`);
  }
  return error as { code: string; message: string } & Record<string, unknown>;
}
