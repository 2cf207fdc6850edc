import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { bigqueryEndpoint, bigquerySkipReason, bigquerySuiteTitle } from '../support/bigquery.js';

const execFileAsync = promisify(execFile);
const script = fileURLToPath(new URL('./fixtures/print-bigquery-values.ts', import.meta.url));

describe.skipIf(bigquerySkipReason() !== undefined)(bigquerySuiteTitle('BigQuery timestamps whatever the process time zone'), () => {
  it.each(['Asia/Kolkata', 'America/Los_Angeles'])('reads UTC instants with TZ=%s', async (timeZone) => {
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', script], {
      env: { ...process.env, TZ: timeZone, SLUICE_TEST_BIGQUERY_ENDPOINT: bigqueryEndpoint() },
      timeout: 60_000,
    });
    const output = JSON.parse(stdout) as Record<string, unknown>;

    expect(output.processTimeZone).not.toBe('UTC');
    expect(output.values).toEqual({
      ts: '2024-03-01T07:04:56.123456Z',
      ts_summer: '2024-07-01T23:30:00.000000Z',
      dt: '2024-03-01T12:34:56.123456Z',
      d: '2024-03-01',
      ts_text: '2024-03-01T07:04:56.123456Z',
      dt_text: '2024-03-01T12:34:56.123456Z',
      // MD5 of "27:2024-03-01T07:04:56.123456Z10:2024-03-01", the reference hash of row-hash.test.ts.
      hash: 'e3fee3ed8cf3546d0ca4dc3724e00deb',
    });
    expect(output.loaded).toEqual({ loaded_at: '2024-03-01T07:04:56.123456Z' });
    expect(output.wrappers).toEqual({
      timestamp: '2024-03-01T07:04:56.123000Z',
      timestamp_text: '2024-03-01T07:04:56.123456Z',
      datetime: '2024-03-01T12:34:56.123456Z',
      date: '2024-03-01',
    });
  });
});
