import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import type Database from 'better-sqlite3';
import type { StateConfig } from '../config/schema.js';
import { StateError, errorMessage } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { redactor } from '../core/redact.js';
import { KnexStateStore } from './knex-store.js';
import type { StateStore } from './store.js';

/**
 * How long a SQLite statement waits for another connection's write lock before failing with
 * SQLITE_BUSY. Writes to the state store are short, so a wait this long means a stuck process.
 */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

const POSTGRES_POOL_SIZE = 10;

export interface OpenStateStoreOptions {
  logger?: Logger;
  /** Whether to create or upgrade the tables before returning. Defaults to true. */
  migrate?: boolean;
}

/**
 * Opens the state store that `config` describes and migrates it unless `options.migrate` is false.
 * A relative SQLite path is resolved against `projectDir`, and its folder is created.
 */
export async function openStateStore(
  config: StateConfig,
  projectDir: string,
  options: OpenStateStoreOptions = {},
): Promise<StateStore> {
  const logger = options.logger ?? silentLogger;
  const store =
    config.type === 'sqlite'
      ? await openSqliteStore(path.resolve(projectDir, config.path), logger)
      : openPostgresStore(config.url, config.schema, logger);

  if (options.migrate === false) return store;

  try {
    await store.migrate();
  } catch (error) {
    await closeAfterFailure(store, logger);
    throw error;
  }
  return store;
}

async function openSqliteStore(filename: string, logger: Logger): Promise<StateStore> {
  const folder = path.dirname(filename);
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    throw new StateError(
      `Failed to create the folder ${folder} for the SQLite state store: ${errorMessage(error)}`,
      { cause: error },
    );
  }

  const db = knex({
    client: 'better-sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    // Bound values (addresses, row keys) must not reach error messages and logs.
    compileSqlOnError: false,
    pool: { afterCreate: configureSqliteConnection },
    log: knexLog(logger),
  });

  return new KnexStateStore(db, { description: `SQLite file ${filename}`, logger });
}

/**
 * Sets the busy timeout before WAL mode, because switching a new file to WAL needs a brief
 * exclusive lock that another process opening the same file may hold.
 */
function configureSqliteConnection(
  connection: Database.Database,
  done: (error: Error | null, connection: Database.Database) => void,
): void {
  try {
    connection.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);

    const mode = connection.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') {
      throw new Error(
        `SQLite kept journal mode "${String(mode)}" instead of WAL, so other processes ` +
          'cannot share the file safely. Put the state file on a local disk.',
      );
    }

    done(null, connection);
  } catch (error) {
    done(error instanceof Error ? error : new Error(String(error)), connection);
  }
}

function openPostgresStore(url: string, schema: string, logger: Logger): StateStore {
  const secrets = urlSecrets(url);
  for (const secret of secrets) redactor.add(secret);

  const connection: Knex.PgConnectionConfig = { connectionString: url, application_name: 'sluice' };
  const db = knex({
    client: 'pg',
    connection,
    pool: { min: 0, max: POSTGRES_POOL_SIZE },
    compileSqlOnError: false,
    log: knexLog(logger),
  });

  return new KnexStateStore(db, {
    description: describePostgres(url, schema),
    schema,
    secrets,
    logger,
  });
}

/**
 * Sends knex's own messages to the logger at debug level instead of the console. They are
 * advice for knex users, such as running `knex migrate:unlock` while the store retries a
 * migration, and any failure that matters reaches the caller as a StateError.
 */
function knexLog(logger: Logger): Knex.Logger {
  const forward = (level: string) => (message: unknown) => {
    logger.log('debug', 'state.knex_message', { level, message: String(message) });
  };
  return {
    warn: forward('warn'),
    error: forward('error'),
    debug: forward('debug'),
    deprecate: (method, alternative) => {
      logger.log('debug', 'state.knex_message', {
        level: 'deprecate',
        message: `${method} is deprecated, use ${alternative}`,
      });
    },
  };
}

/**
 * Returns the URL and its password, raw and decoded. The URL itself counts as a secret because
 * it may carry the password, and `sluice.yml` may hold it literally instead of through an
 * environment variable.
 */
function urlSecrets(url: string): string[] {
  const secrets = [url];
  const password = parseUrl(url)?.password;
  if (password) secrets.push(password, safeDecode(password));
  return secrets;
}

/** Names the database, host and schema without the user name or password. */
function describePostgres(url: string, schema: string): string {
  const parsed = parseUrl(url);
  if (parsed === undefined) return `Postgres, schema "${schema}"`;

  const database = safeDecode(parsed.pathname.replace(/^\//, '')) || '(default)';
  const host = parsed.host || 'local socket';
  return `Postgres database "${database}" on ${host}, schema "${schema}"`;
}

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Closes a store whose migration failed; the migration error is the one worth raising. */
async function closeAfterFailure(store: StateStore, logger: Logger): Promise<void> {
  try {
    await store.close();
  } catch (error) {
    logger.log('warn', 'state.close_failed', { error: errorMessage(error) });
  }
}
