import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The `sluice` entry point of this checkout, which loads the TypeScript sources through tsx. */
export const CLI_PATH = fileURLToPath(new URL('../../bin/sluice.js', import.meta.url));

export interface CliResult {
  /** Exit code, or null when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Project folder, passed as `--project` and used as the working directory. */
  project: string;
  /** Variables added to the environment of the child process. */
  env?: Record<string, string>;
  /** Extra `node` flags, such as `--max-old-space-size=256`. */
  nodeOptions?: string;
  /** The child is killed with SIGKILL after this long. Default 60 s. */
  timeoutMs?: number;
}

/** A CLI process started in the background, with its output collected as it arrives. */
export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited and its output streams are closed. */
  result: Promise<CliResult>;
}

/**
 * Starts `node bin/sluice.js --project DIR ARGS...` in a child process. The child gets the test's
 * environment with `options.env` added, and NODE_OPTIONS set only from `options.nodeOptions`.
 */
export function startCli(args: string[], options: CliOptions): RunningCli {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, NO_COLOR: '1' };
  if (options.nodeOptions === undefined) delete env.NODE_OPTIONS;
  else env.NODE_OPTIONS = options.nodeOptions;

  const child = spawn(process.execPath, [CLI_PATH, '--project', options.project, ...args], {
    cwd: options.project,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });

  const timeoutMs = options.timeoutMs ?? 60_000;
  const result = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });

  return { child, stdout: () => stdout, stderr: () => stderr, result };
}

/** Runs the CLI to completion and returns its exit code and output. */
export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return startCli(args, options).result;
}

/** Parses the JSON document a `--json` command printed, with the output in the error if it is not JSON. */
export function parseJsonOutput<T = any>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`expected JSON on stdout, got ${describeResult(result)}`);
  }
}

/** Returns the exit code, stdout and stderr as one text, for assertion messages. */
export function describeResult(result: CliResult): string {
  return `exit code ${result.code}, signal ${result.signal}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
}

/** Resolves once `condition` is true, checking every 20 ms, and rejects after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
