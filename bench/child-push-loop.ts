/**
 * Child process of the push benchmark that runs the simplest alternative to a sync. It reads
 * every row of the model, normalises and hashes it as the Google connector does, and posts the
 * members to audienceMembers:ingest in batches of 10,000, one request at a time. On a 429 it
 * sleeps for the wait in RetryInfo (or Retry-After) and posts the same batch again. It keeps no
 * snapshot, so it sends every row, changed or not. It prints its counts and timing as one result
 * line.
 *
 * Usage: node --import tsx bench/child-push-loop.ts DATABASE_FILE MODEL_TABLE BASE_URL TOKEN AUDIENCE_ID
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GOOGLE_MAX_MEMBERS_PER_REQUEST, googleAccountSchema, googleSyncSchema } from '../src/destinations/google/google-config.js';
import { buildGoogleMembersBody, membersPath } from '../src/destinations/google/google-payload.js';
import { type GoogleMemberData, extractGoogleIdentifiers } from '../src/destinations/identifiers/google-identifiers.js';
import { DuckDBAdapter } from '../src/warehouse/duckdb/duckdb-adapter.js';
import { printResult } from './peak-rss.js';

const [databasePath, modelTable, baseUrl, token, audienceId] = process.argv.slice(2);
if (!databasePath || !modelTable || !baseUrl || !token || !audienceId) {
  throw new Error('usage: child-push-loop.ts DATABASE_FILE MODEL_TABLE BASE_URL TOKEN AUDIENCE_ID');
}

const account = googleAccountSchema.parse({ type: 'google_customer_match', access_token: token, base_url: baseUrl });
const options = googleSyncSchema.parse({ operating_account_id: '1234567890', audience_id: audienceId });
const url = new URL(membersPath('add'), baseUrl);
const counts = { rows: 0, skipped: 0, calls: 0, throttled: 0 };

/** Posts one batch until the server accepts it, sleeping for the wait each 429 names. */
async function post(members: GoogleMemberData[]): Promise<void> {
  const body = JSON.stringify(buildGoogleMembersBody('add', members, account, options));
  for (;;) {
    counts.calls += 1;
    const response = await fetch(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body,
    });
    const text = await response.text();
    if (response.status !== 429) {
      if (!response.ok) throw new Error(`ingest failed with HTTP ${response.status}: ${text.slice(0, 200)}`);
      return;
    }
    counts.throttled += 1;
    await sleep(retryDelayMs(text, response.headers.get('retry-after')));
  }
}

/** The wait a 429 requests: RetryInfo's retryDelay, else Retry-After in seconds, else 1 s. */
function retryDelayMs(body: string, retryAfter: string | null): number {
  const match = /"retryDelay"\s*:\s*"(\d+(?:\.\d+)?)s"/.exec(body);
  if (match) return Number(match[1]) * 1_000;
  if (retryAfter && /^\d+$/.test(retryAfter)) return Number(retryAfter) * 1_000;
  return 1_000;
}

const warehouse = await DuckDBAdapter.open({ path: databasePath });
const started = performance.now();
let batch: GoogleMemberData[] = [];
for await (const rows of warehouse.stream(`SELECT email, phone FROM ${modelTable}`, GOOGLE_MAX_MEMBERS_PER_REQUEST)) {
  for (const row of rows) {
    const { identifiers } = extractGoogleIdentifiers(row, 'CONTACT_INFO', undefined);
    if (identifiers === undefined) {
      counts.skipped += 1;
      continue;
    }
    batch.push(identifiers);
    counts.rows += 1;
    if (batch.length === GOOGLE_MAX_MEMBERS_PER_REQUEST) {
      await post(batch);
      batch = [];
    }
  }
}
if (batch.length > 0) await post(batch);
const seconds = (performance.now() - started) / 1000;
await warehouse.close();

printResult({ ...counts, seconds });
