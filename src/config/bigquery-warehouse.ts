import { z } from 'zod';
import { identifierSchema } from './identifiers.js';

/** A Google Cloud project id, optionally domain-scoped (`example.com:project`). */
const PROJECT_ID_PATTERN = /^(?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/**
 * `warehouse:` for BigQuery. Datasets play the part of schemas. Credentials come from
 * application default credentials (the default), a service account key, or a fixed access
 * token, which is what a local emulator needs.
 */
export const bigqueryWarehouseSchema = z
  .object({
    type: z.literal('bigquery'),
    /** Project that runs the query jobs and contains the datasets. */
    project: z
      .string()
      .regex(PROJECT_ID_PATTERN, 'must be a Google Cloud project id such as my-project-123'),
    /** Dataset the models are built in. */
    schema: identifierSchema.default('analytics'),
    /** Dataset for snapshots, diffs and other tables Sluice owns. */
    internal_schema: identifierSchema.default('sluice'),
    /** Location of the datasets and jobs, such as US, EU or europe-west2. */
    location: z.string().min(1).optional(),
    auth: z.enum(['application_default', 'service_account', 'access_token']).default('application_default'),
    /** Service account key file, relative to the project (auth: service_account). */
    key_file: z.string().min(1).optional(),
    /** Service account key as JSON text, usually `${BIGQUERY_KEY_JSON}` (auth: service_account). */
    key_json: z.string().min(1).optional(),
    /** OAuth access token sent as is, usually `${BIGQUERY_ACCESS_TOKEN}` (auth: access_token). */
    access_token: z.string().min(1).optional(),
    /** Base URL of the BigQuery API, for a local emulator such as http://127.0.0.1:9050. */
    api_endpoint: z.url({ protocol: /^https?$/ }).optional(),
    /** Upper limit on bytes billed per query job; a job that would bill more fails. */
    maximum_bytes_billed: z.number().int().positive().optional(),
    /** Seconds a query job may run before BigQuery cancels it. */
    job_timeout_seconds: z.number().positive().default(3600),
  })
  .strict()
  .superRefine((config, context) => {
    const keys = [config.key_file, config.key_json].filter((key) => key !== undefined).length;
    if (config.auth === 'service_account' && keys !== 1) {
      context.addIssue({
        code: 'custom',
        path: ['key_file'],
        message: 'auth: service_account needs exactly one of key_file (a path) or key_json (the key as JSON text)',
      });
    }
    if (config.auth !== 'service_account' && keys > 0) {
      context.addIssue({
        code: 'custom',
        path: [config.key_file !== undefined ? 'key_file' : 'key_json'],
        message: 'a service account key is read only with auth: service_account; set auth or remove the key',
      });
    }
    if ((config.auth === 'access_token') !== (config.access_token !== undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['access_token'],
        message: 'set access_token together with auth: access_token, and only then',
      });
    }
  });

export type BigQueryWarehouseConfig = z.infer<typeof bigqueryWarehouseSchema>;
