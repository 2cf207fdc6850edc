import { createReadStream } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { describeResult, parseJsonOutput, runCli } from '../support/cli-process.js';
import { writeProject } from '../support/project-fixture.js';
import { listFiles } from './e2e-fixture.js';

/**
 * Rows in the model. The default keeps the test under two minutes on a two-core machine (112 s
 * measured with nothing else running). Set SLUICE_E2E_BIG_SYNC_ROWS=3000000 for the full size: on the same machine the
 * first run alone took 5 min 11 s, because sending runs at 10,000 to 20,000 rows per second.
 * A 256 MB heap runs out before it stores 100,000 diff rows of this width as objects (checked by
 * building them in a loop), so even the default passes only if the sync streams.
 */
const ROWS = Number(process.env.SLUICE_E2E_BIG_SYNC_ROWS ?? 1_000_000);
/** The key plus 19 integer columns. */
const VALUE_COLUMNS = 19;
const HEAP_LIMIT = '--max-old-space-size=256';
const TIMEOUT_MS = Math.max(240_000, ROWS / 5);

function columnName(index: number): string {
  return `c${String(index).padStart(2, '0')}`;
}

async function wideProject(): Promise<string> {
  const columns = Array.from({ length: VALUE_COLUMNS }, (_unused, i) => `CAST((i * ${i + 8}) % 97 AS INTEGER) AS ${columnName(i + 1)}`);
  const mapping = Array.from({ length: VALUE_COLUMNS }, (_unused, i) => `  ${columnName(i + 1)}: ${columnName(i + 1)}`);
  return writeProject({
    'sluice.yml': `name: wide_project
warehouse: { type: duckdb, path: .sluice/warehouse.duckdb }
state: { type: sqlite, path: .sluice/state.sqlite }
destinations:
  exports: { type: file, directory: out }
`,
    'models/wide.sql': `SELECT CAST(i AS VARCHAR) AS id,\n  ${columns.join(',\n  ')}\nFROM range(${ROWS}) AS t(i)\n`,
    'models/wide.yml': 'primary_key: id\n',
    'syncs/wide_export.yml': `model: wide
destination: exports
mode: upsert
mapping:
${mapping.join('\n')}
destination_options:
  format: csv
`,
  });
}

/** Counts newline characters without reading the file into memory. */
async function countLines(file: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(file)) {
    const bytes = chunk as Buffer;
    for (let index = bytes.indexOf(10); index !== -1; index = bytes.indexOf(10, index + 1)) lines += 1;
  }
  return lines;
}

describe('sync of a large model under a 256 MB heap', () => {
  it(
    `streams ${ROWS} rows of 20 columns to a file and reconciles the counts`,
    async () => {
      const project = await wideProject();
      const options = { project, nodeOptions: HEAP_LIMIT, timeoutMs: TIMEOUT_MS };

      const first = await runCli(['--json', 'run'], options);
      expect(first.signal, describeResult(first)).toBeNull();
      expect(first.code, describeResult(first)).toBe(EXIT.success);
      const summary = parseJsonOutput(first);
      expect(summary.models[0].rowCount).toBe(ROWS);
      const counts = summary.syncs[0].counts;
      expect(counts.added).toBe(ROWS);
      expect(counts.accepted).toBe(ROWS);
      expect(counts.rejected).toBe(0);

      const files = await listFiles(path.join(project, 'out'));
      expect(files).toEqual([`wide_export/${summary.runId}.csv`]);
      // One header line, then one line per row.
      expect(await countLines(path.join(project, 'out', files[0]!))).toBe(ROWS + 1);

      const second = await runCli(['--json', 'run'], options);
      expect(second.code, describeResult(second)).toBe(EXIT.success);
      expect(parseJsonOutput(second).syncs[0].counts).toMatchObject({ added: 0, changed: 0, removed: 0, accepted: 0 });
      expect(await listFiles(path.join(project, 'out'))).toEqual(files);
    },
    TIMEOUT_MS * 2 + 30_000,
  );
});
