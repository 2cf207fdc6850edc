import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const SAMPLE_INTERVAL_MS = 10;

export interface WatchedProcess {
  /** Largest VmHWM read while the process ran, in MB: Linux's own record of its peak RSS. */
  peakMb: number;
  /** CPU seconds (user + system) of the process, from /proc at the last sample. */
  cpuSeconds: number;
  wallSeconds: number;
  stdout: string;
}

/**
 * Runs a command and samples its memory from outside, so the measured program needs no
 * instrumentation and runs exactly as a user runs it. VmHWM only grows, so a peak between two
 * samples is still caught by the next one; only the last few milliseconds before exit go unseen.
 * Rejects with the process's stderr when it exits with a code other than 0.
 */
export function watchProcess(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<WatchedProcess> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    let peakKb = 0;
    let cpuTicks = 0;
    const sample = () => {
      const status = readProc(child.pid, 'status');
      if (status === undefined) return;
      peakKb = Math.max(peakKb, field(status, 'VmHWM'));
      cpuTicks = cpuTicksOf(readProc(child.pid, 'stat')) ?? cpuTicks;
    };
    const timer = setInterval(sample, SAMPLE_INTERVAL_MS);
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', (error) => {
      clearInterval(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearInterval(timer);
      if (code !== 0) {
        reject(new Error(`${args.join(' ')} exited with code ${code}:\n${stderr.trim().slice(-4000) || stdout.trim().slice(-4000)}`));
        return;
      }
      resolve({
        peakMb: peakKb / 1024,
        cpuSeconds: cpuTicks / CLOCK_TICKS_PER_SECOND,
        wallSeconds: (performance.now() - started) / 1000,
        stdout,
      });
    });
  });
}

/** USER_HZ, which Linux fixes at 100 on every architecture Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;

function readProc(pid: number | undefined, file: string): string | undefined {
  if (pid === undefined) return undefined;
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

function field(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
}

/** utime + stime from /proc/PID/stat; the command name in parentheses may contain spaces. */
function cpuTicksOf(stat: string | undefined): number | undefined {
  if (stat === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the name start at state (3); utime and stime are fields 14 and 15.
  return Number(fields[11]) + Number(fields[12]);
}
