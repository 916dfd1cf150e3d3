/**
 * `npm run bench`: every benchmark in one run, each beside its baseline, on this machine.
 *
 *   1. GET /price through the real express app vs a bare node:http server sending the same bytes
 *      and caching headers (autocannon in a child process, loopback only).
 *   2. CPU time of one tick (aggregate + commitSources + signAttestation + toJson) vs aggregate
 *      alone, for 5, 20 and 100 sources.
 *   3. Verifications per second: verifyJson vs a bare BIP340 verify.
 *   4. Serving under load (bench/serve.ts): a whole oracle over a 30-day database with every
 *      endpoint loaded at its largest page at once; how late its signing ticks run, against the
 *      same oracle idle; each endpoint's cost on a 1-day and a 30-day database.
 *   5. One DLC pass (bench/dlc-pass.ts) a step per turn, as a running oracle runs it, against the
 *      same pass in one piece: how late a timer runs meanwhile.
 *   6. A settlement round on Core Lightning (bench/cln-round.ts) after a long payment history,
 *      against the same after a short one: its cost must not grow with the node's history.
 *
 * Prints a table and writes bench/results/latest.json. Settings (environment):
 *   BENCH_SECONDS (10)  seconds of load per HTTP target, after BENCH_WARMUP_SECONDS (2)
 *   BENCH_CONNECTIONS (50)  concurrent connections
 *   BENCH_CPU_MS (1500)  time budget per CPU case (at least 200 calls are timed regardless)
 *   BENCH_SERVE_SECONDS (30)  seconds of each serving window (idle, loaded, loaded but /dlc)
 *   BENCH_SERVE_CONNECTIONS (4)  connections per endpoint; BENCH_SERVE_STREAMS (100) /stream clients
 *   BENCH_GROWTH_SECONDS (3)  seconds of each endpoint alone on each database size
 *   BENCH_CLN_HISTORY (20000)  past payments on the long-history Core Lightning node (short: 200)
 *   BENCH_CLN_STEPS (10)  price falls settled per history (3 rounds each)
 * See docs/BENCHMARKS.md for what each number means.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { benchTicks, benchVerify, type TickResult, type VerifyResult } from './cpu.js';
import {
  benchAttestation,
  fetchReference,
  runLoad,
  startBareTarget,
  startExpressTarget,
  type LoadResult,
} from './http.js';
import { positiveIntegerFromEnv } from './env.js';
import { fixed, table } from './format.js';
import { machineInfo } from './machine.js';
import { benchDlcPass, type DlcPassResult, type DlcPassTiming } from './dlc-pass.js';
import { CLN_HISTORY_TARGET_RATIO, benchClnRound, type ClnRoundCost, type ClnRoundResult } from './cln-round.js';
import { benchServing } from './serve.js';
import { printServing } from './serve-report.js';
import type { Timing } from './stats.js';

/** The design's bar: the app serves /price at no less than half of bare node:http. */
const TARGET_RATIO = 0.5;
const SOURCE_COUNTS = [5, 20, 100] as const;

interface HttpResult {
  readonly express: LoadResult;
  readonly bare: LoadResult;
  /** express req/s over bare req/s: the figure the target is stated in. */
  readonly ratio: number;
  /** bare server CPU per request over express server CPU per request: the same question, load-independent. */
  readonly cpuRatio: number;
  readonly verdict: 'PASS' | 'MISS';
}

async function benchHttp(settings: {
  connections: number;
  seconds: number;
  warmupSeconds: number;
}): Promise<HttpResult> {
  const published = benchAttestation(Date.now());
  const app = await startExpressTarget(published);
  try {
    const reference = await fetchReference(`${app.url}/price`);
    if (!reference.body.equals(published.body))
      throw new Error('the app served other bytes than the published attestation');
    const bare = await startBareTarget(reference.body, reference.headers);
    try {
      // One target at a time: the two servers must not compete for the cores.
      const expressLoad = await runLoad({ url: `${app.url}/price`, ...settings });
      const bareLoad = await runLoad({ url: `${bare.url}/price`, ...settings });
      const ratio = expressLoad.requestsPerSecond / bareLoad.requestsPerSecond;
      const cpuRatio = bareLoad.serverCpuUsPerRequest / expressLoad.serverCpuUsPerRequest;
      return {
        express: expressLoad,
        bare: bareLoad,
        ratio,
        cpuRatio,
        verdict: ratio >= TARGET_RATIO ? 'PASS' : 'MISS',
      };
    } finally {
      await bare.close();
    }
  } finally {
    await app.close();
  }
}

const us = (n: number): string => `${fixed(n, n < 100 ? 1 : 0)} us`;

function timingRow(name: string, t: Timing): string[] {
  return [name, us(t.meanUs), us(t.p50Us), us(t.p99Us), fixed(t.perSecond), fixed(t.iterations)];
}

function printHttp(h: HttpResult, connections: number, seconds: number): void {
  console.log(
    `\nGET /price, ${connections} connections, ${seconds} s each after warm-up (load generator in a child process on the same cores)`,
  );
  const row = (name: string, r: LoadResult): string[] => [
    name,
    fixed(r.requestsPerSecond),
    `${r.latencyP50Ms} ms`,
    `${r.latencyP99Ms} ms`,
    fixed(r.requests),
    us(r.serverCpuUsPerRequest),
  ];
  console.log(
    table([
      ['server', 'req/s', 'p50', 'p99', 'requests', 'server CPU/req'],
      row('oracle server (createApp + startServer)', h.express),
      row('bare node:http (baseline)', h.bare),
    ]),
  );
  console.log(`server / bare throughput = ${h.ratio.toFixed(2)} (target >= ${TARGET_RATIO}): ${h.verdict}`);
  console.log(
    `bare / express server CPU per request = ${h.cpuRatio.toFixed(2)} (the same ratio, measured without the load generator's share)`,
  );
}

