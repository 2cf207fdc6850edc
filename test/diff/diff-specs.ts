import type { DiffSpec } from '../../src/diff/diff-spec.js';
import { commitSnapshotSql, createDiffTableSql, pendingSendsSql } from '../../src/diff/diff-sql.js';
import { syncTables } from '../../src/diff/sync-tables.js';
import type { SqlDialect } from '../../src/warehouse/dialect.js';

/** Diff specs whose generated SQL the golden files of every dialect record. */

/** A mirror sync with one key and two fields, one of them with an awkward column name. */
export const mirrorSpec: DiffSpec = {
  sync: 'contacts',
  mode: 'mirror',
  model: { schema: 'analytics', name: 'contacts' },
  keyColumns: [{ name: 'id', type: 'integer' }],
  fields: [
    { name: 'email', column: 'email', type: 'string', onNull: 'clear' },
    { name: 'lifetime_value', column: 'Lifetime "Value"', type: 'decimal', onNull: 'skip' },
  ],
  tables: syncTables('sluice', 'contacts', 'v1a2b3c4'),
  skipDuplicateKeys: false,
  full: false,
};

/** An audience sync with a composite key that skips duplicate keys and resends everything. */
export const audienceSpec: DiffSpec = {
  sync: 'buyers',
  mode: 'audience',
  model: { schema: 'analytics', name: 'buyers' },
  keyColumns: [
    { name: 'account_id', type: 'integer' },
    { name: 'email', type: 'string' },
  ],
  fields: [{ name: 'seen_at', column: 'seen_at', type: 'timestamp', onNull: 'skip' }],
  tables: syncTables('sluice', 'buyers', 'v9f8e7d6'),
  skipDuplicateKeys: true,
  full: true,
};

/** Builds the diff SQL of both specs in `dialect`, as the golden files record it. */
export function diffGoldenText(dialect: SqlDialect): string {
  const sections: [string, string][] = [];
  for (const spec of [mirrorSpec, audienceSpec]) {
    sections.push([`createDiffTableSql ${spec.sync}`, createDiffTableSql(spec, dialect)]);
    sections.push([`pendingSendsSql ${spec.sync}`, pendingSendsSql(spec, dialect)]);
    commitSnapshotSql(spec, dialect, 'run_20240101T000000Z_abc123', 250).forEach((statement, index) => {
      sections.push([`commitSnapshotSql ${spec.sync} statement ${index + 1}`, statement]);
    });
  }
  return sections.map(([title, sql]) => `-- ${title}\n${sql};\n`).join('\n');
}
