import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { warehouseSchema } from '../../src/config/schema.js';
import type { BigQueryAdapter } from '../../src/warehouse/bigquery/bigquery-adapter.js';
import { openWarehouse } from '../../src/warehouse/open-warehouse.js';
import { BIGQUERY_INSTALL_HINT, BIGQUERY_TEST_PROJECT } from './bigquery-setup.js';

/** Helpers for tests that use the BigQuery emulator started by bigquery-setup.ts. */

/** Token the tests send to the emulator, which accepts any. */
export const EMULATOR_ACCESS_TOKEN = 'emulator-test-token';

/** REST base URL of the emulator, or '' when it is not installed. */
export function bigqueryEndpoint(): string {
  return inject('bigqueryEndpoint');
}

/** Why the BigQuery tests cannot run here, or undefined when they can. */
export function bigquerySkipReason(): string | undefined {
  return bigqueryEndpoint() === '' ? `no BigQuery emulator; ${BIGQUERY_INSTALL_HINT}` : undefined;
}

/** Returns `title`, extended with the reason and the fix when the emulator is missing. */
export function bigquerySuiteTitle(title: string): string {
  const reason = bigquerySkipReason();
  return reason === undefined ? title : `${title} (skipped: ${reason})`;
}

/** Returns a dataset name no other test uses: `prefix` and a random suffix. */
export function uniqueDataset(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/**
 * Opens an adapter on the emulator as a project's `warehouse:` with `auth: access_token` does,
 * with unqualified tables resolving to `dataset`, which it creates.
 */
export async function openEmulatorWarehouse(dataset: string, endpoint = bigqueryEndpoint()): Promise<BigQueryAdapter> {
  const config = warehouseSchema.parse({
    type: 'bigquery',
    project: BIGQUERY_TEST_PROJECT,
    schema: dataset,
    api_endpoint: endpoint,
    auth: 'access_token',
    access_token: EMULATOR_ACCESS_TOKEN,
    job_timeout_seconds: 120,
  });
  const adapter = (await openWarehouse(config, process.cwd())) as BigQueryAdapter;
  await adapter.ensureSchema(dataset);
  return adapter;
}
