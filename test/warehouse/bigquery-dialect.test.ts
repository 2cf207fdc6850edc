import { BigQuery } from '@google-cloud/bigquery';
import { describe, expect, it } from 'vitest';
import { bigqueryWarehouseSchema } from '../../src/config/bigquery-warehouse.js';
import { warehouseSchema } from '../../src/config/schema.js';
import type { Row } from '../../src/core/values.js';
import { createBigQueryClient } from '../../src/warehouse/bigquery/bigquery-client.js';
import { bigqueryDialect as dialect } from '../../src/warehouse/bigquery/bigquery-dialect.js';
import { jobLabels } from '../../src/warehouse/bigquery/bigquery-labels.js';
import { insertStatements, valueLiteral, type LoadColumn } from '../../src/warehouse/bigquery/bigquery-load.js';
import { ndjsonRows } from '../../src/warehouse/bigquery/bigquery-load-job.js';
import { logicalTypeOf, toCanonical } from '../../src/warehouse/bigquery/bigquery-values.js';

describe('bigqueryDialect quoting', () => {
  it('quotes identifiers with backticks and backslash escapes', () => {
    expect(dialect.quoteIdentifier('plain')).toBe('`plain`');
    expect(dialect.quoteIdentifier('a`b')).toBe('`a\\`b`');
    expect(dialect.quoteIdentifier('back\\slash')).toBe('`back\\\\slash`');
    expect(dialect.quoteIdentifier("it's")).toBe("`it's`");
    expect(dialect.quoteTable({ schema: 'data.set', name: 'ta`ble' })).toBe('`data.set`.`ta\\`ble`');
    expect(dialect.quoteTable({ name: 'only' })).toBe('`only`');
  });

  it('escapes string literals', () => {
    expect(dialect.stringLiteral("O'Brien")).toBe("'O\\'Brien'");
    expect(dialect.stringLiteral('a\\b')).toBe("'a\\\\b'");
    expect(dialect.stringLiteral('line\nbreak\r\ttab')).toBe("'line\\nbreak\\r\\ttab'");
    expect(dialect.stringLiteral('nul\u0000bell\u0007')).toBe("'nul\\u0000bell\\u0007'");
    expect(dialect.stringLiteral('`tick`')).toBe("'`tick`'");
  });

  it('keeps a statement tag inside its comment', () => {
    expect(dialect.statementTag('run=a */ DROP TABLE x; /*')).toBe('/* sluice run=a __ DROP TABLE x_ __ */ ');
  });

  it('names BigQuery types', () => {
    expect(['string', 'integer', 'decimal', 'float', 'boolean', 'timestamp', 'date', 'json'].map((type) => dialect.typeName(type as never))).toEqual([
      'STRING',
      'INT64',
      'NUMERIC',
      'FLOAT64',
      'BOOL',
      'TIMESTAMP',
      'DATE',
      'JSON',
    ]);
  });

  it('compares JSON values as text', () => {
    expect(dialect.isDistinctFrom!('a', 'b', 'json')).toBe('TO_JSON_STRING(a) IS DISTINCT FROM TO_JSON_STRING(b)');
    expect(dialect.isDistinctFrom!('a', 'b', 'string')).toBe('a IS DISTINCT FROM b');
  });
});

describe('BigQuery job labels', () => {
  it('turns a statement tag into labels', () => {
    expect(jobLabels('run=run_20240301T120000Z_a1b2c3 sync=Winback.Email')).toEqual({
      sluice: 'true',
      sluice_run: 'run_20240301t120000z_a1b2c3',
      sluice_sync: 'winback_email',
    });
  });

  it('labels untagged jobs as Sluice jobs only', () => {
    expect(jobLabels(undefined)).toEqual({ sluice: 'true' });
  });

  it('caps values at 63 characters', () => {
    expect(jobLabels(`sync=${'x'.repeat(100)}`).sluice_sync).toHaveLength(63);
  });
});

