import { z } from 'zod';
import { identifierSchema } from './identifiers.js';

/**
 * `warehouse:` for Snowflake. Secrets (password, private key, passphrase) belong in the
 * environment as `${VAR}` references, which are redacted from every output. `host`, `port` and
 * `protocol` override the address derived from `account`, for a private link or an emulator.
 */
export const snowflakeWarehouseSchema = z
  .object({
    type: z.literal('snowflake'),
    /** Account identifier, such as `myorg-myaccount`. */
    account: z.string().min(1),
    user: z.string().min(1),
    /** Password authentication. */
    password: z.string().min(1).optional(),
    /** Key-pair authentication: a PKCS#8 private key in PEM text. */
    private_key: z.string().min(1).optional(),
    /** Key-pair authentication: a file holding the PKCS#8 private key, relative to the project. */
    private_key_path: z.string().min(1).optional(),
    /** Passphrase of an encrypted private key. */
    private_key_passphrase: z.string().min(1).optional(),
    /** Database holding the model and internal schemas. */
    database: identifierSchema,
    /** Schema the models are built in. */
    schema: identifierSchema.default('analytics'),
    /** Schema for snapshots, diffs and other tables Sluice owns. */
    internal_schema: identifierSchema.default('sluice'),
    /** Virtual warehouse that runs the statements; the user's default when omitted. */
    warehouse: identifierSchema.optional(),
    role: identifierSchema.optional(),
    host: z.string().min(1).optional(),
    port: z.coerce.number().int().min(1).max(65535).optional(),
    protocol: z.enum(['https', 'http']).default('https'),
    /** Seconds a statement may run before Snowflake cancels it; 0 keeps the account's setting. */
    statement_timeout_seconds: z.coerce.number().int().min(0).default(0),
  })
  .strict()
  .superRefine((config, context) => {
    const methods = (['password', 'private_key', 'private_key_path'] as const).filter((key) => config[key] !== undefined);
    if (methods.length !== 1) {
      context.addIssue({
        code: 'custom',
        path: methods.length === 0 ? ['password'] : [methods[1]!],
        message:
          methods.length === 0
            ? 'set one of `password`, `private_key` or `private_key_path` (key-pair authentication)'
            : `set only one of \`password\`, \`private_key\` or \`private_key_path\`, not ${methods.map((m) => `\`${m}\``).join(' and ')}`,
      });
    }
    if (config.private_key_passphrase !== undefined && config.password !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['private_key_passphrase'],
        message: '`private_key_passphrase` applies to key-pair authentication; remove it or use `private_key` instead of `password`',
      });
    }
  });

export type SnowflakeWarehouseConfig = z.infer<typeof snowflakeWarehouseSchema>;
