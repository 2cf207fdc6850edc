import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunSummary, SyncSummary } from '../src/run/run-summary.js';
import { watchProcess, type WatchedProcess } from './watch-process.js';

const REPO_DIR = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(REPO_DIR, 'bin', 'sluice.js');

/** One `sluice run` measured from outside, with the summary of its only sync. */
export interface CliRun extends Omit<WatchedProcess, 'stdout'> {
  summary: RunSummary;
  sync: SyncSummary;
}

/**
 * Compiles src/ into dist/ so that the runs measure the compiled CLI. bin/sluice.js would fall
 * back to the TypeScript sources, and a loader thread, if the build were older than them.
 */
export async function buildCli(log: (message: string) => void): Promise<void> {
  log('compiling the CLI (npm run build)');
  await watchProcess(process.execPath, [join(REPO_DIR, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(REPO_DIR, 'tsconfig.build.json')]);
}

/**
 * Runs `sluice run --json` on a project of one sync, as a user would, and reads the counts and
 * timings from the JSON summary it prints. Rejects unless the run succeeded.
 */
export async function runCli(projectDir: string): Promise<CliRun> {
  const { stdout, ...measured } = await watchProcess(process.execPath, [CLI, '--project', projectDir, 'run', '--json']);
  const summary = JSON.parse(stdout) as RunSummary;
  const sync = summary.syncs[0];
  if (summary.status !== 'success' || !sync) {
    throw new Error(`benchmark run ended with status ${summary.status}: ${summary.error ?? sync?.error ?? 'no error recorded'}`);
  }
  return { ...measured, summary, sync };
}
