/**
 * Child process of the sync memory benchmark that runs the simple alternative to a sync. It reads
 * every row of the model into an array with the adapter's `query`, builds all JSON lines in
 * memory and writes them with one `writeFile`. Then it prints its peak RSS as one result line.
 *
 * Usage: node --import tsx bench/child-materialise.ts DATABASE_FILE MODEL_TABLE OUTPUT_FILE
 */
import { writeFile } from 'node:fs/promises';
import { DuckDBAdapter } from '../src/warehouse/duckdb/duckdb-adapter.js';
import { KEY_COLUMN, MAPPED_COLUMNS } from './generate.js';
import { PeakRss, printResult } from './peak-rss.js';

const [databasePath, modelTable, outputPath] = process.argv.slice(2);
if (!databasePath || !modelTable || !outputPath) {
  throw new Error('usage: child-materialise.ts DATABASE_FILE MODEL_TABLE OUTPUT_FILE');
}

const memory = new PeakRss();
const warehouse = await DuckDBAdapter.open({ path: databasePath });
const baselineMb = memory.currentMb();

const started = performance.now();
const columns = MAPPED_COLUMNS.map((name) => warehouse.dialect.quoteIdentifier(name)).join(', ');
const rows = await warehouse.query(`SELECT ${warehouse.dialect.quoteIdentifier(KEY_COLUMN)} AS _key, ${columns} FROM ${modelTable}`);
const lines = rows.map((row) => {
  const { _key, ...fields } = row;
  return `${JSON.stringify({ _op: 'upsert', _key, ...fields })}\n`;
});
await writeFile(outputPath, lines.join(''));
const seconds = (performance.now() - started) / 1000;
await warehouse.close();

printResult({ ...memory.stop(), baselineMb, seconds, rows: rows.length });
