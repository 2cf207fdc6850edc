import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { describeResult, parseJsonOutput, runCli } from '../support/cli-process.js';
import { writeFiles, writeProject } from '../support/project-fixture.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { CUSTOMERS_MODEL, customersCsv, webhookProject } from '../e2e/e2e-fixture.js';

const COUNT_NAMES = ['added', 'changed', 'removed', 'accepted', 'rejected', 'skipped'];

let receiver: WebhookReceiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

/** Writes a project whose one sync, `contacts`, writes the `customers` model to CSV files under out/. */
async function fileProject(rows: number, sync: Partial<Record<'mode' | 'model', string>> = {}): Promise<string> {
  return writeProject({
    'sluice.yml': `name: exit_code_project
warehouse: { type: duckdb, path: .sluice/warehouse.duckdb }
state: { type: sqlite, path: .sluice/state.sqlite }
sources:
  crm:
    tables:
      customers: { file: data/customers.csv, format: csv }
destinations:
  exports: { type: file, directory: out }
`,
    'data/customers.csv': customersCsv(rows),
    'models/customers.sql': CUSTOMERS_MODEL,
    'models/customers.yml': 'primary_key: id\npii: [email]\n',
    'syncs/contacts.yml': `model: ${sync.model ?? 'customers'}
destination: exports
mode: ${sync.mode ?? 'upsert'}
primary_key: id
mapping:
  email: email
  tier: tier
destination_options:
  format: csv
`,
  });
}

