import { BIGQUERY_TEST_PROJECT } from '../bigquery-setup.js';
import { bigqueryEndpoint, bigquerySkipReason, EMULATOR_ACCESS_TOKEN } from '../bigquery.js';
import type { WarehouseTarget } from './warehouse-target.js';

/**
 * BigQuery on the test run's emulator. Each project gets two datasets of its own, named after
 * its id: one for models and one for Sluice's tables.
 */
export function bigqueryTarget(): WarehouseTarget {
  const endpoint = bigqueryEndpoint();
  return {
    name: 'bigquery',
    skipReason: bigquerySkipReason(),
    warehouseYaml(id: string): string {
      const dataset = id.replace(/[^A-Za-z0-9_]/g, '_');
      return (
        `{ type: bigquery, project: ${BIGQUERY_TEST_PROJECT}, schema: ${dataset}, internal_schema: ${dataset}_sluice, ` +
        `api_endpoint: '${endpoint}', auth: access_token, access_token: '\${BIGQUERY_ACCESS_TOKEN}' }`
      );
    },
    env: { BIGQUERY_ACCESS_TOKEN: EMULATOR_ACCESS_TOKEN },
  };
}
