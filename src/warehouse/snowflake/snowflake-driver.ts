import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { ConnectionOptions } from 'snowflake-sdk';
import type { SnowflakeWarehouseConfig } from '../../config/snowflake-warehouse-schema.js';

type SnowflakeSdk = typeof import('snowflake-sdk');

let loaded: Promise<SnowflakeSdk> | undefined;

/**
 * Loads snowflake-sdk once, configured to reach nothing but the configured Snowflake host.
 *
 * snowflake-sdk 3.x probes cloud metadata endpoints (169.254.169.254, metadata.google.internal)
 * and AWS STS for its login telemetry as soon as it is loaded, unless
 * SNOWFLAKE_DISABLE_PLATFORM_DETECTION is "true" at that moment (see its
 * lib/telemetry/platform_detection.js), so the variable is set before the first import. OCSP and
 * CRL checks, which would reach certificate authorities, are off by default in 3.x and stay off.
 * Its in-band telemetry goes to the Snowflake host itself and has no switch.
 */
export function loadSnowflakeSdk(): Promise<SnowflakeSdk> {
  loaded ??= (async () => {
    process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION ??= 'true';
    const module = await import('snowflake-sdk');
    const sdk = (module.default ?? module) as SnowflakeSdk;
    // The driver would otherwise log to the console; Sluice reports errors itself.
    sdk.configure({ logLevel: 'OFF', disableOCSPChecks: true });
    return sdk;
  })();
  return loaded;
}

/** Driver options for a configured warehouse; reads the private key file, if one is named. */
export async function connectionOptions(config: SnowflakeWarehouseConfig, projectDir: string): Promise<ConnectionOptions> {
  const options: ConnectionOptions = {
    account: config.account,
    username: config.user,
    database: config.database,
    warehouse: config.warehouse,
    role: config.role,
    application: 'Sluice',
    // Names are folded in SQL (see snowflake-identifiers.ts); the driver keeps result names as sent.
    rowMode: 'array',
    // With its default (true), snowflake-sdk returns a NULL fetched as text as the string 'NULL',
    // and the adapter fetches numbers as text.
    representNullAsStringNull: false,
  };
  if (config.host !== undefined) {
    options.accessUrl = `${config.protocol}://${config.host}${config.port === undefined ? '' : `:${config.port}`}`;
  }

  if (config.password !== undefined) {
    options.password = config.password;
    return options;
  }
  options.authenticator = 'SNOWFLAKE_JWT';
  options.privateKey = config.private_key ?? (await readPrivateKey(config.private_key_path!, projectDir));
  if (config.private_key_passphrase !== undefined) options.privateKeyPass = config.private_key_passphrase;
  return options;
}

async function readPrivateKey(path: string, projectDir: string): Promise<string> {
  const file = isAbsolute(path) ? path : join(projectDir, path);
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read the Snowflake private key file ${file} (warehouse.private_key_path): ${(error as Error).message}`, {
      cause: error,
    });
  }
}
