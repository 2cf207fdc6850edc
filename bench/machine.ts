import os from 'node:os';
import { DuckDBAdapter } from '../src/warehouse/duckdb/duckdb-adapter.js';

/** The machine and software a benchmark ran on, recorded beside its numbers. */
export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  platform: string;
  node: string;
  duckdb: string;
  /** The 1-minute load average when the benchmark started. Other processes inflate wall times. */
  loadAverageAtStart: number;
  date: string;
}

export async function describeMachine(): Promise<MachineInfo> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    duckdb: await duckdbVersion(),
    loadAverageAtStart: os.loadavg()[0]!,
    date: new Date().toISOString(),
  };
}

async function duckdbVersion(): Promise<string> {
  const warehouse = await DuckDBAdapter.open({ path: ':memory:' });
  try {
    const rows = await warehouse.query('SELECT version() AS version');
    return String(rows[0]?.version ?? 'unknown');
  } finally {
    await warehouse.close();
  }
}
