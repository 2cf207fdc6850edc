import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GOOGLE_MAX_MEMBERS_PER_REQUEST } from '../src/destinations/google/google-config.js';
import type { RateWindowOptions } from '../src/imitations/ads-rate-window.js';
import { type GoogleImitation, startGoogleImitation } from '../src/imitations/google.js';
import { DuckDBAdapter } from '../src/warehouse/duckdb/duckdb-adapter.js';
import { buildCli, runCli } from './cli-run.js';
import { RESULT_PREFIX } from './peak-rss.js';
import { watchProcess } from './watch-process.js';
import { type AudienceVariant, audienceSelect, changedCounts } from './push-data.js';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const SYNC_NAME = 'members_audience';
const DATABASE_FILE = '.sluice/warehouse.duckdb';
const RAW_TABLE = { schema: 'raw', name: 'members' };
const MODEL_TABLE = '"analytics"."members"';
const TOKEN = 'bench-access-token';
const AUDIENCE_ID = '7000000001';
const DATA_PATH = /^\/v1\/audienceMembers:(ingest|remove)$/;

/**
 * Client request rate of the unthrottled runs, high enough that the account limiter never
 * delays a request, so that the figure is the engine's own throughput.
 */
const UNLIMITED_REQUESTS_PER_SECOND = 10_000;

export interface SyncCounts {
  added: number;
  changed: number;
  removed: number;
  accepted: number;
  rejected: number;
  skipped: number;
}

/** Data requests of one push as the imitation recorded them, without the token endpoint. */
export interface ImitationView {
  /** Ingest and remove requests received, throttled ones included. */
  calls: number;
  ingestCalls: number;
  removeCalls: number;
  /** Requests refused with 429 by the imposed rate limit. */
  throttled: number;
  /** Members applied by the accepted requests. */
  membersApplied: number;
  /** Seconds from the first data request to the last accepted one. */
  spanSeconds: number;
}

export interface EnginePush {
  counts: SyncCounts;
  /** The sync step (plan, send, snapshot commit) from the run summary. */
  syncSeconds: number;
  seconds: number;
  imitation: ImitationView;
}

export interface LoopPush {
  rows: number;
  calls: number;
  throttled: number;
  seconds: number;
  imitation: ImitationView;
}

export interface PushBenchResult {
  rows: number;
  maxBatchSize: number;
  rateLimit: RateWindowOptions;
  /** First sync: every member added. Sets the baseline and is reported for reference. */
  initial: EnginePush;
  /** Second sync: every member changed and 1% removed, with no rate limit. */
  changed: EnginePush;
  /** Third sync: every member back as before, under the imposed rate limit. */
  limited: EnginePush;
  loop: LoopPush;
  loopLimited: LoopPush;
}

/**
 * Writes a project whose model has `rows` audience members and one audience sync to Google
 * Customer Match (Data Manager API), served by the local imitation on 127.0.0.1. It runs three
 * syncs, each in its own Node process through `runProject`, and the plain loop twice, and reads
 * what the imitation received for each.
 */
export async function runPushBench(options: {
  rows: number;
  projectDir: string;
  rateLimit: RateWindowOptions;
  log: (message: string) => void;
}): Promise<PushBenchResult> {
  const { rows, projectDir, rateLimit, log } = options;
  await rm(projectDir, { recursive: true, force: true });
  try {
    await buildCli(log);
    await writeModel(projectDir);
    await replaceRawMembers(projectDir, rows, 'base');
    log(`push ${rows} rows: first sync, every member added`);
    const initial = await pushWithEngine(projectDir, { clientRate: UNLIMITED_REQUESTS_PER_SECOND });
    checkCounts('first sync', initial.counts, { added: rows, accepted: rows });

    await replaceRawMembers(projectDir, rows, 'changed');
    log(`push ${rows} rows: second sync, every member changed and 1% removed`);
    const changed = await pushWithEngine(projectDir, { clientRate: UNLIMITED_REQUESTS_PER_SECOND });
    const expected = changedCounts(rows);
    checkCounts('second sync', changed.counts, { ...expected, accepted: rows });

    await replaceRawMembers(projectDir, rows, 'base');
    log(`push ${rows} rows: third sync under a limit of ${rateLimit.limit} requests per ${rateLimit.windowMs} ms`);
    const limited = await pushWithEngine(projectDir, { rateLimit });
    checkCounts('third sync', limited.counts, { accepted: rows });

    log(`push ${rows} rows: plain loop, no rate limit`);
    const loop = await pushWithLoop(projectDir, undefined);
    log(`push ${rows} rows: plain loop under the same rate limit`);
    const loopLimited = await pushWithLoop(projectDir, rateLimit);
    return { rows, maxBatchSize: GOOGLE_MAX_MEMBERS_PER_REQUEST, rateLimit, initial, changed, limited, loop, loopLimited };
  } finally {
    await rm(projectDir, { recursive: true, force: true });
  }
}

/**
 * Runs one sync against a fresh imitation. `clientRate` overrides the destination's
 * max_requests_per_second; without it the connector's default applies.
 */
