import { baseProject, writeFiles, writeProject } from '../support/project-fixture.js';

export interface CustomerRow {
  id: string | null;
  email: string | null;
  tier: string | null;
  phone?: string | null;
}

/** CSV text of customer rows; NULL is an empty unquoted field. */
export function customersCsv(rows: CustomerRow[]): string {
  const cell = (value: string | null | undefined) => (value === null || value === undefined ? '' : `"${value.replaceAll('"', '""')}"`);
  return ['id,email,tier,phone', ...rows.map((row) => [row.id, row.email, row.tier, row.phone].map(cell).join(','))].join('\n') + '\n';
}

export function customers(count: number, tier = 'gold'): CustomerRow[] {
  return Array.from({ length: count }, (_unused, i) => ({
    id: `c${String(i + 1).padStart(5, '0')}`,
    email: `person${i + 1}@example.com`,
    tier,
    phone: `+1202555${String(i % 10000).padStart(4, '0')}`,
  }));
}

export const CUSTOMERS_MODEL = `SELECT CAST(id AS VARCHAR) AS id, email, tier, CAST(phone AS VARCHAR) AS phone
FROM {{source "crm" "customers"}}`;

export function syncFile(options: { mode: string; mapping?: string; extra?: string; model?: string; destination?: string }): string {
  const mapping = options.mapping ?? '  email: email\n  tier: tier';
  return `model: ${options.model ?? 'customers'}
destination: ${options.destination ?? 'memory'}
mode: ${options.mode}
primary_key: id
mapping:
${mapping}
${options.extra ?? ''}
`;
}

/** Writes a project with a CSV source `crm.customers`, a model over it and one sync to an inbox. */
export async function customerProject(inboxName: string, rows: CustomerRow[], sync: string, extraFiles: Record<string, string> = {}): Promise<string> {
  return writeProject({
    'sluice.yml': baseProject(inboxName, 'sources:\n  crm:\n    tables:\n      customers: { file: data/customers.csv, format: csv }\n'),
    'data/customers.csv': customersCsv(rows),
    'models/customers.sql': CUSTOMERS_MODEL,
    'models/customers.yml': 'pii: [email, phone]\n',
    'syncs/crm.yml': sync,
    ...extraFiles,
  });
}

export async function replaceCustomers(dir: string, rows: CustomerRow[]): Promise<void> {
  await writeFiles(dir, { 'data/customers.csv': customersCsv(rows) });
}
