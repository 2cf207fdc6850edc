import { inject } from 'vitest';
import { snowflakeWarehouseSchema } from '../../../src/config/snowflake-warehouse-schema.js';
import { SnowflakeAdapter } from '../../../src/warehouse/snowflake/snowflake-adapter.js';
import { FAKESNOW_INSTALL_COMMAND } from './fakesnow-server.js';

/** The reason the Snowflake tests skip, or undefined when the emulator runs. */
export const snowflakeSkipReason: string | undefined = inject('snowflakeEndpoint')
  ? undefined
  : `fakesnow is not installed; install it with \`${FAKESNOW_INSTALL_COMMAND}\``;

let databases = 0;

/** Opens an adapter on a new database of the test run's emulator. */
export async function openTestSnowflake(name: string, settings: Record<string, unknown> = {}): Promise<SnowflakeAdapter> {
  const url = new URL(inject('snowflakeEndpoint'));
  databases += 1;
  const config = snowflakeWarehouseSchema.parse({
    type: 'snowflake',
    account: 'fakesnow',
    user: 'sluice',
    password: 'any',
    database: `${name}_${process.pid}_${databases}`,
    host: url.hostname,
    port: url.port,
    protocol: 'http',
    ...settings,
  });
  return SnowflakeAdapter.open(config, process.cwd());
}
