import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { snowflakeWarehouseSchema } from '../../../src/config/snowflake-warehouse-schema.js';
import { openTestSnowflake, snowflakeSkipReason } from '../../support/snowflake/open-test-snowflake.js';

const base = { type: 'snowflake', account: 'myorg-myaccount', user: 'sluice', database: 'crm' };

function issues(input: Record<string, unknown>): string[] {
  const result = snowflakeWarehouseSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('Snowflake warehouse config', () => {
  it('accepts password authentication with defaults', () => {
    const config = snowflakeWarehouseSchema.parse({ ...base, password: 'secret' });
    expect(config).toMatchObject({ schema: 'analytics', internal_schema: 'sluice', protocol: 'https', statement_timeout_seconds: 0 });
  });

  it('requires one authentication method', () => {
    expect(issues(base)).toEqual([
      'password: set one of `password`, `private_key` or `private_key_path` (key-pair authentication)',
    ]);
  });

  it('rejects two authentication methods', () => {
    expect(issues({ ...base, password: 'secret', private_key_path: 'keys/sluice.p8' })).toEqual([
      'private_key_path: set only one of `password`, `private_key` or `private_key_path`, not `password` and `private_key_path`',
    ]);
  });

  it('rejects a passphrase with a password', () => {
    expect(issues({ ...base, password: 'secret', private_key_passphrase: 'x' })).toHaveLength(1);
  });

  it('reads a port given as text from the environment', () => {
    expect(snowflakeWarehouseSchema.parse({ ...base, password: 'x', host: '127.0.0.1', port: '8443' }).port).toBe(8443);
  });
});

describe.skipIf(snowflakeSkipReason !== undefined)('Snowflake key-pair authentication on fakesnow', () => {
  it('logs in with a PKCS#8 private key', async () => {
    // NOTE: fakesnow accepts any login, so this proves that the driver accepts the key and sends
    // a JWT, not that Snowflake would accept it.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const warehouse = await openTestSnowflake('keypair', { password: undefined, private_key: pem });
    try {
      expect(await warehouse.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await warehouse.close();
    }
  });

  it('names the field when the key file is missing', async () => {
    await expect(openTestSnowflake('keyfile', { password: undefined, private_key_path: 'missing/key.p8' })).rejects.toThrow(
      /Cannot read the Snowflake private key file .*missing\/key\.p8 \(warehouse\.private_key_path\)/,
    );
  });

  it('rejects a key that is not a private key', async () => {
    await expect(openTestSnowflake('badkey', { password: undefined, private_key: 'not a key' })).rejects.toThrow(/Invalid Snowflake connection settings in warehouse: Invalid private key/);
  });
});
