/**
 * The slice of autocannon's programmatic API the benchmarks use; the package ships no types.
 * Field names follow autocannon 9 (README, "autocannon(opts[, cb])" and its result object).
 */
declare module 'autocannon' {
  interface Options {
    url: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    pipelining?: number;
    headers?: Record<string, string>;
    /** Seconds to wait for a response before counting a timeout (default 10). */
    timeout?: number;
    /** The requests each connection cycles through; setupRequest may change each one before it is sent. */
    requests?: Array<{ path?: string; setupRequest?: (request: { path: string }) => { path: string } }>;
  }
  /** Summary statistics autocannon reports for a series (latency in ms, requests per second). */
  interface Histogram {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    p50: number;
    p90: number;
    p99: number;
    total: number;
  }
  interface Result {
    url: string;
    connections: number;
    duration: number;
    requests: Histogram;
    latency: Histogram;
    throughput: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