function printTicks(ticks: readonly TickResult[]): void {
  console.log('\nOne tick: aggregate + commitSources + signAttestation + toJson, vs aggregate alone');
  const rows: string[][] = [['case', 'mean', 'p50', 'p99', 'per s', 'calls']];
  for (const t of ticks) {
    rows.push(
      timingRow(`aggregate, ${t.sources} sources`, t.aggregate),
      timingRow(`tick, ${t.sources} sources`, t.tick),
    );
  }
  console.log(table(rows));
  for (const t of ticks)
    console.log(
      `${t.sources} sources: everything but aggregate takes ${(t.signingShare * 100).toFixed(1)} % of a tick`,
    );
}

function printVerify(v: VerifyResult): void {
  console.log('\nVerifying one attestation');
  console.log(
    table([
      ['case', 'mean', 'p50', 'p99', 'per s', 'calls'],
      timingRow('verifyJson (parse + encode + verify)', v.verifyJson),
      timingRow('schnorr.verify (baseline)', v.schnorrVerify),
    ]),
  );
  console.log(
    `verifyJson / schnorr.verify throughput = ${(v.verifyJson.perSecond / v.schnorrVerify.perSecond).toFixed(2)}`,
  );
}

function printDlcPass(r: DlcPassResult): void {
  const { announced, attested } = r.inTurns;
  console.log(`\nOne DLC pass (${announced} events announced, ${attested} attested) and a 10 ms timer meanwhile`);
  const row = (name: string, t: DlcPassTiming): string[] => [
    name,
    `${fixed(t.wallMs, 1)} ms`,
    `${fixed(t.timerMaxMs, 1)} ms`,
  ];
  console.log(
    table([
      ['run', 'wall time', 'timer late, max'],
      row('pass() in one piece (baseline)', r.inOnePiece),
      row('a step per turn, as a running oracle', r.inTurns),
    ]),
  );
  const verdict = r.inTurns.timerMaxMs <= 50 ? 'PASS' : 'MISS';
  console.log(`target: the DLC pass makes no timer more than 50 ms late: ${verdict}`);
}

function printClnRound(r: ClnRoundResult): void {
  console.log('\nA settlement step on Core Lightning (receiver expects, provider pays, receiver receives)');
  const row = (name: string, c: ClnRoundCost): string[] => [
    name,
    fixed(c.history),
    `${fixed(c.msPerStep, 1)} ms`,
    fixed(c.bytesPerStep),
  ];
  console.log(
    table([
      ['node history', 'past payments', 'wall time/step', 'bytes answered/step'],
      row('short (baseline)', r.short),
      row('long', r.long),
    ]),
  );
  console.log(
    `long / short: time ${r.timeRatio.toFixed(2)}, bytes ${r.bytesRatio.toFixed(2)} ` +
      `(target <= ${CLN_HISTORY_TARGET_RATIO}): ${r.verdict}`,
  );
}

async function main(): Promise<void> {
  const seconds = positiveIntegerFromEnv('BENCH_SECONDS', 10);
  const warmupSeconds = positiveIntegerFromEnv('BENCH_WARMUP_SECONDS', 2);
  const connections = positiveIntegerFromEnv('BENCH_CONNECTIONS', 50);
  const cpuMs = positiveIntegerFromEnv('BENCH_CPU_MS', 1500);
  const machine = machineInfo();
  console.log(
    `${machine.cpu}, ${machine.cores} cores, ${machine.totalMemoryGiB} GiB, Node ${machine.node}, ${machine.platform}, load ${machine.loadAverage1m}`,
  );

  const http = await benchHttp({ connections, seconds, warmupSeconds });
  printHttp(http, connections, seconds);
  const budget = { warmup: 20, minIterations: 200, maxIterations: 1_000_000, budgetMs: cpuMs };
  const ticks = benchTicks(SOURCE_COUNTS, budget);
  printTicks(ticks);
  const verify = benchVerify(budget);
  printVerify(verify);
  const serving = {
    seconds: positiveIntegerFromEnv('BENCH_SERVE_SECONDS', 30),
    connections: positiveIntegerFromEnv('BENCH_SERVE_CONNECTIONS', 4),
    streams: positiveIntegerFromEnv('BENCH_SERVE_STREAMS', 100),
    growthSeconds: positiveIntegerFromEnv('BENCH_GROWTH_SECONDS', 3),
  };
  const serve = await benchServing(serving, (line) => console.log(`  ${line}`));
  printServing(serve, serving.connections, serving.streams);
  const dlcPass = await benchDlcPass();
  printDlcPass(dlcPass);
  const clnRound = await benchClnRound({
    shortHistory: 200,
    longHistory: positiveIntegerFromEnv('BENCH_CLN_HISTORY', 20_000),
    steps: positiveIntegerFromEnv('BENCH_CLN_STEPS', 10),
  });
  printClnRound(clnRound);

  const out = new URL('./results/', import.meta.url);
  mkdirSync(out, { recursive: true });
  const file = new URL('latest.json', out);
  const settings = { seconds, warmupSeconds, connections, cpuMs, serving };
  const result = { at: new Date().toISOString(), machine, settings, http, ticks, verify, serve, dlcPass, clnRound };
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote ${file.pathname}`);
}

main().catch((err: unknown) => {
  console.error(`benchmark failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
