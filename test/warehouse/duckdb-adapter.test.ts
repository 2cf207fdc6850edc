import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WarehouseError } from '../../src/core/errors.js';
import type { LogicalType, Row } from '../../src/core/values.js';
import { DuckDBAdapter } from '../../src/warehouse/duckdb/duckdb-adapter.js';

let warehouse: DuckDBAdapter;

beforeEach(async () => {
  warehouse = await DuckDBAdapter.open({ path: ':memory:' });
});

afterEach(async () => {
  vi.restoreAllMocks();
  await warehouse.close();
});

async function pageSizes(sql: string, pageSize: number): Promise<number[]> {
  const sizes: number[] = [];
  for await (const page of warehouse.stream(sql, pageSize)) sizes.push(page.length);
  return sizes;
}

/** Counts connections opened and closed from now on. */
function watchConnections(): { open: () => number } {
  const connect = vi.spyOn(DuckDBInstance.prototype, 'connect');
  const close = vi.spyOn(DuckDBConnection.prototype, 'closeSync');
  return { open: () => connect.mock.calls.length - close.mock.calls.length };
}

describe('DuckDBAdapter.stream', () => {
  it('returns pages of at most pageSize rows', async () => {
    expect(await pageSizes('SELECT * FROM range(25)', 10)).toEqual([10, 10, 5]);
    expect(await pageSizes('SELECT * FROM range(5000)', 3000)).toEqual([3000, 2000]);
    expect(await pageSizes('SELECT * FROM range(0)', 10)).toEqual([]);
  });

  it('returns every row once, in order', async () => {
    const ids: number[] = [];
    for await (const page of warehouse.stream('SELECT range AS id FROM range(4500) ORDER BY id', 1000)) {
      expect(page.length).toBeLessThanOrEqual(1000);
      ids.push(...page.map((row) => row.id as number));
    }
    expect(ids).toEqual(Array.from({ length: 4500 }, (_, index) => index));
  });

  it('releases its connection on break', async () => {
    await warehouse.execute('CREATE TABLE events AS SELECT range AS id FROM range(100000)');
    const connections = watchConnections();

    for (let attempt = 0; attempt < 50; attempt += 1) {
      for await (const page of warehouse.stream('SELECT * FROM events', 100)) {
        expect(page).toHaveLength(100);
        break;
      }
    }

    expect(connections.open()).toBe(0);
    await warehouse.execute('INSERT INTO events VALUES (-1)');
    expect(await warehouse.query('SELECT count(*) AS n FROM events')).toEqual([{ n: 100001 }]);
    expect(connections.open()).toBe(0);
  });

  it('releases its connection on throw', async () => {
    const connections = watchConnections();
    const consume = async () => {
      for await (const page of warehouse.stream('SELECT * FROM range(10000)', 10)) {
        if (page.length > 0) throw new Error('consumer failed');
      }
    };

    await expect(consume()).rejects.toThrow('consumer failed');
    expect(connections.open()).toBe(0);
  });

  it('reports a failing statement', async () => {
    const connections = watchConnections();
    const error = await warehouse.query('SELECT no_such_column\nFROM range(3)').catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(WarehouseError);
    expect((error as WarehouseError).message).toMatch(/no_such_column/);
    expect((error as WarehouseError).message).toMatch(/in statement: SELECT no_such_column$/);
    expect(connections.open()).toBe(0);
  });

  it('names duplicate columns apart', async () => {
    const rows = await warehouse.query('SELECT 1 AS id, 2 AS id');
    expect(Object.values(rows[0]!).sort()).toEqual([1, 2]);
  });
});

const allTypes: { name: string; type: LogicalType }[] = [
  { name: 'text', type: 'string' },
  { name: 'count', type: 'integer' },
  { name: 'amount', type: 'decimal' },
  { name: 'ratio', type: 'float' },
  { name: 'active', type: 'boolean' },
  { name: 'seen_at', type: 'timestamp' },
  { name: 'born_on', type: 'date' },
  { name: 'payload', type: 'json' },
];

