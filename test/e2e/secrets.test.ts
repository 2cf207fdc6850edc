import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { REDACTED } from '../../src/core/redact.js';
import { type CliResult, describeResult, parseJsonOutput, runCli } from '../support/cli-process.js';
import {
  createTestDatabase,
  dropTestDatabase,
  postgresAvailable,
  postgresSuiteTitle,
  withClient,
} from '../support/postgres.js';
import { writeProject } from '../support/project-fixture.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { CUSTOMERS_MODEL, customersCsv, listFiles, readLog } from './e2e-fixture.js';

/** One place a secret could leak to, and its text. */
interface Output {
  source: string;
  text: string;
}

const hex = () => randomBytes(8).toString('hex');

describe.skipIf(!postgresAvailable())(postgresSuiteTitle('secrets in CLI output'), () => {
  const webhookSecret = `whsec_${hex()}`;
  // JSON escapes `"` and `\`, so the token is also checked in its escaped spelling.
  const apiToken = `tok_"q\\${hex()}`;
  // Characters that a URL must percent-encode, so both spellings are checked.
  const wrongPassword = `wr0ng:p@ss/"${hex()}`;
  let stateUrl = '';
  let wrongStateUrl = '';
  let receiver: WebhookReceiver;
  let project = '';

  beforeAll(async () => {
    stateUrl = await createTestDatabase('sluice_secrets');
    const wrong = new URL(stateUrl);
    wrong.password = encodeURIComponent(wrongPassword);
    wrongStateUrl = wrong.toString();

    // Every request is signed correctly and then refused with a body that echoes the token.
    receiver = await startWebhookReceiver({
      secret: webhookSecret,
      defaultResponse: (request) => ({
        status: 401,
        body: { error: 'invalid token', received_authorization: request.headers.authorization },
      }),
    });
    project = await writeProject({
      'sluice.yml': `name: secrets_project
warehouse: { type: duckdb, path: .sluice/warehouse.duckdb }
state:
  type: postgres
  url: \${SLUICE_STATE_URL}
sources:
  crm:
    tables:
      customers: { file: data/customers.csv, format: csv }
destinations:
  hooks:
    type: webhook
    url: ${receiver.url}
    secret: \${WEBHOOK_SECRET}
    headers:
      Authorization: Bearer \${API_TOKEN}
    max_attempts: 1
  exports: { type: file, directory: out }
`,
      'data/customers.csv': customersCsv(3),
      'models/customers.sql': CUSTOMERS_MODEL,
      'models/customers.yml': 'primary_key: id\npii: [email]\n',
      'syncs/contacts.yml': 'model: customers\ndestination: hooks\nmode: upsert\nmapping:\n  email: email\n',
      'syncs/contacts_file.yml': 'model: customers\ndestination: exports\nmode: upsert\nmapping:\n  email: email\n  tier: tier\n',
    });
  });

  afterAll(async () => {
    await receiver?.close();
    if (stateUrl) await dropTestDatabase(stateUrl);
  });

  function env(url: string): Record<string, string> {
    return { SLUICE_STATE_URL: url, WEBHOOK_SECRET: webhookSecret, API_TOKEN: apiToken };
  }

  function secretValues(): Record<string, string> {
    const password = decodeURIComponent(new URL(stateUrl).password);
    return {
      'webhook secret': webhookSecret,
      'API token': apiToken,
      'state store password': password,
      'state store URL': stateUrl,
      'wrong password': wrongPassword,
      'wrong password, URL-encoded': encodeURIComponent(wrongPassword),
      'wrong state store URL': wrongStateUrl,
    };
  }

  /** Returns every row of every state table, one JSON object per line. */
  async function stateTables(): Promise<string> {
    return withClient(stateUrl, async (client) => {
      const tables = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
      );
      const lines: string[] = [];
      for (const { table_name: table } of tables.rows) {
        const rows = await client.query<{ line: string }>(`SELECT row_to_json(t)::text AS line FROM public."${table}" t`);
        lines.push(...rows.rows.map((row) => `${table}: ${row.line}`));
      }
      return lines.join('\n');
    });
  }

  it('keeps every secret out of stdout, stderr, logs, run history and files', async () => {
    const outputs: Output[] = [];
    const cli = async (args: string[], url = stateUrl): Promise<CliResult> => {
      const result = await runCli(args, { project, env: env(url) });
      const label = `sluice ${args.join(' ')}${url === wrongStateUrl ? ' (wrong password)' : ''}`;
      outputs.push({ source: `stdout of ${label}`, text: result.stdout }, { source: `stderr of ${label}`, text: result.stderr });
      return result;
    };

    const validated = await cli(['--verbose', 'validate']);
    expect(validated.code, describeResult(validated)).toBe(EXIT.success);
    const validatedJson = await cli(['--json', 'validate']);
    expect(validatedJson.code, describeResult(validatedJson)).toBe(EXIT.success);

    const refused = await cli(['--verbose', 'run']);
    expect(refused.code, describeResult(refused)).toBe(EXIT.failed);
    expect(refused.stdout).toContain('401');
    // The echoed token reached the output and was replaced by the marker.
    expect(refused.stdout).toContain(`Bearer ${REDACTED}`);
    const refusedJson = await cli(['--json', 'run']);
    expect(refusedJson.code, describeResult(refusedJson)).toBe(EXIT.failed);
    const runId = parseJsonOutput(refusedJson).runId as string;

    expect(receiver.requests.length).toBeGreaterThanOrEqual(2);
    for (const request of receiver.requests) {
      expect(request.signatureValid).toBe(true);
      expect(request.headers.authorization).toBe(`Bearer ${apiToken}`);
    }

    const listed = await cli(['--json', 'runs']);
    expect(listed.code, describeResult(listed)).toBe(EXIT.success);
    const runIds = (parseJsonOutput(listed) as { id: string }[]).map((run) => run.id);
    expect(runIds).toContain(runId);
    await cli(['runs']);
    for (const id of runIds) {
      const detail = await cli(['--json', 'runs', id]);
      expect(detail.code, describeResult(detail)).toBe(EXIT.success);
      await cli(['runs', id]);
    }
    const detail = parseJsonOutput(await cli(['--json', 'runs', runId]));
    expect(JSON.stringify(detail.rejections)).toContain(REDACTED);

    const wrongRun = await cli(['--verbose', 'run'], wrongStateUrl);
    expect(wrongRun.code, describeResult(wrongRun)).toBe(EXIT.failed);
    expect(wrongRun.stderr).toContain('password authentication failed');
    const wrongRuns = await cli(['--json', 'runs'], wrongStateUrl);
    expect(wrongRuns.code, describeResult(wrongRuns)).toBe(EXIT.failed);
    await cli(['--json', '--verbose', 'validate'], wrongStateUrl);

    outputs.push({ source: '.sluice/logs/sluice.log', text: await readLog(project) });
    outputs.push({ source: 'state store tables', text: await stateTables() });
    const files = await listFiles(path.join(project, 'out'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      outputs.push({ source: `out/${file}`, text: await readFile(path.join(project, 'out', file), 'utf8') });
    }

    for (const [name, value] of Object.entries(secretValues())) {
      for (const output of outputs) {
        expect(output.text.includes(value), `${output.source} contains the ${name}`).toBe(false);
        expect(output.text.includes(JSON.stringify(value).slice(1, -1)), `${output.source} contains the ${name}, JSON-escaped`).toBe(false);
      }
    }
  });
});
