import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { describeResult, parseJsonOutput, runCli } from '../support/cli-process.js';
import { listFiles } from '../e2e/e2e-fixture.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** An active Sakila customer, so not in the win-back audience: only sakila_customers maps them. */
const CHANGED_CUSTOMER = { id: '1', oldEmail: 'MARY.SMITH@sakilacustomer.org', newEmail: 'MARY.SMITH@example.org' };

interface SyncSummary {
  name: string;
  status: string;
  counts: Record<string, number>;
}

/** Copies the example project at the repository root into a new temporary folder. */
async function copyExampleProject(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-example-'));
  for (const entry of ['sluice.yml', 'models', 'syncs', 'data', 'templates']) {
    if (!existsSync(path.join(REPO_ROOT, entry))) continue;
    await cp(path.join(REPO_ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  return dir;
}

/** Returns every sync of the example project and the names of those that write files to out/. */
async function exampleSyncs(project: string): Promise<{ all: string[]; toFiles: string[] }> {
  const config = parse(await readFile(path.join(project, 'sluice.yml'), 'utf8')) as { destinations: Record<string, { type: string }> };
  const all: string[] = [];
  const toFiles: string[] = [];
  for (const file of (await readdir(path.join(project, 'syncs'))).filter((name) => name.endsWith('.yml')).sort()) {
    const name = file.replace(/\.yml$/, '');
    const sync = parse(await readFile(path.join(project, 'syncs', file), 'utf8')) as { destination: string };
    all.push(name);
    if (config.destinations[sync.destination]?.type === 'file') toFiles.push(name);
  }
  return { all, toFiles };
}

/**
 * Returns every `${NAME:-default}` of sluice.yml set to its default. The defaults point the
 * vendor destinations at the local imitations, and passing them explicitly keeps a developer's
 * exported credentials or base URLs from sending test data to a real vendor.
 */
async function defaultEnvironment(project: string): Promise<Record<string, string>> {
  const text = await readFile(path.join(project, 'sluice.yml'), 'utf8');
  const env: Record<string, string> = {};
  for (const match of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):-([^}]*)\}/g)) env[match[1]!] = match[2]!;
  return env;
}

function syncsByName(summary: { syncs: SyncSummary[] }): Map<string, SyncSummary> {
  return new Map(summary.syncs.map((sync) => [sync.name, sync]));
}

