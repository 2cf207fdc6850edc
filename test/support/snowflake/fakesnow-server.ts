import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '../free-port.js';

/** The install command printed when fakesnow is missing. */
export const FAKESNOW_INSTALL_COMMAND = 'bash .ci/install-snowflake-emulator';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const VENV_EXECUTABLE = path.join(REPO_ROOT, '.emulators/snowflake/venv/bin/fakesnow');
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

export interface FakesnowServer {
  url: URL;
  stop(): Promise<void>;
}

/** Returns the fakesnow executable: `SLUICE_FAKESNOW` if set, else the repository's virtualenv. */
export function findFakesnow(): string | undefined {
  const override = process.env.SLUICE_FAKESNOW;
  if (override) return override;
  return existsSync(VENV_EXECUTABLE) ? VENV_EXECUTABLE : undefined;
}

/** Starts `fakesnow --server` on a free loopback port, with its databases in memory. */
export async function startFakesnow(executable: string): Promise<FakesnowServer> {
  const port = await findFreePort();
  const child = spawn(executable, ['--server', '--host', '127.0.0.1', '--port', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-8000);
  });

  try {
    await waitForPort(port, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`fakesnow did not start on port ${port}. Its output:\n${log}`, { cause: error });
  }
  return { url: new URL(`http://127.0.0.1:${port}`), stop: () => stopChild(child) };
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`fakesnow exited with code ${child.exitCode}`);
    if (await canConnect(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out after ${START_TIMEOUT_MS / 1000} s`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** fakesnow's server stops on SIGINT; a server that does not stop in time is killed. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGINT');
  });
}

