import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeProject } from '../support/project-fixture.js';
import type { ReceivedRequest } from '../support/webhook-receiver.js';

/** Returns the CSV text of `count` customers with ids c00001, c00002, ..., each with an email and a tier. */
export function customersCsv(count: number, tier = 'gold'): string {
  const lines = ['id,email,tier'];
  for (let i = 1; i <= count; i += 1) {
    lines.push(`${customerKey(i)},person${i}@example.com,${tier}`);
  }
  return `${lines.join('\n')}\n`;
}

export function customerKey(index: number): string {
  return `c${String(index).padStart(5, '0')}`;
}

export const CUSTOMERS_MODEL = `SELECT CAST(id AS VARCHAR) AS id, email, tier
FROM {{source "crm" "customers"}}`;

export interface WebhookProjectOptions {
  url: string;
  rows: number;
  /** Rows per request. */
  batchSize?: number;
  mode?: string;
  /** Extra lines for the `hooks` account in sluice.yml, indented by four spaces. */
  accountExtra?: string;
  /** Replaces the `warehouse:` line of sluice.yml. */
  warehouse?: string;
  /** Replaces the `state:` line of sluice.yml. */
  state?: string;
}

/**
 * Writes a project with a CSV source `crm.customers`, a `customers` model over it and one sync,
 * `contacts`, that posts the model's rows to a webhook account `hooks`, one request at a time.
 */
export async function webhookProject(options: WebhookProjectOptions): Promise<string> {
  const batchSize = options.batchSize ?? 10;
  return writeProject({
    'sluice.yml': `name: webhook_project
${options.warehouse ?? 'warehouse: { type: duckdb, path: .sluice/warehouse.duckdb }'}
${options.state ?? 'state: { type: sqlite, path: .sluice/state.sqlite }'}
sources:
  crm:
    tables:
      customers: { file: data/customers.csv, format: csv }
destinations:
  hooks:
    type: webhook
    url: ${options.url}
    max_batch_size: ${batchSize}
    max_concurrency: 1
    max_attempts: 1
${options.accountExtra ?? ''}`,
    'data/customers.csv': customersCsv(options.rows),
    'models/customers.sql': CUSTOMERS_MODEL,
    'models/customers.yml': 'primary_key: id\npii: [email]\n',
    'syncs/contacts.yml': `model: customers
destination: hooks
mode: ${options.mode ?? 'upsert'}
primary_key: id
batch_size: ${batchSize}
mapping:
  email: email
  tier: tier
destination_options:
  path: /contacts
`,
  });
}

/** Returns the record keys of every request the receiver got, in arrival order. */
export function receivedKeys(requests: ReceivedRequest[]): string[] {
  return requests.flatMap((request) => {
    const body = request.json as { records?: { key: string }[] } | undefined;
    return (body?.records ?? []).map((record) => record.key);
  });
}

/** Returns the keys that occur more than once in `keys`. */
export function duplicates(keys: string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const key of keys) {
    if (seen.has(key)) repeated.add(key);
    seen.add(key);
  }
  return [...repeated];
}

/** Lists every file below `dir` as a path relative to it, or none when `dir` does not exist. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

/** Reads the project's JSON-lines log, `.sluice/logs/sluice.log`, or '' when there is none. */
export function readLog(project: string): Promise<string> {
  return readFile(path.join(project, '.sluice', 'logs', 'sluice.log'), 'utf8').catch(() => '');
}
