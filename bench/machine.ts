/** What the numbers were measured on: printed with every run and stored with the results. */
import * as os from 'node:os';

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly platform: string;
  readonly totalMemoryGiB: number;
  /** 1-minute load average when the run started: a busy machine explains noisy numbers. */
  readonly loadAverage1m: number;
}

/** Describes this machine and runtime. Throws nothing. */
export function machineInfo(): MachineInfo {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage1m: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}
