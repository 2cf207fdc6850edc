// Child process of the sync memory benchmark that runs the simple alternative to a sync. It reads
// every row of the model into an array with the adapter's `query`, builds all JSON lines in
// memory and writes them with one `writeFile`. Then it prints the row count as JSON.
//
// Plain JavaScript over the compiled adapter in dist/, so it runs the way the compiled CLI it is
// compared with runs, without a TypeScript loader in the process.
//
// Usage: node bench/child-materialise.mjs DATABASE_FILE MODEL_TABLE KEY_COLUMN OUTPUT_FILE COLUMN...
import { writeFile } from 'node:fs/promises';
import { DuckDBAdapter } from '../dist/warehouse/duckdb/duckdb-adapter.js';

const [databasePath, modelTable, keyColumn, outputPath, ...mapped] = process.argv.slice(2);
if (!databasePath || !modelTable || !keyColumn || !outputPath || mapped.length === 0) {
  throw new Error('usage: child-materialise.mjs DATABASE_FILE MODEL_TABLE KEY_COLUMN OUTPUT_FILE COLUMN...');
}

const warehouse = await DuckDBAdapter.open({ path: databasePath });
const { quoteIdentifier } = warehouse.dialect;
const columns = mapped.map((name) => quoteIdentifier.call(warehouse.dialect, name)).join(', ');
const key = quoteIdentifier.call(warehouse.dialect, keyColumn);
const rows = await warehouse.query(`SELECT ${key} AS _key, ${columns} FROM ${modelTable}`);
const lines = rows.map((row) => {
  const { _key, ...fields } = row;
  return `${JSON.stringify({ _op: 'upsert', _key, ...fields })}\n`;
});
await writeFile(outputPath, lines.join(''));
await warehouse.close();
process.stdout.write(`${JSON.stringify({ rows: rows.length })}\n`);