const loadedRows: Row[] = [
  {
    text: `it's "quoted", with \\ backslash,\nnewline and 名前 😀`,
    count: '9007199254740993',
    amount: '12345678901234567890.123456789',
    ratio: 0.1,
    active: true,
    seen_at: '2024-03-01T12:34:56.123456Z',
    born_on: '1999-12-31',
    payload: { name: "O'Brien", tags: ['a', 'b'], nested: { n: 1.5 } },
  },
  {
    text: '',
    count: -42,
    amount: '0.000000001',
    ratio: -1e-7,
    active: false,
    seen_at: '1970-01-01T00:00:00.000001Z',
    born_on: '2024-02-29',
    payload: [1, 'two', null],
  },
  { text: null, count: null, amount: null, ratio: null, active: null, seen_at: null, born_on: null, payload: null },
];

describe('DuckDBAdapter.loadRows', () => {
  it('keeps exact decimals, microseconds, quotes and JSON', async () => {
    await warehouse.loadRows({ name: 'loaded' }, allTypes, loadedRows);
    const rows = await warehouse.query('SELECT * FROM loaded ORDER BY count NULLS LAST');

    expect(rows).toEqual([loadedRows[1], loadedRows[0], loadedRows[2]]);
  });

  it('creates columns of the dialect types', async () => {
    await warehouse.loadRows({ name: 'typed' }, allTypes, []);
    const columns = await warehouse.describe('SELECT * FROM typed');

    expect(columns.map((column) => column.type)).toEqual(allTypes.map((column) => column.type));
    expect(columns.find((column) => column.name === 'amount')!.nativeType).toBe('DECIMAL(38,9)');
  });

  it('treats a missing field as NULL', async () => {
    await warehouse.loadRows({ name: 'partial' }, allTypes.slice(0, 2), [{ text: 'only text' }]);
    expect(await warehouse.query('SELECT * FROM partial')).toEqual([{ text: 'only text', count: null }]);
  });

  it('replaces the table unless asked to append', async () => {
    const columns = [{ name: 'key', type: 'string' as const }];
    await warehouse.loadRows({ name: 'keys' }, columns, [{ key: 'a' }]);
    await warehouse.loadRows({ name: 'keys' }, columns, [{ key: 'b' }], { append: true });
    expect(await warehouse.query('SELECT key FROM keys ORDER BY key')).toEqual([{ key: 'a' }, { key: 'b' }]);

    await warehouse.loadRows({ name: 'keys' }, columns, [{ key: 'c' }]);
    expect(await warehouse.query('SELECT key FROM keys')).toEqual([{ key: 'c' }]);
  });

  it('loads into a named schema', async () => {
    await warehouse.ensureSchema('internal');
    await warehouse.loadRows({ schema: 'internal', name: 'failed' }, [{ name: 'key', type: 'string' }], [{ key: 'k1' }]);
    expect(await warehouse.tableExists({ schema: 'internal', name: 'failed' })).toBe(true);
    expect(await warehouse.tableExists({ name: 'failed' })).toBe(false);
  });
});

describe('DuckDBAdapter.atomically', () => {
  it('rolls back every statement when one fails', async () => {
    await warehouse.execute(`CREATE TABLE snapshot AS SELECT 'k1' AS key, 'h1' AS hash`);

    const attempt = warehouse.atomically([
      `DELETE FROM snapshot WHERE key = 'k1'`,
      `INSERT INTO snapshot VALUES ('k2', 'h2')`,
      'CREATE TABLE created_inside (id INTEGER)',
      'INSERT INTO no_such_table VALUES (1)',
    ]);

    await expect(attempt).rejects.toBeInstanceOf(WarehouseError);
    expect(await warehouse.query('SELECT * FROM snapshot')).toEqual([{ key: 'k1', hash: 'h1' }]);
    expect(await warehouse.tableExists({ name: 'created_inside' })).toBe(false);
  });

  it('commits every statement when all succeed', async () => {
    await warehouse.execute(`CREATE TABLE snapshot AS SELECT 'k1' AS key`);
    await expect(warehouse.atomically(['INSERT INTO nowhere VALUES (1)'])).rejects.toThrow();

    await warehouse.atomically([`DELETE FROM snapshot`, `INSERT INTO snapshot VALUES ('k2'), ('k3')`]);
    expect(await warehouse.query('SELECT key FROM snapshot ORDER BY key')).toEqual([{ key: 'k2' }, { key: 'k3' }]);
  });
});

