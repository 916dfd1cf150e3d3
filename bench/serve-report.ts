/** Prints the serving benchmark (bench/serve.ts) as tables, with the ratios to the idle baseline. */
import { TICK_TARGET_MS, type EndpointCost, type ServingResult } from './serve.js';
import { fixed, table } from './format.js';
import type { LoadedWindow } from './serve-run.js';

function latenessRow(name: string, w: LoadedWindow, idle: LoadedWindow): string[] {
  const l = w.lateness;
  const ratio = (a: number, b: number): string => (b > 0 ? `${fixed(a / b, 1)}x` : '-');
  return [
    name,
    `${l.ticksMs.length}`,
    `${fixed(l.tickMaxMs, 1)} ms`,
    l.ticksMs.map((t) => fixed(t, 0)).join(' '),
    `${fixed(l.tickLongestRunMs, 1)} ms`,
    `${fixed(l.loopDelayP99Ms, 1)} ms`,
    `${fixed(l.loopDelayMaxMs, 1)} ms`,
    w === idle ? 'baseline' : ratio(l.loopDelayMaxMs, idle.lateness.loopDelayMaxMs),
    `${fixed(w.serverCpuMs / 10 / w.seconds, 0)} %`,
  ];
}

function endpointRows(w: LoadedWindow): string[][] {
  return (w.load?.endpoints ?? []).map((e) => [
    e.name,
    fixed(e.requestsPerSecond, e.requestsPerSecond < 10 ? 1 : 0),
    `${e.latencyP50Ms} ms`,
    `${e.latencyP99Ms} ms`,
    `${e.latencyMaxMs} ms`,
    `${e.non2xx + e.errors + e.timeouts}`,
  ]);
}

export function printServing(r: ServingResult, connections: number, streams: number): void {
  const db = r.database;
  console.log(
    `\nServing under load: ${db.days}-day database, ${fixed(db.attestations)} attestations, ` +
      `${db.dlcAnnounced} DLC events (${db.dlcAttested} attested), ${fixed(db.bytes / 2 ** 20)} MiB`,
  );
  console.log(
    `built in ${fixed(db.buildSeconds)} s; the longest hourly DLC pass while building (an announcement and an ` +
      `attestation, run in one piece: a running oracle takes it a step per turn, see below) took ` +
      `${fixed(db.longestDlcPassMs)} ms`,
  );
  console.log('/history page statements (EXPLAIN QUERY PLAN on this database):');
  for (const [name, plan] of Object.entries(r.plans)) console.log(`  ${name.padEnd(16)} ${plan}`);
  console.log(
    '\nLateness of the signing tick (every 5 s) and of a 10 ms timer (monitorEventLoopDelay); ' +
      `${connections} connections per endpoint, ${streams} /stream`,
  );
  console.log(
    table([
      ['window', 'ticks', 'tick max', 'each tick (ms)', 'longest tick', 'timer p99', 'timer max', 'max vs idle', 'CPU'],
      latenessRow('idle (baseline)', r.idle, r.idle),
      latenessRow('every endpoint at once', r.everything, r.idle),
      latenessRow('every endpoint but /dlc', r.withoutDlc, r.idle),
    ]),
  );
  console.log(`target: no tick and no timer more than ${TICK_TARGET_MS} ms late`);
  console.log(`  every endpoint at once:  ${r.verdicts.everything}`);
  console.log(`  every endpoint but /dlc: ${r.verdicts.withoutDlc}`);
  const head = ['endpoint', 'req/s', 'p50', 'p99', 'max', 'failed'];
  console.log('\nEach endpoint while every endpoint is loaded');
  console.log(table([head, ...endpointRows(r.everything)]));
  const streamed = r.everything.load;
  console.log(`/stream: ${streamed?.streamsOpen ?? 0} open, ${streamed?.streamEvents ?? 0} events received`);
  console.log('\nEach endpoint while every endpoint but /dlc is loaded');
  console.log(table([head, ...endpointRows(r.withoutDlc)]));
  const [small, large] = r.growthDays;
  if (small === undefined || large === undefined) return;
  console.log(`\nEach endpoint alone (one connection): server CPU per request and p50, ${small} vs ${large} days`);
  const rows = r.growth.map((g) => {
    const a = g.byDays[small];
    const b = g.byDays[large];
    if (!a || !b) return [g.endpoint, '-', '-', '-', '-', '-'];
    const ratio = `${fixed(b.cpuUsPerRequest / a.cpuUsPerRequest, 2)}x`;
    const cpu = (c: EndpointCost): string => `${fixed(c.cpuUsPerRequest)} us`;
    return [g.endpoint, cpu(a), cpu(b), ratio, `${a.p50Ms} ms`, `${b.p50Ms} ms`];
  });
  const growthHead = ['endpoint', `CPU ${small} d`, `CPU ${large} d`, 'ratio', `p50 ${small} d`, `p50 ${large} d`];
  console.log(table([growthHead, ...rows]));
}