describe('the example project through the CLI', () => {
  let project = '';
  let env: Record<string, string> = {};
  const runIds: string[] = [];
  const cli = (args: string[]) => runCli(args, { project, env });
  const outDir = () => path.join(project, 'out');

  beforeAll(async () => {
    project = await copyExampleProject();
    env = await defaultEnvironment(project);
    for (const url of Object.values(env).filter((value) => /^https?:/.test(value))) {
      expect(new URL(url).hostname).toBe('127.0.0.1');
    }
  });

  it('compile prints the SQL of every model with its version', async () => {
    const text = await cli(['compile', 'sakila_customers']);
    expect(text.code, describeResult(text)).toBe(EXIT.success);
    expect(text.stdout).toMatch(/^-- sakila_customers \(version [0-9a-f]+\)$/m);
    expect(text.stdout.toLowerCase()).toContain('select');

    const json = await cli(['--json', 'compile']);
    expect(json.code, describeResult(json)).toBe(EXIT.success);
    const models = parseJsonOutput<{ name: string; sql: string; version: string }[]>(json);
    expect(models.map((model) => model.name)).toContain('sakila_customers');
    for (const model of models) expect(model.sql.toLowerCase()).toContain('select');
  });

  it('plan shows counts and masked samples without sending', async () => {
    const result = await cli(['--json', 'plan', 'sakila_customers']);
    expect(result.code, describeResult(result)).toBe(EXIT.success);
    const plan = parseJsonOutput(result);
    expect(plan.sync).toBe('sakila_customers');
    expect(plan.counts).toEqual({ added: 599, changed: 0, removed: 0 });
    expect(plan.samples.length).toBeGreaterThan(0);
    expect(plan.samples[0].fields.email).toBe('[pii]');
    expect(plan.samples[0]).toMatchObject({ change: 'added', sent: true, operation: 'upsert' });
    expect(await listFiles(outDir())).toEqual([]);
  });

  it('the first run sends rows to every sync', async () => {
    const result = await cli(['--json', 'run']);
    expect(result.code, describeResult(result)).toBe(EXIT.success);
    const summary = parseJsonOutput(result);
    runIds.push(summary.runId);

    const expected = await exampleSyncs(project);
    const syncs = syncsByName(summary);
    expect([...syncs.keys()].sort()).toEqual(expected.all);
    for (const sync of syncs.values()) {
      expect(sync.status, sync.name).toBe('success');
      expect(sync.counts.accepted, sync.name).toBeGreaterThan(0);
      expect(sync.counts.rejected, sync.name).toBe(0);
    }
    expect(syncs.get('sakila_customers')!.counts).toMatchObject({ added: 599, accepted: 599 });
    const files = await listFiles(outDir());
    expect(files).toEqual(expected.toFiles.map((sync) => expect.stringMatching(new RegExp(`^${sync}/${summary.runId}\\.`))));
  });

  it('a second run sends nothing', async () => {
    const before = await listFiles(outDir());
    const result = await cli(['--json', 'run']);
    expect(result.code, describeResult(result)).toBe(EXIT.success);
    const summary = parseJsonOutput(result);
    runIds.push(summary.runId);

    for (const sync of summary.syncs as SyncSummary[]) {
      expect(sync.counts, sync.name).toEqual({ added: 0, changed: 0, removed: 0, accepted: 0, rejected: 0, skipped: 0 });
    }
    expect(await listFiles(outDir())).toEqual(before);
  });

  it('a changed source row sends exactly that change', async () => {
    const csvPath = path.join(project, 'data', 'sakila', 'customer.csv');
    const csv = await readFile(csvPath, 'utf8');
    expect(csv.split(CHANGED_CUSTOMER.oldEmail)).toHaveLength(2);
    await writeFile(csvPath, csv.replace(CHANGED_CUSTOMER.oldEmail, CHANGED_CUSTOMER.newEmail));

    const result = await cli(['--json', 'run']);
    expect(result.code, describeResult(result)).toBe(EXIT.success);
    const summary = parseJsonOutput(result);
    runIds.push(summary.runId);

    const syncs = syncsByName(summary);
    expect(syncs.get('sakila_customers')!.counts).toEqual({ added: 0, changed: 1, removed: 0, accepted: 1, rejected: 0, skipped: 0 });
    // The Meta audience maps the email too, so the new address is added to it.
    expect(syncs.get('customers_meta_audience')!.counts).toEqual({ added: 0, changed: 1, removed: 0, accepted: 1, rejected: 0, skipped: 0 });
    for (const sync of syncs.values()) {
      if (sync.name === 'sakila_customers' || sync.name === 'customers_meta_audience') continue;
      expect(sync.counts.accepted, sync.name).toBe(0);
    }

    const written = (await listFiles(outDir())).filter((file) => file.includes(summary.runId));
    expect(written).toEqual([`sakila_customers/${summary.runId}.csv`]);
    const lines = (await readFile(path.join(outDir(), written[0]!), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(CHANGED_CUSTOMER.newEmail.toLowerCase());
    expect(lines[1]!.startsWith(`upsert,${CHANGED_CUSTOMER.id},`)).toBe(true);
  });

  it('runs lists every run, newest first', async () => {
    const json = await cli(['--json', 'runs']);
    expect(json.code, describeResult(json)).toBe(EXIT.success);
    const listed = parseJsonOutput<{ id: string; status: string }[]>(json);
    expect(listed.map((run) => run.id)).toEqual([...runIds].reverse());
    for (const run of listed) expect(run.status).toBe('success');

    const text = await cli(['runs']);
    expect(text.code, describeResult(text)).toBe(EXIT.success);
    for (const id of runIds) expect(text.stdout).toContain(id);

    const detail = parseJsonOutput(await cli(['--json', 'runs', runIds[2]!]));
    const changed = detail.syncs.find((sync: { sync: string }) => sync.sync === 'sakila_customers');
    expect(changed.counts).toMatchObject({ changed: 1, accepted: 1 });
    expect(detail.models.length).toBeGreaterThan(0);

    const missing = await cli(['--json', 'runs', 'run_nosuch']);
    expect(missing.code, describeResult(missing)).toBe(EXIT.notFound);
    expect(parseJsonOutput(missing).error).toMatchObject({ code: 'not_found', message: expect.stringContaining('run_nosuch') });
  });

  it('identity explain exits 0 when found', async () => {
    const result = await cli(['--json', 'identity', 'explain', 'email', 'PATRICIA.JOHNSON@sakilacustomer.org']);

    expect(result.code, describeResult(result)).toBe(EXIT.success);
    const explanation = parseJsonOutput(result);
    expect(explanation.status).toBe('found');
    expect(explanation.identifier).toEqual({ type: 'email', value: 'patricia.johnson@sakilacustomer.org' });
  });

  it('identity explain exits 0 when blocked', async () => {
    // A Sakila phone number that fails phone validation, so the identity build blocked it as invalid.
    const result = await cli(['--json', 'identity', 'explain', 'phone', '838635286649']);

    expect(result.code, describeResult(result)).toBe(EXIT.success);
    const explanation = parseJsonOutput(result);
    expect(explanation.status).toBe('blocked');
    expect(explanation.reasons).toEqual([{ reason: 'invalid', rows: 1 }]);
  });

  it('identity explain exits 8 when not found', async () => {
    const json = await cli(['--json', 'identity', 'explain', 'email', 'nobody@example.org']);
    expect(json.code, describeResult(json)).toBe(EXIT.notFound);
    expect(parseJsonOutput(json)).toEqual({ status: 'not_found', identifier: { type: 'email', value: 'nobody@example.org' } });

    const text = await cli(['identity', 'explain', 'email', 'nobody@example.org']);
    expect(text.code, describeResult(text)).toBe(EXIT.notFound);
    expect(text.stdout).toContain('email "nobody@example.org" is not in the identity graph');
  });

  it('identity explain exits 2 for unknown type', async () => {
    const result = await cli(['--json', 'identity', 'explain', 'bogus', '1']);

    expect(result.code, describeResult(result)).toBe(EXIT.invalid);
    expect(parseJsonOutput(result).error).toEqual({
      code: 'usage_invalid',
      message: 'Unknown identifier type "bogus"; use one of the types that identity: in sluice.yml declares: anonymous_id, device_id, email, phone, user_id',
    });
  });
});
