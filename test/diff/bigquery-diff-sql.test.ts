import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bigqueryDialect } from '../../src/warehouse/bigquery/bigquery-dialect.js';
import { diffGoldenText } from './diff-specs.js';

const goldenFile = fileURLToPath(new URL('./golden/bigquery-diff.sql', import.meta.url));

describe('diff SQL for BigQuery', () => {
  it('matches the golden file', async () => {
    const actual = diffGoldenText(bigqueryDialect);
    if (process.env.UPDATE_GOLDEN === '1') {
      await mkdir(dirname(goldenFile), { recursive: true });
      await writeFile(goldenFile, actual);
    }
    expect(existsSync(goldenFile), `${goldenFile} is missing; run the tests with UPDATE_GOLDEN=1 to write it`).toBe(true);
    const expected = await readFile(goldenFile, 'utf8');
    expect(actual, 'generated SQL changed; review it and run with UPDATE_GOLDEN=1 to accept').toBe(expected);
  });

  it('contains no DuckDB-only syntax', () => {
    const sql = diffGoldenText(bigqueryDialect);
    expect(sql).not.toMatch(/::|"[A-Za-z_]+"\.|\bVARCHAR\b|\bmd5\(/);
  });
});