describe('DuckDBAdapter.describe', () => {
  it('returns types without running', async () => {
    const columns = await warehouse.describe(
      `SELECT 'x' AS s, 1::BIGINT AS i, 1.5::DECIMAL(10,2) AS d, 1.5::DOUBLE AS f, true AS b, ` +
        `now() AS t, current_date AS dt, [1] AS l, {'a': 1} AS st, '{}'::JSON AS j, INTERVAL 1 DAY AS other, ` +
        `CAST(error('describe must not run the query') AS VARCHAR) AS e`,
    );

    expect(columns.map((column) => [column.name, column.type])).toEqual([
      ['s', 'string'],
      ['i', 'integer'],
      ['d', 'decimal'],
      ['f', 'float'],
      ['b', 'boolean'],
      ['t', 'timestamp'],
      ['dt', 'date'],
      ['l', 'json'],
      ['st', 'json'],
      ['j', 'json'],
      ['other', 'other'],
      ['e', 'string'],
    ]);
    expect(columns[2]!.nativeType).toBe('DECIMAL(10,2)');
  });
});

describe('DuckDBAdapter.withSyncMemoryCap', () => {
  /** One string of about 20 MB, built by an aggregate that cannot spill to disk. */
  const NEEDS_MEMORY = "SELECT length(string_agg(CAST(i AS VARCHAR), ',')) AS n FROM range(3000000) t(i)";
  let capped: DuckDBAdapter;

  beforeEach(async () => {
    capped = await DuckDBAdapter.open({ path: ':memory:', memoryLimit: '1GB', syncMemoryLimit: '16MB' });
  });
  afterEach(async () => {
    await capped.close();
  });

  const memoryLimit = async () => String((await capped.query("SELECT current_setting('memory_limit') AS v"))[0]!.v);

  it('holds DuckDB to the cap while the work runs, and restores memory_limit after', async () => {
    const before = await memoryLimit();
    const inside = await capped.withSyncMemoryCap(memoryLimit, () => undefined);
    expect(inside).toMatch(/^1[0-9](\.\d+)? MiB$/);
    expect(await memoryLimit()).toBe(before);
  });

  it('lowers allocator thresholds during the work', async () => {
    const thresholds = async () =>
      (await capped.query("SELECT current_setting('allocator_flush_threshold') AS flush, current_setting('allocator_bulk_deallocation_flush_threshold') AS bulk"))[0];
    const before = await thresholds();
    const inside = await capped.withSyncMemoryCap(thresholds, () => undefined);

    expect(inside).toEqual({ flush: expect.stringMatching(/KiB$/), bulk: expect.stringMatching(/KiB$/) });
    expect(before).toEqual({ flush: '128.0 MiB', bulk: '512.0 MiB' });
    expect(await thresholds()).toEqual(before);
  });

  it('lifts the cap after running out of memory', async () => {
    const reasons: string[] = [];
    const rows = await capped.withSyncMemoryCap(async () => {
      const first = await capped.query(NEEDS_MEMORY);
      await capped.atomically([`CREATE TABLE kept AS ${NEEDS_MEMORY}`]);
      return first;
    }, (reason) => reasons.push(reason));

    expect(rows).toEqual([{ n: 22_888_889 }]);
    expect(await capped.query('SELECT count(*) AS n FROM kept')).toEqual([{ n: 1 }]);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/ran out of memory under sync_memory_limit 16MB: .*Out of Memory Error/);
  });

  it('retries a transaction whole when a statement inside it runs out of memory', async () => {
    await capped.execute("CREATE TABLE snapshot AS SELECT 'k1' AS key");
    const reasons: string[] = [];
    await capped.withSyncMemoryCap(
      () => capped.atomically(["INSERT INTO snapshot VALUES ('k2')", `CREATE TABLE big AS ${NEEDS_MEMORY}`]),
      (reason) => reasons.push(reason),
    );
    expect(await capped.query('SELECT key FROM snapshot ORDER BY key')).toEqual([{ key: 'k1' }, { key: 'k2' }]);
    expect(reasons).toHaveLength(1);
  });

  it('lifts the cap to DuckDB default when no memory_limit is set', async () => {
    const uncapped = await DuckDBAdapter.open({ path: ':memory:', syncMemoryLimit: '16MB' });
    try {
      const rows = await uncapped.withSyncMemoryCap(() => uncapped.query(NEEDS_MEMORY), () => undefined);
      expect(rows).toEqual([{ n: 22_888_889 }]);
    } finally {
      await uncapped.close();
    }
  });

  it('runs uncapped when the cap fails', async () => {
    const tiny = await DuckDBAdapter.open({ path: ':memory:', memoryLimit: '1GB', syncMemoryLimit: '1KB' });
    try {
      await tiny.execute('CREATE TABLE filler AS SELECT range AS n, repeat(\'x\', 100) AS s FROM range(200000)');
      const reasons: string[] = [];
      const rows = await tiny.withSyncMemoryCap(() => tiny.query('SELECT count(*) AS n FROM filler'), (reason) => reasons.push(reason));
      const after = await tiny.query("SELECT current_setting('memory_limit') AS v, current_setting('allocator_flush_threshold') AS flush");

      expect(rows).toEqual([{ n: 200_000 }]);
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toMatch(/could not lower its memory limit to 1KB/);
      expect(after).toEqual([{ v: expect.stringMatching(/^9\d\d\.\d MiB$/), flush: '128.0 MiB' }]);
    } finally {
      await tiny.close();
    }
  });

  it('leaves other errors alone', async () => {
    const reasons: string[] = [];
    const failing = capped.withSyncMemoryCap(() => capped.execute('SELECT * FROM no_such_table'), (reason) => reasons.push(reason));
    await expect(failing).rejects.toBeInstanceOf(WarehouseError);
    expect(reasons).toEqual([]);
  });
});