describe('BigQuery row loading', () => {
  it('writes exact literals for every logical type', () => {
    expect(valueLiteral(dialect, '9007199254740993', 'integer')).toBe("CAST('9007199254740993' AS INT64)");
    expect(valueLiteral(dialect, '12345678901234567890.123456789', 'decimal')).toBe("CAST('12345678901234567890.123456789' AS NUMERIC)");
    expect(valueLiteral(dialect, 0.1, 'float')).toBe("CAST('0.1' AS FLOAT64)");
    expect(valueLiteral(dialect, true, 'boolean')).toBe('TRUE');
    expect(valueLiteral(dialect, '2024-03-01T07:04:56.123456Z', 'timestamp')).toBe("CAST('2024-03-01 07:04:56.123456+00' AS TIMESTAMP)");
    expect(valueLiteral(dialect, '2024-02-29', 'date')).toBe("CAST('2024-02-29' AS DATE)");
    expect(valueLiteral(dialect, { a: "it's" }, 'json')).toBe(`PARSE_JSON('{"a":"it\\'s"}')`);
    expect(valueLiteral(dialect, null, 'decimal')).toBe('CAST(NULL AS NUMERIC)');
    expect(valueLiteral(dialect, "x'); DROP TABLE t; --", 'string')).toBe("'x\\'); DROP TABLE t; --'");
  });

  it('splits large loads into statements below the query size limit', () => {
    const rows = Array.from({ length: 30 }, (_row, index) => ({ id: index, text: 'x'.repeat(100_000) }));
    const statements = insertStatements(dialect, { schema: 's', name: 't' }, [{ name: 'id', type: 'integer' }, { name: 'text', type: 'string' }], rows);

    expect(statements.length).toBe(4);
    for (const statement of statements) expect(statement.length).toBeLessThan(1_000_000);
    const loaded = statements.join('\n').match(/\(CAST\('\d+' AS INT64\)/g) ?? [];
    expect(loaded).toHaveLength(30);
  });

  it('loads nothing for no rows', () => {
    expect(insertStatements(dialect, { name: 't' }, [{ name: 'id', type: 'integer' }], [])).toEqual([]);
  });

  it('writes exact JSON lines for a load job', () => {
    const columns: LoadColumn[] = [
      { name: 'id', type: 'integer' },
      { name: 'amount', type: 'decimal' },
      { name: 'ratio', type: 'float' },
      { name: 'active', type: 'boolean' },
      { name: 'seen_at', type: 'timestamp' },
      { name: 'born_on', type: 'date' },
      { name: 'traits', type: 'json' },
      { name: 'label', type: 'string' },
    ];
    const rows: Row[] = [
      {
        id: '9007199254740993',
        amount: '12345678901234567890.123456789',
        ratio: 0.1,
        active: true,
        seen_at: '2024-03-01T07:04:56.123456Z',
        born_on: '2024-02-29',
        traits: { a: [1, 'x'] },
        label: 'line\nbreak "quoted"',
      },
      { id: 2, ratio: Number.NaN, active: false, label: null },
    ];

    expect(ndjsonRows(columns, rows).split('\n')).toEqual([
      '{"id":"9007199254740993","amount":"12345678901234567890.123456789","ratio":0.1,"active":true,' +
        '"seen_at":"2024-03-01 07:04:56.123456+00:00","born_on":"2024-02-29","traits":{"a":[1,"x"]},' +
        '"label":"line\\nbreak \\"quoted\\""}',
      '{"id":"2","amount":null,"ratio":"NaN","active":false,"seen_at":null,"born_on":null,"traits":null,"label":null}',
      '',
    ]);
  });
});

describe('BigQuery values from the wire', () => {
  it('converts wire strings exactly', () => {
    expect(toCanonical('9007199254740993', { type: 'INTEGER' })).toBe('9007199254740993');
    expect(toCanonical('42', { type: 'INT64' })).toBe(42);
    expect(toCanonical('12345678901234567890.123456789', { type: 'NUMERIC' })).toBe('12345678901234567890.123456789');
    expect(toCanonical('12.500', { type: 'NUMERIC' })).toBe('12.5');
    expect(toCanonical('1709276696123456', { type: 'TIMESTAMP' })).toBe('2024-03-01T07:04:56.123456Z');
    expect(toCanonical('-500000', { type: 'TIMESTAMP' })).toBe('1969-12-31T23:59:59.500000Z');
    expect(toCanonical('-62135596800000000', { type: 'TIMESTAMP' })).toBe('0001-01-01T00:00:00.000000Z');
    expect(toCanonical('2024-03-01T12:34:56.000007', { type: 'DATETIME' })).toBe('2024-03-01T12:34:56.000007Z');
    expect(toCanonical('Infinity', { type: 'FLOAT' })).toBe(Infinity);
    expect(toCanonical('inf', { type: 'FLOAT' })).toBe(Infinity);
    expect(toCanonical('-inf', { type: 'FLOAT64' })).toBe(-Infinity);
    expect(toCanonical('NaN', { type: 'FLOAT' })).toBeNaN();
    expect(toCanonical('true', { type: 'BOOLEAN' })).toBe(true);
    expect(toCanonical('{"b":1,"a":[1]}', { type: 'JSON' })).toEqual({ b: 1, a: [1] });
    expect(toCanonical('YWI=', { type: 'BYTES' })).toBe('YWI=');
  });

  it('converts wire records and arrays', () => {
    const field = {
      type: 'RECORD',
      fields: [
        { name: 'id', type: 'INTEGER' },
        { name: 'tags', type: 'STRING', mode: 'REPEATED' },
      ],
    };
    const wire = { f: [{ v: '9007199254740993' }, { v: [{ v: 'a' }, { v: 'b' }] }] };
    expect(toCanonical(wire, field)).toEqual({ id: '9007199254740993', tags: ['a', 'b'] });
    expect(toCanonical([{ v: '1' }, { v: '2' }], { type: 'INTEGER', mode: 'REPEATED' })).toEqual([1, 2]);
  });

  it('converts the client library wrapper types', () => {
    expect(toCanonical(BigQuery.int('9007199254740993'), { type: 'INTEGER' })).toBe('9007199254740993');
    expect(toCanonical(BigQuery.int(7), { type: 'INTEGER' })).toBe(7);
    expect(toCanonical(9007199254740993n, { type: 'INTEGER' })).toBe('9007199254740993');
    expect(toCanonical(BigQuery.timestamp('2024-03-01T07:04:56.123456Z'), { type: 'TIMESTAMP' })).toBe('2024-03-01T07:04:56.123456Z');
    expect(toCanonical(BigQuery.timestamp(new Date('2024-03-01T07:04:56.000Z')), { type: 'TIMESTAMP' })).toBe('2024-03-01T07:04:56.000000Z');
    expect(toCanonical(BigQuery.datetime('2024-03-01 12:34:56.5'), { type: 'DATETIME' })).toBe('2024-03-01T12:34:56.500000Z');
    expect(toCanonical(BigQuery.date('2024-02-29'), { type: 'DATE' })).toBe('2024-02-29');
    expect(toCanonical(BigQuery.time('01:02:03.5'), { type: 'TIME' })).toBe('01:02:03.5');
    expect(toCanonical(Buffer.from('ab'), { type: 'BYTES' })).toBe('YWI=');
    expect(toCanonical({ id: BigQuery.int('5') }, { type: 'RECORD', fields: [{ name: 'id', type: 'INTEGER' }] })).toEqual({ id: 5 });
  });

  it('converts rows as the client library parses them', () => {
    const schema = {
      fields: [
        { name: 'big', type: 'INTEGER' },
        { name: 'wide', type: 'BIGNUMERIC' },
        { name: 'tiny', type: 'NUMERIC' },
        { name: 'padded', type: 'NUMERIC' },
        { name: 'at', type: 'TIMESTAMP' },
        { name: 'doc', type: 'JSON' },
      ],
    };
    const wire = [
      '9007199254740993',
      '123456789012345678901234567890.123456789',
      '0.000000001',
      '12.50',
      '1709276696123456',
      '{"a":1}',
    ];
    const expected = ['9007199254740993', '123456789012345678901234567890.123456789', '0.000000001', '12.5', '2024-03-01T07:04:56.123456Z', { a: 1 }];

    for (const options of [{ wrapIntegers: true, parseJSON: true }, { wrapIntegers: false, parseJSON: false }]) {
      const [row] = BigQuery.mergeSchemaWithRows_(schema, [{ f: wire.map((v) => ({ v })) }], options) as Record<string, unknown>[];
      const converted = schema.fields.map((field) => toCanonical(row![field.name], field));
      // Without wrapIntegers the client has already rounded the INT64 to a double.
      const expectedInteger = options.wrapIntegers ? expected[0] : '9007199254740992';
      expect(converted, JSON.stringify(options)).toEqual([expectedInteger, ...expected.slice(1)]);
    }
  });

  it('maps BigQuery types to logical types', () => {
    expect(logicalTypeOf({ type: 'BIGNUMERIC' })).toBe('decimal');
    expect(logicalTypeOf({ type: 'DATETIME' })).toBe('timestamp');
    expect(logicalTypeOf({ type: 'STRING', mode: 'REPEATED' })).toBe('json');
    expect(logicalTypeOf({ type: 'GEOGRAPHY' })).toBe('other');
  });
});

describe('BigQuery warehouse config', () => {
  const parse = (value: Record<string, unknown>) => warehouseSchema.safeParse({ type: 'bigquery', project: 'my-project-1', ...value });

  it('defaults to application default credentials', () => {
    const result = parse({});
    expect(result.success).toBe(true);
    expect(result.data).toMatchObject({ auth: 'application_default', schema: 'analytics', internal_schema: 'sluice' });
  });

  it('takes an emulator endpoint with a token', () => {
    const result = parse({ api_endpoint: 'http://127.0.0.1:9050', auth: 'access_token', access_token: 'token' });
    expect(result.success).toBe(true);
  });

  it('rejects a service account without a key', () => {
    const result = parse({ auth: 'service_account' });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(['key_file']);
  });

  it('rejects a key without service account auth', () => {
    expect(parse({ key_json: '{}' }).success).toBe(false);
  });

  it('rejects a token without access token auth', () => {
    expect(parse({ access_token: 'token' }).success).toBe(false);
    expect(parse({ auth: 'access_token' }).success).toBe(false);
  });

  it('rejects an invalid project id and endpoint', () => {
    expect(parse({ project: 'My Project' }).success).toBe(false);
    expect(parse({ api_endpoint: 'ftp://127.0.0.1' }).success).toBe(false);
  });
});

describe('BigQuery client credentials', () => {
  const config = (value: Record<string, unknown>) =>
    bigqueryWarehouseSchema.parse({ type: 'bigquery', project: 'my-project-1', auth: 'service_account', ...value });

  it('rejects key JSON that does not parse, without showing it', () => {
    const key = '{"private_key": "-----BEGIN PRIVATE KEY-----\\nsecret';
    expect(() => createBigQueryClient(config({ key_json: key }), '/project')).toThrow(/key_json is not valid JSON/);
    try {
      createBigQueryClient(config({ key_json: key }), '/project');
    } catch (error) {
      expect(String(error)).not.toContain('secret');
    }
  });

  it('rejects a key without client_email or private_key', () => {
    expect(() => createBigQueryClient(config({ key_json: '{"type":"authorized_user"}' }), '/project')).toThrow(/no client_email or private_key/);
  });

  it('reads a key file relative to the project', () => {
    const client = createBigQueryClient(config({ key_file: 'secrets/key.json' }), '/project');
    expect(client.projectId).toBe('my-project-1');
    expect((client as unknown as { authClient: { keyFilename?: string } }).authClient.keyFilename).toBe('/project/secrets/key.json');
  });

  it('points the client at a configured endpoint', () => {
    const client = createBigQueryClient(
      bigqueryWarehouseSchema.parse({ type: 'bigquery', project: 'my-project-1', api_endpoint: 'http://127.0.0.1:9050/', auth: 'access_token', access_token: 'token' }),
      '/project',
    );
    expect(client.apiEndpoint).toBe('http://127.0.0.1:9050');
  });
});
