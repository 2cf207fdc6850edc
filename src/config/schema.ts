import { z } from 'zod';
import { identityConfigSchema } from '../identity/identity-config.js';
import { bigqueryWarehouseSchema } from './bigquery-warehouse.js';
import { columnNameSchema, identifierSchema } from './identifiers.js';
import { inboundSchema } from './inbound-schema.js';
import { snowflakeWarehouseSchema } from './snowflake-warehouse-schema.js';

/** Guard settings: a sync stops before sending when a run would do more damage than these allow. */
export const guardsSchema = z
  .object({
    /** Largest share of the delivered rows one run may remove (0 to 1). */
    max_removal_share: z.number().min(0).max(1).default(0.1),
    /** Removals at or below this count never trip the removal guard. */
    min_removals_to_guard: z.number().int().min(0).default(100),
    /** Largest share by which the model's row count may fall against the delivered snapshot (0 to 1). */
    max_shrink_share: z.number().min(0).max(1).default(0.5),
    /** Rows with a NULL key part that are dropped and reported before the sync fails. */
    max_null_key_rows: z.number().int().min(0).default(0),
    /** Action of a tripped guard: stop the whole sync, or send adds and changes and withhold removals. */
    on_trip: z.enum(['fail', 'withhold_removals']).default('fail'),
  })
  .strict();

export type GuardsConfig = z.infer<typeof guardsSchema>;

export const scheduleSchema = z
  .object({
    cron: z.string().min(1),
    /** IANA time zone the cron expression is read in, such as Europe/London. */
    timezone: z.string().min(1),
  })
  .strict();

const memorySizeSchema = z
  .string()
  .regex(/^\s*\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$/i, 'use a size such as 512MB or 2GB');

/** DuckDB's memory cap while a sync runs, unless the project sets `sync_memory_limit`. */
export const DEFAULT_SYNC_MEMORY_LIMIT = '128MB';

const duckdbWarehouseSchema = z
  .object({
    type: z.literal('duckdb'),
    /** Database file, relative to the project; `:memory:` for a throwaway database. */
    path: z.string().min(1).default('.sluice/warehouse.duckdb'),
    /** Schema the models are built in. */
    schema: identifierSchema.default('analytics'),
    /** Schema for snapshots, diffs and other tables Sluice owns. */
    internal_schema: identifierSchema.default('sluice'),
    threads: z.number().int().positive().optional(),
    /**
     * Cap on DuckDB's buffer memory, beyond which it spills to a folder next to the database
     * file. Unset, DuckDB may use 80% of the machine's memory. A cap much below 256MB makes
     * ordinary models fail with DuckDB's "Out of Memory Error" (a CSV scan of the example
     * project did at 160MB), so there is no low default.
     */
    memory_limit: memorySizeSchema.optional(),
    /**
     * Cap on DuckDB's memory while a sync computes its diff, reads the rows to send and commits
     * its snapshot. Those are Sluice's own joins, sorts and inserts, which spill to disk under
     * the cap instead of failing, so a large sync runs in little memory. `off` runs them under
     * `memory_limit` too.
     */
    sync_memory_limit: z.union([memorySizeSchema, z.literal('off')]).default(DEFAULT_SYNC_MEMORY_LIMIT),
    /** Seconds to wait for another process to release the database file before giving up. */
    lock_wait_seconds: z.number().min(0).default(30),
  })
  .strict();

export const warehouseSchema = z.discriminatedUnion('type', [duckdbWarehouseSchema, snowflakeWarehouseSchema, bigqueryWarehouseSchema]);
export type WarehouseConfig = z.infer<typeof warehouseSchema>;

const sqliteStateSchema = z
  .object({
    type: z.literal('sqlite'),
    path: z.string().min(1).default('.sluice/state.sqlite'),
  })
  .strict();

const postgresStateSchema = z
  .object({
    type: z.literal('postgres'),
    /** Connection URL, usually `${SLUICE_STATE_URL}` so the password stays in the environment. */
    url: z.string().min(1),
    schema: identifierSchema.default('public'),
  })
  .strict();

export const stateSchema = z.discriminatedUnion('type', [sqliteStateSchema, postgresStateSchema]);
export type StateConfig = z.infer<typeof stateSchema>;

/** A raw table: a warehouse table, or on warehouses that read local files, a CSV or Parquet file. */
export const sourceTableSchema = z
  .object({
    table: z.string().min(1).optional(),
    schema: identifierSchema.optional(),
    file: z.string().min(1).optional(),
    format: z.enum(['csv', 'parquet', 'json']).optional(),
  })
  .strict()
  .refine((value) => (value.table === undefined) !== (value.file === undefined), {
    message: 'set exactly one of `table` (a warehouse table) or `file` (a local file)',
  });

export type SourceTableConfig = z.infer<typeof sourceTableSchema>;

export const sourceSchema = z
  .object({
    description: z.string().optional(),
    tables: z.record(identifierSchema, sourceTableSchema),
  })
  .strict();

