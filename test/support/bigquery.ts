import { randomBytes } from 'node:crypto';
import { OAuth2Client } from 'google-auth-library';
import { BigQuery } from '@google-cloud/bigquery';
import { inject } from 'vitest';
import { BigQueryAdapter } from '../../src/warehouse/bigquery/bigquery-adapter.js';
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

/** Creates a client for the emulator that sends a fixed token, as `auth: access_token` does. */
export function emulatorClient(endpoint = bigqueryEndpoint()): BigQuery {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: EMULATOR_ACCESS_TOKEN });
  return new BigQuery({ projectId: BIGQUERY_TEST_PROJECT, apiEndpoint: endpoint, authClient });
}

/** Opens an adapter on the emulator whose unqualified tables resolve to `dataset`, creating it. */
export async function openEmulatorWarehouse(dataset: string, endpoint = bigqueryEndpoint()): Promise<BigQueryAdapter> {
  const adapter = new BigQueryAdapter({ client: emulatorClient(endpoint), defaultDataset: dataset, jobTimeoutMs: 120_000 });
  await adapter.ensureSchema(dataset);
  return adapter;
}
