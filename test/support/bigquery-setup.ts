import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { findFreePort } from './free-port.js';

/**
 * Starts one BigQuery emulator (bqemulator, installed by .ci/install-bigquery-emulator) for the
 * whole test run and provides its REST base URL as `bigqueryEndpoint`. Each test isolates its
 * data in datasets of its own. Without the emulator, `bigqueryEndpoint` is empty and the
 * BigQuery suites skip themselves.
 */

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EMULATOR_DIR = path.join(REPO_ROOT, '.emulators', 'bqemulator');
/** Overrides the emulator executable, for an install outside the repository. */
const EXECUTABLE_VARIABLE = 'SLUICE_BQEMULATOR';
export const BIGQUERY_TEST_PROJECT = 'sluice-test';
export const BIGQUERY_INSTALL_HINT = 'run `.ci/install-bigquery-emulator`';

const START_ATTEMPTS = 3;
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 5_000;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const executable = process.env[EXECUTABLE_VARIABLE] || path.join(EMULATOR_DIR, 'venv', 'bin', 'bqemulator');
  if (!existsSync(executable)) {
    console.warn(
      `[bigquery] No BigQuery emulator at ${executable}: the BigQuery tests are skipped. ` +
        `Install it with \`.ci/install-bigquery-emulator\` (or set ${EXECUTABLE_VARIABLE}).`,
    );
    project.provide('bigqueryEndpoint', '');
    return async () => {};
  }

  const emulator = await startEmulator(executable);
  project.provide('bigqueryEndpoint', emulator.url);
  return emulator.stop;
}

interface RunningEmulator {
  url: string;
  stop(): Promise<void>;
}

/** Starts the emulator on free ports, retrying on new ports if another process took them. */
async function startEmulator(executable: string): Promise<RunningEmulator> {
  for (let attempt = 1; ; attempt += 1) {
    const [restPort, grpcPort] = [await findFreePort(), await findFreePort()];
    const child = spawnEmulator(executable, restPort, grpcPort);
    const output = collectOutput(child);
    const url = `http://127.0.0.1:${restPort}`;
    const stop = () => stopProcess(child);
    process.once('exit', () => child.kill('SIGKILL'));

    try {
      await waitUntilServing(url, child);
      return { url, stop };
    } catch (error) {
      await stop();
      if (attempt >= START_ATTEMPTS) {
        throw new Error(`The BigQuery emulator failed to start. Its output:\n${output().slice(-4000)}`, { cause: error });
      }
    }
  }
}

function spawnEmulator(executable: string, restPort: number, grpcPort: number): ChildProcess {
  const args = [
    'start',
    '--rest-host', '127.0.0.1',
    '--rest-port', String(restPort),
    '--grpc-host', '127.0.0.1',
    '--grpc-port', String(grpcPort),
    '--project', BIGQUERY_TEST_PROJECT,
    '--ephemeral',
    '--log-level', 'warning',
  ];
  return spawn(executable, args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      // DuckDB finds the spatial and icu extensions that the install script put under this
      // HOME, so it does not try to download them when the emulator loads them.
      HOME: path.join(EMULATOR_DIR, 'home'),
      // The Avro extension is not installed, and loading it would mean a download.
      BQEMU_ENABLE_FORMAT_EXTENSIONS: 'false',
      BQEMU_TRACING_ENABLED: 'false',
    },
  });
}

function collectOutput(child: ChildProcess): () => string {
  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return () => output;
}

async function waitUntilServing(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  const probe = `${url}/bigquery/v2/projects/${BIGQUERY_TEST_PROJECT}/datasets`;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the emulator exited with code ${child.exitCode}`);
    const response = await fetch(probe).catch(() => undefined);
    if (response?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the emulator did not respond to ${probe} within ${START_TIMEOUT_MS / 1000} s`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}


declare module 'vitest' {
  export interface ProvidedContext {
    /** REST base URL of the test run's BigQuery emulator, or '' without one. */
    bigqueryEndpoint: string;
  }
}
