import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { StateConfig } from '../../src/config/schema.js';

/** Runs fixtures/lock-racer.ts in separate Node processes that race for the same locks. */

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RACER_SCRIPT = fileURLToPath(new URL('./fixtures/lock-racer.ts', import.meta.url));

export interface RaceResult {
  owner: string;
  won: string[];
}

interface Racer {
  ready: Promise<void>;
  result: Promise<RaceResult>;
  start(): void;
}

/**
 * Starts one process per owner, waits until every process has opened the store, then lets all
 * of them try each lock at once. Resolves with the locks each owner won.
 */
export async function raceForLocks(
  target: { config: StateConfig; projectDir: string },
  owners: string[],
  locks: string[],
): Promise<RaceResult[]> {
  const racers = owners.map((owner) => startRacer({ ...target, owner, locks, ttlMs: 60_000 }));

  await Promise.all(racers.map((racer) => racer.ready));
  for (const racer of racers) racer.start();

  return Promise.all(racers.map((racer) => racer.result));
}

function startRacer(input: {
  config: StateConfig;
  projectDir: string;
  owner: string;
  locks: string[];
  ttlMs: number;
}): Racer {
  const child = spawn(process.execPath, ['--import', 'tsx', RACER_SCRIPT, JSON.stringify(input)], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });

  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => (stderr += text));

  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const failure = (code: number | null): Error => {
    return new Error(`lock racer ${input.owner} exited with code ${code}:\n${stderr}`);
  };

  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (line === 'ready') resolve();
    });
    void exited.then((code) => reject(failure(code)));
  });

  const result = exited.then((code) => {
    if (code !== 0) throw failure(code);
    const output = JSON.parse(lines.at(-1) ?? '') as { won: string[] };
    return { owner: input.owner, won: output.won };
  });
  // When `ready` fails first, the caller never awaits `result`, so mark it as handled here.
  result.catch(() => {});

  return {
    ready,
    result,
    start: () => child.stdin.end('go\n'),
  };
}
