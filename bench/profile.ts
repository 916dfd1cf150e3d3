/**
 * Where the express app spends its CPU while serving /price: a V8 CPU profile of the server
 * process under load, with self time summed by package (node_modules/<name>), by our own source
 * files, and by Node internals. Shares of the server's own CPU do not depend on what else the
 * machine is doing, unlike requests per second. Not part of `npm run bench`:
 *
 *   npx tsx bench/profile.ts          (BENCH_SECONDS, BENCH_CONNECTIONS as in run.ts;
 *                                      BENCH_PROFILE_TOP=30 also lists the 30 hottest functions)
 */
import { Session, type Profiler } from 'node:inspector';
import { positiveIntegerFromEnv } from './env.js';
import { benchAttestation, runLoad, startExpressTarget } from './http.js';

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T)));
  });
}

/** Which bucket a profiled function's self time belongs to. */
function bucketOf(url: string, functionName: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  if (url.includes('/src/')) return `ours: ${url.slice(url.indexOf('/src/') + 1)}`;
  if (url.startsWith('node:')) return 'node internals (http, net, streams)';
  if (url === '')
    return functionName === '(idle)' || functionName === '(program)' || functionName === '(garbage collector)'
      ? functionName
      : 'native / builtins';
  return url;
}

/** The `count` functions with the most self time (BENCH_PROFILE_TOP=count), for a closer look. */
function printTopFunctions(profile: Profiler.Profile, hits: ReadonlyMap<number, number>, count: number): void {
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + (hits.get(node.id) ?? 0));
  }
  for (const [key, n] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, count))
    console.log(`${String(n).padStart(6)} samples  ${key.slice(0, 120)}`);
}

async function main(): Promise<void> {
  const seconds = positiveIntegerFromEnv('BENCH_SECONDS', 5);
  const connections = positiveIntegerFromEnv('BENCH_CONNECTIONS', 50);
  const top = positiveIntegerFromEnv('BENCH_PROFILE_TOP', 0);
  const target = await startExpressTarget(benchAttestation(Date.now()));
  const session = new Session();
  session.connect();
  try {
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: 200 });
    await post(session, 'Profiler.start');
    const load = await runLoad({ url: `${target.url}/price`, connections, warmupSeconds: 1, seconds });
    const { profile } = await post<{ profile: Profiler.Profile }>(session, 'Profiler.stop');
    const hits = new Map<number, number>();
    for (const id of profile.samples ?? []) hits.set(id, (hits.get(id) ?? 0) + 1);
    const buckets = new Map<string, number>();
    for (const node of profile.nodes) {
      const key = bucketOf(node.callFrame.url, node.callFrame.functionName);
      buckets.set(key, (buckets.get(key) ?? 0) + (hits.get(node.id) ?? 0));
    }
    if (top > 0) printTopFunctions(profile, hits, top);
    const busy = [...buckets].filter(([k]) => k !== '(idle)');
    const total = busy.reduce((a, [, n]) => a + n, 0);
    console.log(`${load.requestsPerSecond.toFixed(0)} req/s while profiling; share of the server's busy CPU:`);
    for (const [name, n] of busy.sort((a, b) => b[1] - a[1])) {
      if (n / total >= 0.005) console.log(`${((n / total) * 100).toFixed(1).padStart(5)} %  ${name}`);
    }
  } finally {
    session.disconnect();
    await target.close();
  }
}

main().catch((err: unknown) => {
  console.error(`profile failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
