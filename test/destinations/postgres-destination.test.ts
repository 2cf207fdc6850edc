import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DestinationError } from '../../src/core/errors.js';
import type { Destination, RowOutcome } from '../../src/destinations/destination.js';
import { postgresDestinationType } from '../../src/destinations/postgres/postgres-type.js';
import {
  createTestDatabase,
  dropTestDatabase,
  postgresAvailable,
  postgresSuiteTitle,
  withClient,
} from '../support/postgres.js';
import { changeRecord, testContext } from './change-records.js';

let databaseUrl = '';
const destinations: Destination[] = [];

async function openTable(options: Record<string, unknown>): Promise<Destination> {
  const account = postgresDestinationType.accountSchema.parse({ type: 'postgres', url: databaseUrl });
  const syncOptions = postgresDestinationType.syncSchema.parse(options);
  const destination = await postgresDestinationType.open(account, syncOptions, testContext());
  destinations.push(destination);
  return destination;
}

async function query<T = Record<string, unknown>>(sql: string, values: unknown[] = []): Promise<T[]> {
  return withClient(databaseUrl, async (client) => (await client.query(sql, values)).rows as T[]);
}

function statuses(outcomes: RowOutcome[]): string[] {
  return outcomes.map((outcome) => outcome.status);
}

describe.skipIf(!postgresAvailable())(postgresSuiteTitle('postgres destination'), () => {
  beforeAll(async () => {
    databaseUrl = await createTestDatabase('destination_pg');
  });

  afterEach(async () => {
    await Promise.all(destinations.splice(0).map((destination) => destination.close()));
  });

  afterAll(async () => {
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  });

  it('creates columns typed by values', async () => {
    const destination = await openTable({ table: 'typed' });
    const outcomes = await destination.write([
      changeRecord('a', 'upsert', {
        email: 'a@example.com',
        score: 12.5,
        big: '12345678901234567890.5',
        active: true,
        seen_at: '2024-05-01T10:20:30.123456Z',
        profile: { plan: 'pro' },
        zip: '02134',
        nothing: null,
      }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted']);
    const columns = await query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns
       WHERE table_name = 'typed' ORDER BY ordinal_position`,
    );
    expect(Object.fromEntries(columns.map((c) => [c.column_name, c.data_type]))).toEqual({
      _sluice_key: 'text',
      email: 'text',
      score: 'numeric',
      big: 'text',
      active: 'boolean',
      seen_at: 'timestamp with time zone',
      profile: 'jsonb',
      zip: 'text',
      nothing: 'text',
    });
    const rows = await query(
      `SELECT _sluice_key, score::text, active, seen_at = '2024-05-01T10:20:30.123456Z' AS same_time,
        profile, zip, nothing FROM typed`,
    );
    expect(rows).toEqual([
      {
        _sluice_key: 'a',
        score: '12.5',
        active: true,
        same_time: true,
        profile: { plan: 'pro' },
        zip: '02134',
        nothing: null,
      },
    ]);
  });

  it('upserts, updates and deletes by key', async () => {
    const destination = await openTable({ table: 'contacts' });
    await destination.write([
      changeRecord('a', 'upsert', { email: 'a@example.com', tier: 'gold' }),
      changeRecord('b', 'upsert', { email: 'b@example.com', tier: 'silver' }),
    ]);
    const second = await destination.write([
      changeRecord('a', 'upsert', { email: 'a2@example.com', tier: 'gold' }),
      changeRecord('b', 'update', { email: 'b@example.com', tier: 'bronze' }),
      changeRecord('c', 'update', { email: 'c@example.com', tier: 'gold' }),
      changeRecord('d', 'insert', { email: 'd@example.com', tier: 'new' }),
    ]);

    expect(statuses(second)).toEqual(['accepted', 'accepted', 'rejected', 'accepted']);
    const missingRow = expect.stringContaining('no row in "public"."contacts"');
    expect(second[2]).toHaveProperty('reason', missingRow);
    expect(await query('SELECT _sluice_key, email, tier FROM contacts ORDER BY 1')).toEqual([
      { _sluice_key: 'a', email: 'a2@example.com', tier: 'gold' },
      { _sluice_key: 'b', email: 'b@example.com', tier: 'bronze' },
      { _sluice_key: 'd', email: 'd@example.com', tier: 'new' },
    ]);

    const third = await destination.write([
      changeRecord('a', 'delete', null, { email: 'a2@example.com', tier: 'gold' }),
      changeRecord('d', 'remove', null, { email: 'd@example.com', tier: 'new' }),
      changeRecord('zz', 'delete', null, { email: 'gone@example.com' }),
    ]);
    expect(statuses(third)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(await query('SELECT _sluice_key FROM contacts')).toEqual([{ _sluice_key: 'b' }]);
  });

  it('leaves an existing row alone on insert', async () => {
    const destination = await openTable({ table: 'inserts' });
    await destination.write([changeRecord('a', 'insert', { email: 'first@example.com' })]);
    const again = await destination.write([
      changeRecord('a', 'insert', { email: 'second@example.com' }),
    ]);

    expect(statuses(again)).toEqual(['accepted']);
    expect(await query('SELECT email FROM inserts')).toEqual([{ email: 'first@example.com' }]);
  });

  it('rejects only the row that breaks a constraint', async () => {
    await query(`CREATE TABLE strict_contacts (
      _sluice_key text PRIMARY KEY,
      email text NOT NULL,
      age numeric CHECK (age >= 0)
    )`);
    const destination = await openTable({ table: 'strict_contacts', create_table: false });
    const outcomes = await destination.write([
      changeRecord('a', 'upsert', { email: 'a@example.com', age: 30 }),
      changeRecord('b', 'upsert', { email: null, age: 40 }),
      changeRecord('c', 'upsert', { email: 'c@example.com', age: -1 }),
      changeRecord('d', 'upsert', { email: 'd@example.com', age: 50 }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'rejected', 'rejected', 'accepted']);
    const notNull = expect.stringContaining('violates not-null constraint');
    expect(outcomes[1]).toHaveProperty('reason', notNull);
    expect(outcomes[1]).toHaveProperty('reason', expect.stringContaining('SQLSTATE 23502'));
    expect(outcomes[2]).toHaveProperty('reason', expect.stringContaining('check constraint'));
    expect(await query('SELECT _sluice_key FROM strict_contacts ORDER BY 1')).toEqual([
      { _sluice_key: 'a' },
      { _sluice_key: 'd' },
    ]);
  });

  it('rejects a value the column type cannot take', async () => {
    const destination = await openTable({ table: 'typed_values' });
    await destination.write([changeRecord('a', 'upsert', { amount: 10 })]);
    const outcomes = await destination.write([
      changeRecord('b', 'upsert', { amount: 'not a number' }),
      changeRecord('c', 'upsert', { amount: 11 }),
    ]);

    expect(statuses(outcomes)).toEqual(['rejected', 'accepted']);
    expect(outcomes[0]).toHaveProperty('reason', expect.stringContaining('invalid input syntax'));
  });

  it('quotes a table name containing a double quote', async () => {
    const table = 'odd "name"; DROP TABLE x --';
    const destination = await openTable({ table });
    const outcomes = await destination.write([
      changeRecord('a', 'upsert', { 'field "with" quotes': 'value' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted']);
    const rows = await query('SELECT * FROM "odd ""name""; DROP TABLE x --"');
    expect(rows).toEqual([{ _sluice_key: 'a', 'field "with" quotes': 'value' }]);
  });

  it('adds a column for a field first seen later', async () => {
    const destination = await openTable({ table: 'growing' });
    await destination.write([changeRecord('a', 'upsert', { email: 'a@example.com' })]);
    await destination.write([changeRecord('b', 'upsert', { email: 'b@example.com', vip: true })]);

    expect(await query('SELECT _sluice_key, vip FROM growing ORDER BY 1')).toEqual([
      { _sluice_key: 'a', vip: null },
      { _sluice_key: 'b', vip: true },
    ]);
  });

  it('matches rows by key_columns', async () => {
    await query('CREATE TABLE by_email (email text PRIMARY KEY, name text)');
    const destination = await openTable({ table: 'by_email', key_columns: ['email'] });
    await destination.write([
      changeRecord('1', 'upsert', { email: 'a@example.com', name: 'A' }),
      changeRecord('2', 'upsert', { email: 'b@example.com', name: 'B' }),
    ]);
    const outcomes = await destination.write([
      changeRecord('1', 'upsert', { email: 'a@example.com', name: 'A2' }),
      changeRecord('2', 'delete', null, { email: 'b@example.com', name: 'B' }),
      changeRecord('3', 'upsert', { email: null, name: 'no email' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted', 'rejected']);
    expect(outcomes[2]).toHaveProperty('reason', 'key column "email" is missing or NULL');
    expect(await query('SELECT email, name FROM by_email')).toEqual([
      { email: 'a@example.com', name: 'A2' },
    ]);
  });

  it('fails when key_columns have no unique index', async () => {
    await query('CREATE TABLE no_unique (email text, name text)');
    const destination = await openTable({ table: 'no_unique', key_columns: ['email'] });

    const error = await destination
      .write([changeRecord('1', 'upsert', { email: 'a@example.com', name: 'A' })])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DestinationError);
    expect((error as Error).message).toContain('no primary key or unique index on exactly ("email")');
  });

  it('fails on a missing table', async () => {
    const destination = await openTable({ table: 'absent', create_table: false });

    await expect(destination.write([changeRecord('a', 'upsert', { x: 1 })])).rejects.toThrow(
      'Table "public"."absent" does not exist',
    );
  });

  it('writes concurrent batches to a new table', async () => {
    const destination = await openTable({ table: 'concurrent' });
    const batches = Array.from({ length: 4 }, (_unused, batch) =>
      Array.from({ length: 250 }, (_none, index) =>
        changeRecord(`k${batch}-${index}`, 'upsert', { n: batch * 250 + index }),
      ),
    );
    const results = await Promise.all(batches.map((batch) => destination.write(batch)));

    expect(results.flat().every((outcome) => outcome.status === 'accepted')).toBe(true);
    expect(await query('SELECT count(*)::int AS n FROM concurrent')).toEqual([{ n: 1_000 }]);
  });
});

describe('postgres destination connection', () => {
  it('fails retryably without showing the password', async () => {
    const port = await closedPort();
    const password = 'pg-password-0123456789';
    const account = postgresDestinationType.accountSchema.parse({
      type: 'postgres',
      url: `postgres://sluice:${password}@127.0.0.1:${port}/sluice`,
    });
    const options = postgresDestinationType.syncSchema.parse({ table: 'contacts' });
    const destination = await postgresDestinationType.open(account, options, testContext());

    const error = await destination
      .write([changeRecord('a', 'upsert', { email: 'a@example.com' })])
      .catch((caught: unknown) => caught);
    await destination.close();

    expect(error).toBeInstanceOf(DestinationError);
    expect((error as DestinationError).retryable).toBe(true);
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect((error as Error).message).not.toContain(password);
  });

  it('rejects invalid sync options', () => {
    const result = postgresDestinationType.syncSchema.safeParse({
      table: 'x'.repeat(64),
      key_columns: ['email', 'email'],
    });

    expect(result.success).toBe(false);
    const messages = JSON.stringify(result.error?.issues);
    expect(messages).toContain('at most 63 bytes');
    expect(messages).toContain('must not repeat a column');
  });
});

/** Returns a loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
