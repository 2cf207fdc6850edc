/** Wall and CPU time of one measured call. CPU time sums every thread of this process. */
export interface Timing {
  wallSeconds: number;
  cpuSeconds: number;
}

/** Runs `body` and measures its wall time and this process's CPU time (user + system). */
export async function timed<T>(body: () => Promise<T>): Promise<{ result: T; timing: Timing }> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await body();
  const wallSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { result, timing: { wallSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 } };
}

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Median wall and CPU seconds of several timings, each taken separately. */
export function medianTiming(timings: Timing[]): Timing {
  return {
    wallSeconds: median(timings.map((timing) => timing.wallSeconds)),
    cpuSeconds: median(timings.map((timing) => timing.cpuSeconds)),
  };
}

/** Rounds to `digits` decimals, for results.json and the printed table. */
export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
