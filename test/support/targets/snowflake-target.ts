import { inject } from 'vitest';
import { FAKESNOW_INSTALL_COMMAND } from '../snowflake/fakesnow-server.js';
import type { WarehouseTarget } from './warehouse-target.js';

/**
 * Snowflake as fakesnow emulates it, behind the JSON-result proxy that snowflake-setup.ts starts.
 * Each id gets its own database. fakesnow accepts any password; the project still reads one from
 * the environment, as a real project would.
 */
export function snowflakeTarget(): WarehouseTarget {
  const endpoint = inject('snowflakeEndpoint');
  const url = endpoint ? new URL(endpoint) : undefined;
  return {
    name: 'snowflake',
    skipReason: url
      ? undefined
      : `fakesnow is not installed; install it with \`${FAKESNOW_INSTALL_COMMAND}\` to run the Snowflake tests`,
    warehouseYaml(id) {
      const database = `sluice_${id.replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 120);
      return (
        `{ type: snowflake, account: fakesnow, user: sluice, password: "\${SNOWFLAKE_PASSWORD}", ` +
        `database: ${database}, host: ${url?.hostname ?? '127.0.0.1'}, port: ${url?.port ?? 0}, protocol: http }`
      );
    },
    env: { SNOWFLAKE_PASSWORD: 'fakesnow-accepts-any-password' },
  };
}
