/** The oracle's Prometheus metrics, registered once on the registry that /metrics serves. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface OracleMetrics {
  readonly ticks: Counter<'kind' | 'pair' | 'outcome'>;
  readonly tickSeconds: Histogram<'kind'>;
  readonly indexPrice: Gauge<'pair'>;
  readonly lastSignedSeconds: Gauge<'kind'>;
  readonly sequence: Gauge;
  readonly sourceVerdict: Gauge<'kind' | 'source' | 'verdict'>;
  readonly fetches: Counter<'source' | 'outcome'>;
  readonly fetchSeconds: Histogram<'source'>;
}

export function createOracleMetrics(registry: Registry): OracleMetrics {
  const registers = [registry];
  return {
    ticks: new Counter({
      name: 'peer_stables_ticks_total',
      help: 'Ticks by kind of figure and outcome (signed or refused)',
      labelNames: ['kind', 'pair', 'outcome'],
      registers,
    }),
    tickSeconds: new Histogram({
      name: 'peer_stables_tick_duration_seconds',
      help: 'Time of one tick: aggregate, encode, sign, store',
      labelNames: ['kind'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers,
    }),
    indexPrice: new Gauge({
      name: 'peer_stables_index_price',
      help: 'Last signed index price, for dashboards only (the signed value is the integer in /price)',
      labelNames: ['pair'],
      registers,
    }),
    lastSignedSeconds: new Gauge({
      name: 'peer_stables_last_signed_timestamp_seconds',
      help: 'Observation time of the last signed attestation',
      labelNames: ['kind'],
      registers,
    }),
    sequence: new Gauge({
      name: 'peer_stables_sequence',
      help: 'Sequence number of the last signed attestation',
      registers,
    }),
    sourceVerdict: new Gauge({
      name: 'peer_stables_source_verdict',
      help: '1 for the verdict each source got on the last tick of a kind, 0 for the others',
      labelNames: ['kind', 'source', 'verdict'],
      registers,
    }),
    fetches: new Counter({
      name: 'peer_stables_fetch_total',
      help: 'Exchange fetches by outcome',
      labelNames: ['source', 'outcome'],
      registers,
    }),
    fetchSeconds: new Histogram({
      name: 'peer_stables_fetch_duration_seconds',
      help: 'Exchange fetch latency',
      labelNames: ['source'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8],
      registers,
    }),
  };
}
