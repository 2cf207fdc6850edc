import type { Knex } from 'knex';

/**
 * Schema migrations of the state store, kept in code so that they run from TypeScript sources
 * and from the compiled package alike, with no migration files on disk. Migrations are
 * append-only: never edit one that has shipped, add a new one after it.
 */

export const STATE_TABLES = {
  runs: 'sluice_runs',
  modelRuns: 'sluice_model_runs',
  syncRuns: 'sluice_sync_runs',
  rejections: 'sluice_rejections',
  locks: 'sluice_locks',
  ledger: 'sluice_ledger',
  suppressions: 'sluice_suppressions',
} as const;

/** Knex's migration history table; knex names its lock table after it (`…_lock`). */
export const MIGRATIONS_TABLE = 'sluice_migrations';

/** Connection and table naming for statements that the schema builder cannot express. */
interface MigrationContext {
  /** The connection the migration runs on, inside the migration's transaction. */
  knex: Knex;
  /** Returns `table` qualified with the store's schema, for a `??` binding of `knex.raw`. */
  qualify(table: string): string;
}

interface StateMigration {
  name: string;
  up(schema: Knex.SchemaBuilder, context: MigrationContext): PromiseLike<unknown>;
  down(schema: Knex.SchemaBuilder, context: MigrationContext): PromiseLike<unknown>;
}

/*
 * Timestamps are ISO 8601 text in UTC (`Date.toISOString()`), so they sort and compare as
 * strings. JSON is text. Counts and durations are 64-bit integers.
 */
const createInitialTables: StateMigration = {
  name: '0001_initial',

  up(schema) {
    return schema
      .createTable(STATE_TABLES.runs, (table) => {
        table.text('id').primary();
        table.text('trigger').notNullable();
        table.text('status').notNullable();
        table.text('started_at').notNullable();
        table.text('finished_at');
        table.text('error');
        table.text('options').notNullable();
        table.index(['started_at']);
      })
      .createTable(STATE_TABLES.modelRuns, (table) => {
        table.bigIncrements('id');
        table.text('run_id').notNullable();
        table.text('model').notNullable();
        table.text('version').notNullable();
        table.text('status').notNullable();
        table.bigInteger('row_count');
        table.bigInteger('duration_ms').notNullable();
        table.text('error');
        table.text('recorded_at').notNullable();
        table.unique(['run_id', 'model']);
      })
      .createTable(STATE_TABLES.syncRuns, (table) => {
        table.bigIncrements('id');
        table.text('run_id').notNullable();
        table.text('sync').notNullable();
        table.text('status').notNullable();
        table.text('model_version');
        table.text('mapping_version');
        for (const count of ['added', 'changed', 'removed', 'accepted', 'rejected', 'skipped']) {
          table.bigInteger(count).notNullable();
        }
        table.bigInteger('duration_ms').notNullable();
        table.text('error');
        table.text('detail');
        table.text('recorded_at').notNullable();
        table.unique(['run_id', 'sync']);
        table.index(['sync', 'id']);
      })
      .createTable(STATE_TABLES.rejections, (table) => {
        table.bigIncrements('id');
        table.text('run_id').notNullable();
        table.text('sync').notNullable();
        table.text('row_key').notNullable();
        table.text('operation').notNullable();
        table.text('reason').notNullable();
        table.index(['run_id', 'sync']);
      })
      .createTable(STATE_TABLES.locks, (table) => {
        table.text('name').primary();
        table.text('owner').notNullable();
        table.text('run_id').notNullable();
        table.text('acquired_at').notNullable();
        table.text('expires_at').notNullable();
      })
      .createTable(STATE_TABLES.ledger, (table) => {
        table.text('idempotency_key').primary();
        table.text('sync').notNullable();
        table.text('row_key').notNullable();
        table.text('content_hash').notNullable();
        table.text('run_id').notNullable();
        table.text('status').notNullable();
        table.text('detail');
        table.text('created_at').notNullable();
        table.text('updated_at').notNullable();
      });
  },

  down(schema) {
    return schema
      .dropTable(STATE_TABLES.ledger)
      .dropTable(STATE_TABLES.locks)
      .dropTable(STATE_TABLES.rejections)
      .dropTable(STATE_TABLES.syncRuns)
      .dropTable(STATE_TABLES.modelRuns)
      .dropTable(STATE_TABLES.runs);
  },
};

/** Name of the unique index that allows one entry per (channel, address, sender). */
const SUPPRESSION_ENTRY_INDEX = 'sluice_suppressions_entry';

/**
 * The suppression list. SQLite and Postgres both treat NULLs as distinct in a plain unique
 * constraint, so two every-sender entries (sender NULL) for one address would both be accepted.
 * The unique index is therefore on `coalesce(sender, '')`, and SQLite supports such expression
 * indexes from 3.9. Lookups filter by (channel, address), a prefix of that index, so the table
 * needs no other index. `id` orders entries with the same `created_at` by insertion.
 */
const createSuppressionsTable: StateMigration = {
  name: '0002_suppressions',

  async up(schema, { knex, qualify }) {
    await schema.createTable(STATE_TABLES.suppressions, (table) => {
      table.bigIncrements('id');
      table.text('channel').notNullable();
      table.text('address').notNullable();
      table.text('sender');
      table.text('reason').notNullable();
      table.text('source').notNullable();
      table.text('created_at').notNullable();
    });

    await knex.raw(`create unique index ?? on ?? (channel, address, coalesce(sender, ''))`, [
      SUPPRESSION_ENTRY_INDEX,
      qualify(STATE_TABLES.suppressions),
    ]);
  },

  down(schema) {
    return schema.dropTable(STATE_TABLES.suppressions);
  },
};

const MIGRATIONS: readonly StateMigration[] = [createInitialTables, createSuppressionsTable];

/** Knex migration source over the migrations above, creating tables in `schema` when given. */
export class StateMigrationSource implements Knex.MigrationSource<StateMigration> {
  readonly #schema: string | undefined;

  constructor(schema?: string) {
    this.#schema = schema;
  }

  async getMigrations(): Promise<StateMigration[]> {
    return [...MIGRATIONS];
  }

  getMigrationName(migration: StateMigration): string {
    return migration.name;
  }

  async getMigration(migration: StateMigration): Promise<Knex.Migration> {
    return {
      up: async (knex) => {
        await migration.up(this.#schemaBuilder(knex), this.#context(knex));
      },
      down: async (knex) => {
        await migration.down(this.#schemaBuilder(knex), this.#context(knex));
      },
    };
  }

  #schemaBuilder(knex: Knex): Knex.SchemaBuilder {
    return this.#schema === undefined ? knex.schema : knex.schema.withSchema(this.#schema);
  }

  #context(knex: Knex): MigrationContext {
    const schema = this.#schema;
    return {
      knex,
      qualify: (table) => (schema === undefined ? table : `${schema}.${table}`),
    };
  }
}