describe('DuckDBAdapter.scratchSchema', () => {
  it('is visible to queries, streams and loads', async () => {
    const schema = await warehouse.scratchSchema();
    await warehouse.execute(`CREATE TABLE ${schema}.made AS SELECT 1 AS n`);
    await warehouse.loadRows({ schema, name: 'loaded' }, [{ name: 'n', type: 'integer' }], [{ n: 2 }]);

    expect(await warehouse.query(`SELECT n FROM ${schema}.made`)).toEqual([{ n: 1 }]);
    expect(await pageSizes(`SELECT n FROM ${schema}.loaded`, 10)).toEqual([1]);
  });

  it('avoids a schema of the same name in the database file', async () => {
    await warehouse.execute('CREATE SCHEMA sluice_scratch');
    const schema = await warehouse.scratchSchema();
    await warehouse.execute(`CREATE TABLE ${schema}.made AS SELECT 1 AS n`);

    expect(schema).toBe('sluice_scratch_2');
    expect(await warehouse.query(`SELECT n FROM ${schema}.made`)).toEqual([{ n: 1 }]);
  });

  it('keeps its tables on a second call', async () => {
    const schema = await warehouse.scratchSchema();
    await warehouse.execute(`CREATE TABLE ${schema}.kept AS SELECT 1 AS n`);

    expect(await warehouse.scratchSchema()).toBe(schema);
    expect(await warehouse.query(`SELECT n FROM ${schema}.kept`)).toEqual([{ n: 1 }]);
  });

  it('keeps scratch tables out of the database file', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sluice-scratch-'));
    const path = join(folder, 'warehouse.duckdb');
    try {
      const writer = await DuckDBAdapter.open({ path });
      const schema = await writer.scratchSchema();
      await writer.execute(`CREATE TABLE ${schema}.scratch_only AS SELECT 1 AS n`);
      await writer.close();

      const reader = await DuckDBAdapter.open({ path });
      const tables = await reader.query(`SELECT table_name FROM information_schema.tables WHERE table_name = 'scratch_only'`);
      await reader.close();
      expect(tables).toEqual([]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
