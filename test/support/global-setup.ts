import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { appendFile, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { findFreePort } from './free-port.js';

/**
 * Starts one real PostgreSQL server for the whole test run and provides a superuser URL to its
 * `postgres` database as `postgresUrl`. Tests create their own databases or schemas from it
 * (see postgres.ts). When no server binaries are installed, `postgresUrl` is empty and the
 * suites that need Postgres skip themselves.
 */

const execFileAsync = promisify(execFile);

const DEBIAN_POSTGRES_ROOT = '/usr/lib/postgresql';
const SUPERUSER = 'postgres';
/** System user that runs initdb and postgres when the tests run as root, which both reject. */
const SERVER_OS_USER = 'postgres';
const START_ATTEMPTS = 5;
const START_TIMEOUT_SECONDS = 60;

/*
 * The server holds only throwaway test data, so durability is traded for speed. Connections are
 * raised above the default 100 because test workers, their knex pools and the child processes
 * of the lock tests all connect at once.
 */
const SERVER_SETTINGS: Record<string, string> = {
  listen_addresses: "'127.0.0.1'",
  max_connections: '300',
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
};

interface PostgresServer {
  url: string;
  stop(): Promise<void>;
}

/** Runs a server binary as the current user, or through runuser as `postgres` when root. */
interface CommandRunner {
  run(binary: string, args: string[]): Promise<void>;
  runSync(binary: string, args: string[]): void;
  /** Hands a file or folder to the user that runs the server. */
  giveAway(file: string): Promise<void>;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const binDir = findPostgresBinDir();
  if (binDir === undefined) {
    console.warn(
      '[postgres] No PostgreSQL server binaries found (looked in /usr/lib/postgresql/*/bin and ' +
        'on PATH): the Postgres tests are skipped. Install them with `apt-get install postgresql`.',
    );
    project.provide('postgresUrl', '');
    return async () => {};
  }

  const server = await startPostgres(binDir);
  project.provide('postgresUrl', server.url);
  return () => server.stop();
}

/** Returns the bin folder of the newest Debian-packaged version, else the one on PATH. */
function findPostgresBinDir(): string | undefined {
  const versions = existsSync(DEBIAN_POSTGRES_ROOT) ? readdirSync(DEBIAN_POSTGRES_ROOT) : [];
  const newestFirst = versions
    .filter((version) => /^\d+(\.\d+)?$/.test(version))
    .sort((a, b) => Number(b) - Number(a));

  const candidates = newestFirst.map((version) => path.join(DEBIAN_POSTGRES_ROOT, version, 'bin'));
  candidates.push(...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean));

  return candidates.find((dir) =>
    ['initdb', 'pg_ctl', 'postgres'].every((binary) => existsSync(path.join(dir, binary))),
  );
}

async function startPostgres(binDir: string): Promise<PostgresServer> {
  const runner = createRunner();
  const baseDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-postgres-'));
  const dataDir = path.join(baseDir, 'data');
  const logFile = path.join(baseDir, 'server.log');
  const pgCtl = path.join(binDir, 'pg_ctl');

  const stopNow = (): void => {
    runner.runSync(pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    rmSync(baseDir, { recursive: true, force: true });
  };
  // Safety net for a test run that exits without calling the teardown.
  process.once('exit', stopNow);

  try {
    await runner.giveAway(baseDir);
    const password = await initDataDir(runner, binDir, baseDir, dataDir);
    const port = await startServer(runner, pgCtl, dataDir, logFile);

    return {
      url: `postgres://${SUPERUSER}:${password}@127.0.0.1:${port}/postgres`,
      async stop() {
        process.removeListener('exit', stopNow);
        await runner.run(pgCtl, ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
        await rm(baseDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    process.removeListener('exit', stopNow);
    stopNow();
    throw error;
  }
}

/** Creates the cluster with a random superuser password and returns the password. */
async function initDataDir(
  runner: CommandRunner,
  binDir: string,
  baseDir: string,
  dataDir: string,
): Promise<string> {
  const password = randomBytes(16).toString('hex');
  const passwordFile = path.join(baseDir, 'password');
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  await runner.giveAway(passwordFile);

  await runner.run(path.join(binDir, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    SUPERUSER,
    `--pwfile=${passwordFile}`,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '--encoding=UTF8',
    '--no-locale',
    '--no-sync',
  ]);

  const settings = { ...SERVER_SETTINGS, unix_socket_directories: quoteSetting(baseDir) };
  const lines = Object.entries(settings).map(([name, value]) => `${name} = ${value}`);
  await appendFile(path.join(dataDir, 'postgresql.conf'), `\n${lines.join('\n')}\n`);
  return password;
}

/**
 * Starts the server on a free port and returns the port. Another process can take the port
 * between the check and the start, so a failed start is retried on a new port.
 */
async function startServer(
  runner: CommandRunner,
  pgCtl: string,
  dataDir: string,
  logFile: string,
): Promise<number> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await findFreePort();
    try {
      await runner.run(pgCtl, [
        '-D',
        dataDir,
        '-l',
        logFile,
        '-w',
        '-t',
        String(START_TIMEOUT_SECONDS),
        '-o',
        `-p ${port}`,
        'start',
      ]);
      return port;
    } catch (error) {
      if (attempt >= START_ATTEMPTS) {
        const log = await readFile(logFile, 'utf8').catch(() => '(no server log)');
        throw new Error(`PostgreSQL failed to start. Server log:\n${log.slice(-4000)}`, {
          cause: error,
        });
      }
    }
  }
}

function createRunner(): CommandRunner {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) {
    return {
      run: (binary, args) => runCommand(binary, args),
      runSync: (binary, args) => {
        spawnSync(binary, args, { stdio: 'ignore' });
      },
      giveAway: async () => {},
    };
  }

  const { uid, gid } = lookupUser(SERVER_OS_USER);
  const asServerUser = (binary: string, args: string[]): string[] => {
    return ['-u', SERVER_OS_USER, '--', binary, ...args];
  };
  return {
    run: (binary, args) => runCommand('runuser', asServerUser(binary, args)),
    runSync: (binary, args) => {
      spawnSync('runuser', asServerUser(binary, args), { stdio: 'ignore' });
    },
    giveAway: (file) => chown(file, uid, gid),
  };
}

async function runCommand(command: string, args: string[]): Promise<void> {
  try {
    await execFileAsync(command, args, { cwd: os.tmpdir() });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stderr}${stdout}`, { cause: error });
  }
}

function lookupUser(name: string): { uid: number; gid: number } {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error(
      `The tests run as root, but PostgreSQL does not run as root and there is no ` +
        `"${name}" system user to run it as. Create that user or run the tests as another user.`,
    );
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}


function quoteSetting(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the test server's `postgres` database, or '' without a server. */
    postgresUrl: string;
  }
}
