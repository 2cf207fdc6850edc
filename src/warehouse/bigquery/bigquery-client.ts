import { isAbsolute, join } from 'node:path';
import { BigQuery, type BigQueryOptions } from '@google-cloud/bigquery';
import { OAuth2Client } from 'google-auth-library';
import type { BigQueryWarehouseConfig } from '../../config/bigquery-warehouse.js';
import { WarehouseError } from '../../core/errors.js';

/**
 * Creates the BigQuery client for a configured warehouse. With `auth: access_token` the client
 * sends that token and requests none from a metadata server or Google's OAuth endpoint. That
 * keeps a test against a local emulator on the loopback interface.
 */
export function createBigQueryClient(config: BigQueryWarehouseConfig, projectDir: string): BigQuery {
  const options: BigQueryOptions = {
    projectId: config.project,
    location: config.location,
    ...credentialOptions(config, projectDir),
  };
  if (config.api_endpoint) options.apiEndpoint = config.api_endpoint.replace(/\/+$/, '');
  return new BigQuery(options);
}

function credentialOptions(config: BigQueryWarehouseConfig, projectDir: string): BigQueryOptions {
  switch (config.auth) {
    case 'application_default':
      // google-auth-library looks in GOOGLE_APPLICATION_CREDENTIALS, then gcloud's file, then
      // the metadata server of the machine.
      return {};
    case 'service_account':
      return config.key_file ? { keyFilename: resolveKeyFile(config.key_file, projectDir) } : serviceAccountKey(config.key_json!);
    case 'access_token': {
      const client = new OAuth2Client();
      // Without an expiry date the token never counts as expired, so it is never refreshed.
      client.setCredentials({ access_token: config.access_token! });
      return { authClient: client };
    }
  }
}

function resolveKeyFile(path: string, projectDir: string): string {
  return isAbsolute(path) ? path : join(projectDir, path);
}

/** Reads the fields the client needs from a key given as JSON text, without echoing the key. */
function serviceAccountKey(json: string): BigQueryOptions {
  let key: unknown;
  try {
    key = JSON.parse(json);
  } catch {
    throw new WarehouseError(
      'warehouse.key_json is not valid JSON. Set it to the contents of a service account key file, ' +
        'or use key_file with the path of the file.',
    );
  }
  const { client_email: email, private_key: privateKey } = (key ?? {}) as Record<string, unknown>;
  if (typeof email !== 'string' || typeof privateKey !== 'string') {
    throw new WarehouseError(
      'warehouse.key_json has no client_email or private_key field. Use a key of type service_account, ' +
        'as downloaded from the Google Cloud console.',
    );
  }
  return { credentials: { client_email: email, private_key: privateKey } };
}