describe('sluice exit codes', () => {
  it('exits 0 and prints run id and counts', async () => {
    const project = await fileProject(5);
    const result = await runCli(['--json', 'run'], { project });

    expect(result.code, describeResult(result)).toBe(EXIT.success);
    const summary = parseJsonOutput(result);
    expect(summary.runId).toMatch(/^run_\d{8}T\d{6}Z_[0-9a-f]{6}$/);
    expect(summary.status).toBe('success');
    expect(summary.syncs).toHaveLength(1);
    expect(summary.syncs[0].name).toBe('contacts');
    expect(Object.keys(summary.syncs[0].counts).sort()).toEqual([...COUNT_NAMES].sort());
    expect(summary.syncs[0].counts).toEqual({ added: 5, changed: 0, removed: 0, accepted: 5, rejected: 0, skipped: 0 });
  });

  it('exits 2 on invalid config, naming the field', async () => {
    const project = await fileProject(5, { mode: 'sideways' });
    const result = await runCli(['run'], { project });

    expect(result.code, describeResult(result)).toBe(EXIT.invalid);
    expect(result.stderr).toContain('syncs/contacts.yml');
    expect(result.stderr).toContain('mode: "sideways" is not valid');
    expect(result.stderr).toContain('"upsert"');
    expect(result.stdout).toBe('');

    const json = await runCli(['--json', 'validate'], { project });
    expect(json.code, describeResult(json)).toBe(EXIT.invalid);
    const body = parseJsonOutput(json);
    expect(body.error.code).toBe('config_invalid');
    expect(body.error.issues).toEqual([expect.objectContaining({ file: expect.stringContaining('contacts.yml'), path: 'mode' })]);
  });

  it('exits 3 when a model fails to build, and sends nothing', async () => {
    const project = await fileProject(5);
    await writeFiles(project, { 'models/customers.sql': 'SELECT id, email, tier, no_such_column FROM {{source "crm" "customers"}}' });
    const result = await runCli(['--json', 'run'], { project });

    expect(result.code, describeResult(result)).toBe(EXIT.failed);
    const summary = parseJsonOutput(result);
    expect(summary.status).toBe('failed');
    expect(summary.models[0]).toMatchObject({ name: 'customers', status: 'failed' });
    expect(summary.models[0].error).toContain('no_such_column');
    expect(summary.syncs[0]).toMatchObject({ name: 'contacts', status: 'failed' });
    expect(summary.syncs[0].counts.accepted).toBe(0);
  });

  it('exits 2 for a cron field out of range', async () => {
    const project = await fileProject(5);
    const sync = await readFile(path.join(project, 'syncs/contacts.yml'), 'utf8');
    await writeFiles(project, { 'syncs/contacts.yml': `${sync}schedule: '30 25 * * *'\n` });
    const result = await runCli(['--json', 'validate'], { project });

    expect(result.code, describeResult(result)).toBe(EXIT.invalid);
    expect(parseJsonOutput(result).error.issues).toEqual([
      {
        file: 'syncs/contacts.yml',
        path: 'schedule.cron',
        message: '"30 25 * * *" is not a valid cron expression: hour 25 is out of range (allowed: 0-23)',
      },
    ]);
  });

  it('exits 2 for an unknown --select name', async () => {
    const project = await fileProject(5);
    const result = await runCli(['--json', 'run', '--select', 'contacts,nosuch'], { project });

    expect(result.code, describeResult(result)).toBe(EXIT.invalid);
    const error = parseJsonOutput(result).error;
    expect(error.code).toBe('selection_invalid');
    expect(error.message).toBe('No sync or model named "nosuch"; syncs: contacts; models: customers');

    const text = await runCli(['sync', 'nosuch'], { project });
    expect(text.code, describeResult(text)).toBe(EXIT.invalid);
    expect(text.stderr).toContain('No sync or model named "nosuch"');
    expect(text.stdout).toBe('');

    const plan = await runCli(['plan', 'nosuch'], { project });
    expect(plan.code, describeResult(plan)).toBe(EXIT.invalid);
    expect(plan.stderr).toContain('Sync "nosuch" not found; syncs: contacts');

    const runs = await runCli(['--json', 'runs'], { project });
    expect(runs.code, describeResult(runs)).toBe(EXIT.success);
    expect(parseJsonOutput(runs)).toEqual([]);
  });

  it('exits 2 from run for an invalid template', async () => {
    const project = await fileProject(5);
    await writeFiles(project, { 'models/customers.sql': 'SELECT * FROM {{source "crm" "customers"}} WHERE tier = {{var "tier"}}' });
    const result = await runCli(['--json', 'run'], { project });

    expect(result.code, describeResult(result)).toBe(EXIT.invalid);
    expect(parseJsonOutput(result).error).toMatchObject({ code: 'model_invalid', message: expect.stringContaining('{{var "tier"}}') });

    const runs = await runCli(['--json', 'runs'], { project });
    expect(parseJsonOutput(runs)).toEqual([]);
  });

  it('exits 2 for an unknown --var', async () => {
    const project = await fileProject(5);
    await writeFiles(project, { 'models/customers.sql': `${CUSTOMERS_MODEL}\nWHERE tier = {{var "tier"}}` });

    for (const command of [['run'], ['plan', 'contacts'], ['compile']]) {
      const result = await runCli(['--json', ...command, '--var', 'tier=gold', '--var', 'tire=gold'], { project });
      expect(result.code, describeResult(result)).toBe(EXIT.invalid);
      expect(parseJsonOutput(result).error).toEqual({
        code: 'usage_invalid',
        message: 'Unknown --var tire: no model uses it and sluice.yml does not declare it under vars; known variables: tier; check the spelling or declare it under vars',
      });
    }
    const runs = await runCli(['--json', 'runs'], { project });
    expect(parseJsonOutput(runs)).toEqual([]);

    const used = await runCli(['--json', 'run', '--var', 'tier=gold'], { project });
    expect(used.code, describeResult(used)).toBe(EXIT.success);
    expect(parseJsonOutput(used).syncs[0].counts.added).toBe(5);
  });

  it('exits 3 when upstream model tests fail', async () => {
    const project = await fileProject(5);
    await writeFiles(project, {
      'models/base_customers.sql': 'SELECT * FROM {{source "crm" "customers"}}',
      'models/base_customers.yml': 'tests:\n  - min_rows: 100\n',
      'models/customers.sql': 'SELECT CAST(id AS VARCHAR) AS id, email, tier FROM {{ref "base_customers"}}',
    });

    const plan = await runCli(['--json', 'plan', 'contacts'], { project });
    expect(plan.code, describeResult(plan)).toBe(EXIT.failed);
    const error = parseJsonOutput(plan).error;
    expect(error.code).toBe('model_failed');
    expect(error.message).toContain('Model base_customers failed its tests');
    expect(error.message).toContain('min_rows: expected at least 100 rows, got 5');

    const run = await runCli(['--json', 'run'], { project });
    expect(run.code, describeResult(run)).toBe(EXIT.failed);
    expect(parseJsonOutput(run).models).toEqual([
      expect.objectContaining({ name: 'base_customers', status: 'failed' }),
      expect.objectContaining({ name: 'customers', status: 'skipped' }),
    ]);
  });

  it('exits 3 from plan on a build failure', async () => {
    const project = await fileProject(5);
    await writeFiles(project, { 'models/customers.sql': 'SELECT id, email, tier, no_such_column FROM {{source "crm" "customers"}}' });
    const result = await runCli(['--json', 'plan', 'contacts'], { project });

    expect(result.code, describeResult(result)).toBe(EXIT.failed);
    expect(parseJsonOutput(result).error).toMatchObject({ code: 'model_failed', message: expect.stringContaining('no_such_column') });
  });

  it('exits 2 from plan for an invalid template', async () => {
    const project = await fileProject(5);
    await writeFiles(project, { 'models/customers.sql': 'SELECT * FROM {{ref "no_such_model"}}' });
    const result = await runCli(['--json', 'plan', 'contacts'], { project });

    expect(result.code, describeResult(result)).toBe(EXIT.invalid);
    expect(parseJsonOutput(result).error).toMatchObject({ code: 'model_invalid', message: expect.stringContaining('no_such_model') });
  });

  it('exits 4 when the destination rejects some rows', async () => {
    receiver = await startWebhookReceiver();
    receiver.script({ rejectKeys: { c00002: 'email domain is blocked' } });
    const project = await webhookProject({ url: receiver.url, rows: 3 });
    const result = await runCli(['--json', 'run'], { project });

    expect(result.code, describeResult(result)).toBe(EXIT.partial);
    const summary = parseJsonOutput(result);
    expect(summary.status).toBe('partial');
    expect(summary.syncs[0].counts).toMatchObject({ added: 3, accepted: 2, rejected: 1 });
    expect(summary.syncs[0].rejections).toEqual([{ key: 'c00002', reason: 'email domain is blocked' }]);
  });

  it('exits 5 when a guard stops a sync, and sends nothing', async () => {
    const project = await fileProject(200, { mode: 'mirror' });
    const first = await runCli(['--json', 'run'], { project });
    expect(first.code, describeResult(first)).toBe(EXIT.success);

    await writeFiles(project, { 'data/customers.csv': customersCsv(0) });
    const guarded = await runCli(['--json', 'run'], { project });
    expect(guarded.code, describeResult(guarded)).toBe(EXIT.guarded);
    const summary = parseJsonOutput(guarded);
    expect(summary.syncs[0].status).toBe('guarded');
    expect(summary.syncs[0].detail).toContain('empty');
    expect(summary.syncs[0].counts.accepted).toBe(0);

    const text = await runCli(['run'], { project });
    expect(text.code, describeResult(text)).toBe(EXIT.guarded);
    expect(text.stdout).toMatch(/contacts\s+guarded/);
  });
});
