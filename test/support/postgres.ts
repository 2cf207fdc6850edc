import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** Helpers for tests that use the PostgreSQL server started by global-setup.ts. */

const DATABASE_PREFIX_PATTERN = /^[a-z][a-z0-9_]{0,40}$/;

/** Superuser URL of the test server's `postgres` database, or '' when no server is running. */
export function postgresUrl(): string {
  return inject('postgresUrl');
}

export function postgresAvailable(): boolean {
  return postgresUrl() !== '';
}

/**
 * Returns `title`, extended with the reason and the fix when Postgres is unavailable, so that
 * a skipped suite explains itself in the test report.
 */
export function postgresSuiteTitle(title: string): string {
  if (postgresAvailable()) return title;
  return `${title} (skipped: no PostgreSQL server binaries; run \`apt-get install postgresql\`)`;
}

/**
 * Creates an empty database named `prefix` plus a random suffix, so that test files running in
 * parallel never share one, and returns a superuser URL to it.
 */
export async function createTestDatabase(prefix: string): Promise<string> {
  if (!DATABASE_PREFIX_PATTERN.test(prefix)) {
    throw new Error(`Invalid test database prefix "${prefix}": use lower-case letters, digits, _`);
  }

  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await runAsSuperuser(`create database "${name}"`);
  return databaseUrl(name);
}

/** Drops a database made by `createTestDatabase`, closing any connections still open to it. */
export async function dropTestDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await runAsSuperuser(`drop database if exists "${name}" with (force)`);
}

/** Returns the test server's superuser URL with the database replaced by `database`. */
export function databaseUrl(database: string, serverUrl: string = requireServerUrl()): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs one statement on the `postgres` database as the superuser. */
export async function runAsSuperuser(sql: string, values: unknown[] = []): Promise<void> {
  await withClient(requireServerUrl(), (client) => client.query(sql, values));
}

/** Connects to `url`, runs `action` and always disconnects. */
export async function withClient<T>(
  url: string,
  action: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await action(client);
  } finally {
    await client.end();
  }
}

function requireServerUrl(): string {
  const url = postgresUrl();
  if (url === '') {
    throw new Error(
      'No PostgreSQL test server is running. Skip the suite unless postgresAvailable().',
    );
  }
  return url;
}