/** A named destination account in sluice.yml; the rest of its fields belong to its type. */
export const destinationAccountSchema = z.looseObject({ type: z.string().min(1) });

export const projectSchema = z
  .object({
    name: identifierSchema,
    warehouse: warehouseSchema,
    state: stateSchema.default({ type: 'sqlite', path: '.sluice/state.sqlite' }),
    /** Values for `{{var "name"}}` in models; `--var name=value` overrides them for one run. */
    vars: z.record(identifierSchema, z.union([z.string(), z.number(), z.boolean()])).default({}),
    sources: z.record(identifierSchema, sourceSchema).default({}),
    destinations: z.record(identifierSchema, destinationAccountSchema).default({}),
    /**
     * The built-in identity graph model: which inputs carry which identifiers, how they are
     * normalised, and the rules against over-merging. Its outputs (identity_graph, profiles,
     * profile_merges) are models that other models reference with `{{ref "profiles"}}`.
     */
    identity: identityConfigSchema.optional(),
    /**
     * Local imitations of vendor APIs, by vendor name, that `sluice run`, `sync`, `plan` and
     * `schedule` start on 127.0.0.1 before they run, so the example syncs work without accounts.
     */
    imitations: z
      .record(z.string(), z.object({ port: z.number().int().min(1).max(65535) }).strict())
      .default({}),
    /** Webhooks that receive replies from people, such as SMS opt-outs. */
    inbound: inboundSchema.optional(),
    defaults: z
      .object({
        guards: guardsSchema.partial().default({}),
        timezone: z.string().default('UTC'),
      })
      .strict()
      .default({ guards: {}, timezone: 'UTC' }),
  })
  .strict();

export type ProjectFileConfig = z.infer<typeof projectSchema>;

export const modelTestSchema = z.union([
  z.object({ unique: z.array(columnNameSchema).min(1) }).strict(),
  z.object({ not_null: z.array(columnNameSchema).min(1) }).strict(),
  z.object({ min_rows: z.number().int().min(0) }).strict(),
]);

export type ModelTest = z.infer<typeof modelTestSchema>;

/** Settings beside a model, in `models/NAME.yml`. */
export const modelSettingsSchema = z
  .object({
    description: z.string().optional(),
    primary_key: z.union([columnNameSchema, z.array(columnNameSchema).min(1)]).optional(),
    /** Columns holding personal data: masked in samples, plans and error messages. */
    pii: z.array(columnNameSchema).default([]),
    materialized: z.enum(['table', 'view']).default('table'),
    tests: z.array(modelTestSchema).default([]),
  })
  .strict();

export type ModelSettings = z.infer<typeof modelSettingsSchema>;

const mappingFieldSchema = z.union([
  columnNameSchema,
  z
    .object({
      from: columnNameSchema,
      /**
       * Handling of a NULL in the model. `skip` leaves the delivered value alone, so a NULL is not
       * a change. `clear` sends the NULL and wipes the value.
       */
      on_null: z.enum(['skip', 'clear']).default('skip'),
    })
    .strict(),
], { error: 'use a model column name, or {from: column, on_null: skip|clear}' });

export const syncModes = ['upsert', 'update', 'insert', 'mirror', 'audience', 'trigger'] as const;
export type SyncMode = (typeof syncModes)[number];

/** One sync, in `syncs/NAME.yml`; the sync's name is the file name. */
export const syncSchema = z
  .object({
    description: z.string().optional(),
    model: identifierSchema,
    destination: identifierSchema,
    mode: z.enum(syncModes),
    /** Defaults to the model's primary key. */
    primary_key: z.union([columnNameSchema, z.array(columnNameSchema).min(1)]).optional(),
    /** Destination field name to model column (or `{from, on_null}`). */
    mapping: z.record(columnNameSchema, mappingFieldSchema).refine((m) => Object.keys(m).length > 0, {
      message: 'map at least one field',
    }),
    destination_options: z.record(z.string(), z.unknown()).default({}),
    schedule: z
      .union([scheduleSchema, z.string().min(1)], {
        error: 'use a cron expression, or {cron, timezone}',
      })
      .optional(),
    guards: guardsSchema.partial().default({}),
    on_duplicate_key: z.enum(['fail', 'skip']).default('fail'),
    /** Rows per destination call, at most the destination's maximum. */
    batch_size: z.number().int().positive().optional(),
    enabled: z.boolean().default(true),
    /** Model column that must be true for a row to be sent; rows without consent are never sent. */
    consent: z.object({ column: columnNameSchema }).strict().optional(),
    /**
     * A model listing suppressed addresses. A row whose mapped `field` matches a value of the
     * model's `column` (compared trimmed and lower-cased) is never sent.
     */
    suppression: z
      .object({ model: identifierSchema, column: columnNameSchema, field: columnNameSchema })
      .strict()
      .optional(),
  })
  .strict();

export type SyncFileConfig = z.infer<typeof syncSchema>;
