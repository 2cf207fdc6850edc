import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsWithProfileSql } from '../../src/identity/rows-with-profile.js';
import type { DuckDBAdapter } from '../../src/warehouse/duckdb/duckdb-adapter.js';
import { SCHEMA, build, identityConfig, openWarehouse } from './identity-fixture.js';

/**
 * Pairwise precision and recall of the documented rule set (docs/identity.md) on Splink's
 * fake_1000 benchmark: 1,000 records of 251 people, whose `cluster` column is the truth.
 * A pair of records is predicted when both records get the same profile, and true when both
 * have the same cluster. Records without any identifier are profiles of their own.
 */
const CSV = 'test/fixtures/febrl/fake_1000.csv';

const rule = (name: string, ...fields: string[]) => ({ name, parts: fields.map((field) => ({ field })) });

const CONFIG = identityConfig({
  inputs: [
    {
      name: 'people',
      relation: { model: 'people' },
      timestamp: 'seen_at',
      identifiers: { email: 'email' },
      fields: { first_name: 'first_name', surname: 'surname', dob: 'dob', city: 'city' },
    },
  ],
  match_rules: [
    rule('name_dob', 'first_name', 'surname', 'dob'),
    rule('surname_dob_city', 'surname', 'dob', 'city'),
    rule('first_name_dob_city', 'first_name', 'dob', 'city'),
    rule('name_city', 'first_name', 'surname', 'city'),
  ],
});

interface PairCounts {
  truePositive: number;
  predicted: number;
  actual: number;
}

async function pairCounts(warehouse: DuckDBAdapter): Promise<PairCounts> {
  const relation = warehouse.dialect.quoteTable({ schema: 'raw', name: 'people' });
  const rows = rowsWithProfileSql(warehouse.dialect, CONFIG, SCHEMA, 'people', relation);
  const pairs = (groupBy: string) => `SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) AS n FROM records GROUP BY ${groupBy}) groups`;
  const [counts] = await warehouse.query(`WITH records AS (
  SELECT cluster, COALESCE(profile_id, 'record-' || unique_id) AS profile_id FROM (${rows}) linked
)
SELECT (${pairs('profile_id, cluster')}) AS true_positive, (${pairs('profile_id')}) AS predicted, (${pairs('cluster')}) AS actual`);
  return { truePositive: Number(counts!.true_positive), predicted: Number(counts!.predicted), actual: Number(counts!.actual) };
}

describe('identity quality on fake_1000', () => {
  let warehouse: DuckDBAdapter;
  let counts: PairCounts;

  beforeAll(async () => {
    warehouse = await openWarehouse();
    // The file has no timestamps, so each record is "seen" unique_id minutes after a fixed start.
    await warehouse.execute(`CREATE TABLE raw.people AS
SELECT *, TIMESTAMP '2024-01-01 00:00:00' + to_minutes(CAST(unique_id AS BIGINT)) AS seen_at
FROM read_csv('${CSV}', header = true, all_varchar = true)`);
    await build(warehouse, CONFIG);
    counts = await pairCounts(warehouse);
  });
  afterAll(async () => warehouse.close());

  it('has the expected number of true pairs', () => {
    expect(counts.actual).toBe(2031);
  });

  it('reaches precision of at least 0.99', () => {
    expect(counts.truePositive / counts.predicted).toBeGreaterThanOrEqual(0.99);
  });

  it('keeps recall at the documented level', () => {
    // Measured 0.527 (1,070 of 2,031 pairs); exact rules cannot match typos or swapped names.
    expect(counts.truePositive / counts.actual).toBeGreaterThanOrEqual(0.5);
  });
});
