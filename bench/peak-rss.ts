import { readFileSync } from 'node:fs';

const BYTES_PER_MB = 1024 * 1024;
const SAMPLE_INTERVAL_MS = 10;

/** Peak memory of a child process, in MB. */
export interface PeakMemory {
  /** Peak RSS: VmHWM where Linux provides it, else the sampled peak. */
  peakMb: number;
  sampledPeakMb: number;
  source: 'VmHWM' | 'sampled';
  /** Largest sampled V8 heap in use: the share of the peak that JavaScript objects take. */
  peakHeapUsedMb: number;
}

/**
 * Tracks the resident set size of this process. Linux records the peak itself as VmHWM in
 * /proc/self/status, which also catches peaks between samples and memory held by native code
 * such as DuckDB. The sampler is a cross-check, the fallback where /proc is missing, and the
 * only source for the V8 heap figure.
 */
export class PeakRss {
  #sampledMaxBytes = 0;
  #heapUsedMaxBytes = 0;
  readonly #timer: NodeJS.Timeout;

  constructor() {
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), SAMPLE_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Stops sampling and returns the peak RSS in MB, from VmHWM where Linux provides it. */
  stop(): PeakMemory {
    this.#sample();
    clearInterval(this.#timer);
    const sampledPeakMb = this.#sampledMaxBytes / BYTES_PER_MB;
    const peakHeapUsedMb = this.#heapUsedMaxBytes / BYTES_PER_MB;
    const highWaterKb = readHighWaterMarkKb();
    if (highWaterKb === undefined) return { peakMb: sampledPeakMb, sampledPeakMb, source: 'sampled', peakHeapUsedMb };
    return { peakMb: highWaterKb / 1024, sampledPeakMb, source: 'VmHWM', peakHeapUsedMb };
  }

  #sample(): void {
    const usage = process.memoryUsage();
    this.#sampledMaxBytes = Math.max(this.#sampledMaxBytes, usage.rss);
    this.#heapUsedMaxBytes = Math.max(this.#heapUsedMaxBytes, usage.heapUsed);
  }
}

function readHighWaterMarkKb(): number | undefined {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Marks the line of a child's stdout that carries its result, so other output cannot be mistaken for it. */
export const RESULT_PREFIX = 'BENCH_RESULT ';

/** Writes a child's result as one JSON line for the parent to read. */
export function printResult(result: object): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}
