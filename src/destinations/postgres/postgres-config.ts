import { z } from 'zod';

/** Postgres truncates longer identifiers (NAMEDATALEN 64, minus the terminating byte). */
export const MAX_IDENTIFIER_BYTES = 63;

const identifierSchema = z
  .string()
  .min(1)
  .refine((value) => Buffer.byteLength(value) <= MAX_IDENTIFIER_BYTES, {
    message: `must be at most ${MAX_IDENTIFIER_BYTES} bytes, the longest identifier Postgres keeps`,
  })
  .refine((value) => !value.includes('\0'), { message: 'must not contain a NUL character' });

/** A named Postgres destination in sluice.yml. */
export const postgresAccountSchema = z
  .object({
    type: z.literal('postgres'),
    /** Connection URL, usually `${PG_URL}` so the password stays in the environment. */
    url: z.string().min(1),
    schema: identifierSchema.default('public'),
  })
  .strict();

export type PostgresAccount = z.infer<typeof postgresAccountSchema>;

/** `destination_options` of a sync that writes to a Postgres table. */
export const postgresSyncSchema = z
  .object({
    table: identifierSchema,
    /**
     * Fields that identify a row in the table, with a unique index on them. When left out, the
     * sync's primary key goes into a text column `_sluice_key`, the table's primary key.
     */
    key_columns: z.array(identifierSchema).min(1).optional(),
    /** Create the table, and add columns for new fields, when they are missing. */
    create_table: z.boolean().default(true),
  })
  .strict()
  .refine((value) => new Set(value.key_columns).size === (value.key_columns?.length ?? 0), {
    message: 'key_columns must not repeat a column',
    path: ['key_columns'],
  });

export type PostgresSyncOptions = z.infer<typeof postgresSyncSchema>;