async function pushWithEngine(
  projectDir: string,
  settings: { clientRate?: number; rateLimit?: RateWindowOptions },
): Promise<EnginePush> {
  const imitation = await startGoogleImitation({ accessToken: TOKEN, rateLimit: settings.rateLimit });
  try {
    await writeProjectFile(projectDir, imitation.url, settings.clientRate);
    const run = await runCli(projectDir);
    return { counts: run.sync.counts, syncSeconds: run.sync.durationMs / 1000, seconds: run.wallSeconds, imitation: viewOf(imitation) };
  } finally {
    await imitation.close();
  }
}

async function pushWithLoop(projectDir: string, rateLimit: RateWindowOptions | undefined): Promise<LoopPush> {
  const imitation = await startGoogleImitation({ accessToken: TOKEN, rateLimit });
  try {
    const run = await runChild<{ rows: number; calls: number; throttled: number; seconds: number }>('child-push-loop.ts', [
      join(projectDir, DATABASE_FILE),
      MODEL_TABLE,
      imitation.url,
      TOKEN,
      AUDIENCE_ID,
    ]);
    return { ...run, imitation: viewOf(imitation) };
  } finally {
    await imitation.close();
  }
}

function viewOf(imitation: GoogleImitation): ImitationView {
  const { requests, rateLimited, uploads } = imitation.state;
  const data = requests.filter((request) => DATA_PATH.test(request.url.pathname));
  const refused = new Set(rateLimited);
  const accepted = data.filter((request) => !refused.has(request));
  const first = data[0]?.receivedAt ?? 0;
  const last = accepted[accepted.length - 1]?.receivedAt ?? first;
  return {
    calls: data.length,
    ingestCalls: data.filter((request) => request.url.pathname.endsWith(':ingest')).length,
    removeCalls: data.filter((request) => request.url.pathname.endsWith(':remove')).length,
    throttled: rateLimited.length,
    membersApplied: uploads.reduce((sum, upload) => sum + upload.members, 0),
    spanSeconds: (last - first) / 1000,
  };
}

function checkCounts(label: string, counts: SyncCounts, expected: Partial<SyncCounts>): void {
  for (const [name, value] of Object.entries(expected)) {
    const actual = counts[name as keyof SyncCounts];
    if (actual !== value) {
      throw new Error(`${label}: expected ${name} = ${value}, the run reported ${actual} (${JSON.stringify(counts)})`);
    }
  }
}

async function writeModel(dir: string): Promise<void> {
  const files: Record<string, string> = {
    'models/members.sql': 'SELECT * FROM {{source "raw" "members"}}\n',
    'models/members.yml': 'primary_key: member_id\n',
    [`syncs/${SYNC_NAME}.yml`]: `model: members
destination: google
mode: audience
mapping:
  email: email
  phone: phone
destination_options:
  operating_account_id: '1234567890'
  audience_id: '${AUDIENCE_ID}'
`,
  };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

/** Writes sluice.yml with the imitation's URL, and the client's request rate when given. */
async function writeProjectFile(dir: string, baseUrl: string, clientRate: number | undefined): Promise<void> {
  const rate = clientRate === undefined ? '' : `, max_requests_per_second: ${clientRate}`;
  await writeFile(
    join(dir, 'sluice.yml'),
    `name: sluice_push_bench
warehouse: { type: duckdb, path: ${DATABASE_FILE}, schema: analytics, internal_schema: sluice }
state: { type: sqlite, path: .sluice/state.sqlite }
sources:
  raw:
    tables:
      members: { table: ${RAW_TABLE.name}, schema: ${RAW_TABLE.schema} }
destinations:
  google: { type: google_customer_match, access_token: ${TOKEN}, base_url: '${baseUrl}', token_url: '${baseUrl}/token'${rate} }
`,
  );
}

/** Rebuilds the raw table the model reads. The child processes open the database only afterwards. */
async function replaceRawMembers(projectDir: string, rows: number, variant: AudienceVariant): Promise<void> {
  const warehouse = await DuckDBAdapter.open({ path: join(projectDir, DATABASE_FILE) });
  try {
    await warehouse.ensureSchema(RAW_TABLE.schema);
    await warehouse.execute(warehouse.dialect.createTableAs(RAW_TABLE, audienceSelect(rows, variant)));
    await warehouse.execute('CHECKPOINT');
  } finally {
    await warehouse.close();
  }
}

/**
 * Runs a bench script in a new Node process and returns the object it printed after
 * RESULT_PREFIX. The imitation keeps serving in this process meanwhile, so the two do not
 * share a core. Rejects with the child's output if it fails or prints no result.
 */
async function runChild<T>(script: string, args: string[]): Promise<T> {
  const { stdout } = await watchProcess(process.execPath, ['--import', 'tsx', join(BENCH_DIR, script), ...args]);
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(RESULT_PREFIX));
  if (!line) throw new Error(`bench/${script} printed no result line:\n${stdout.trim().slice(-4000)}`);
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as T;
}
