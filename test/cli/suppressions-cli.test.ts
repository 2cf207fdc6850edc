import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { computeTwilioSignature } from '../../src/inbound/twilio-signature.js';
import { describeResult, parseJsonOutput, runCli, startCli, waitFor, type RunningCli } from '../support/cli-process.js';
import { writeProject } from '../support/project-fixture.js';

const AUTH_TOKEN = 'cli-test-auth-token';

let serving: RunningCli | undefined;

afterEach(async () => {
  if (serving && serving.child.exitCode === null) {
    serving.child.kill('SIGTERM');
    await serving.result;
  }
  serving = undefined;
});

async function project(inbound = ''): Promise<string> {
  return writeProject({
    'sluice.yml': `name: suppressions_project
warehouse: { type: duckdb, path: .sluice/warehouse.duckdb }
state: { type: sqlite, path: .sluice/state.sqlite }
destinations:
  exports: { type: file, directory: out }
  sms:
    type: twilio
    account_sid: AC00000000000000000000000000000000
    auth_token: \${SLUICE_TEST_TWILIO_TOKEN}
    from: '+12025550100'
    base_url: http://127.0.0.1:9
${inbound}`,
  });
}

const env = { SLUICE_TEST_TWILIO_TOKEN: AUTH_TOKEN };

describe('sluice suppressions', () => {
  it('adds, lists and removes entries on SQLite', async () => {
    const dir = await project();
    const cli = (args: string[]) => runCli(args, { project: dir, env });

    const addPhone = await cli(['--json', 'suppressions', 'add', 'sms', ' +1 (202) 555-0162 ', '--reason', 'asked by phone']);
    expect(addPhone.code, describeResult(addPhone)).toBe(EXIT.success);
    expect(parseJsonOutput(addPhone)).toEqual({ channel: 'sms', address: '+12025550162', added: true });

    const addEmail = await cli(['--json', 'suppressions', 'add', 'EMAIL', 'Ana@Example.COM']);
    expect(addEmail.code, describeResult(addEmail)).toBe(EXIT.success);

    const again = await cli(['--json', 'suppressions', 'add', 'sms', '+12025550162']);
    expect(parseJsonOutput(again).added).toBe(false);

    const listed = await cli(['--json', 'suppressions', 'list']);
    expect(listed.code, describeResult(listed)).toBe(EXIT.success);
    const entries = parseJsonOutput(listed).entries;
    expect(entries.map((entry: { address: string }) => entry.address)).toEqual(['+12025550162', 'ana@example.com']);
    expect(entries[0]).toMatchObject({ channel: 'sms', sender: null, source: 'manual', reason: 'asked by phone' });

    const smsOnly = await cli(['--json', 'suppressions', 'list', '--channel', 'sms']);
    expect(parseJsonOutput(smsOnly).entries).toHaveLength(1);

    const text = await cli(['suppressions', 'list']);
    expect(text.stdout).toContain('ana@example.com');
    expect(text.stdout).toContain('manual');

    const removed = await cli(['--json', 'suppressions', 'remove', 'sms', '+12025550162']);
    expect(removed.code, describeResult(removed)).toBe(EXIT.success);
    expect(parseJsonOutput(removed).removed).toBe(1);

    const removedAgain = await cli(['--json', 'suppressions', 'remove', 'sms', '+12025550162']);
    expect(removedAgain.code, describeResult(removedAgain)).toBe(EXIT.success);
    expect(parseJsonOutput(removedAgain).removed).toBe(0);

    const after = await cli(['--json', 'suppressions', 'list']);
    expect(parseJsonOutput(after).entries.map((entry: { address: string }) => entry.address)).toEqual(['ana@example.com']);
  });

  it('exits 2 on an invalid channel or value', async () => {
    const dir = await project();

    const local = await runCli(['suppressions', 'add', 'sms', '2025550162'], { project: dir, env });
    expect(local.code, describeResult(local)).toBe(EXIT.invalid);
    expect(local.stderr).toContain('E.164');
    expect(local.stderr).not.toContain('2025550162');

    const email = await runCli(['--json', 'suppressions', 'add', 'email', 'not-an-address'], { project: dir, env });
    expect(email.code, describeResult(email)).toBe(EXIT.invalid);
    expect(parseJsonOutput(email).error.message).toContain('not a valid email address');

    const channel = await runCli(['suppressions', 'list', '--channel', 'push'], { project: dir, env });
    expect(channel.code, describeResult(channel)).toBe(EXIT.invalid);
    expect(channel.stderr).toContain('use sms or email');
  });
});

describe('sluice inbound serve', () => {
  it('suppresses a number that replies STOP', async () => {
    const dir = await project();
    serving = startCli(['inbound', 'serve', '--port', '0'], { project: dir, env });
    await waitFor(() => serving!.stderr().includes('receiving Twilio replies at'), 30_000, 'the webhook to start');
    const url = /receiving Twilio replies at (\S+);/.exec(serving.stderr())![1]!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/twilio\/inbound$/);

    const form = { From: '+12025550162', To: '+12025550100', Body: 'STOP', MessageSid: 'SM1' };
    const signature = computeTwilioSignature(AUTH_TOKEN, url, Object.entries(form));
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature },
      body: new URLSearchParams(form).toString(),
    });
    expect(response.status).toBe(200);

    serving.child.kill('SIGTERM');
    const result = await serving.result;
    expect(result.code, describeResult(result)).toBe(EXIT.success);
    expect(result.stderr).toContain('inbound.reply_applied');
    expect(result.stderr).not.toContain('5550162');
    expect(result.stderr).not.toContain(AUTH_TOKEN);

    const listed = await runCli(['--json', 'suppressions', 'list'], { project: dir, env });
    expect(parseJsonOutput(listed).entries).toEqual([
      expect.objectContaining({ channel: 'sms', address: '+12025550162', sender: null, source: 'inbound_reply' }),
    ]);
  });

  it('exits 2 when inbound names a destination that is not Twilio', async () => {
    const dir = await project('inbound:\n  twilio: { destination: exports }\n');
    const result = await runCli(['inbound', 'serve'], { project: dir, env });

    expect(result.code, describeResult(result)).toBe(EXIT.invalid);
    expect(result.stderr).toContain('sluice.yml: inbound.twilio.destination');
    expect(result.stderr).toContain('not twilio; Twilio destinations: sms');
  });

  it('exits 2 on an invalid inbound path', async () => {
    const dir = await project('inbound:\n  twilio: { destination: sms, path: twilio }\n');
    const result = await runCli(['inbound', 'serve'], { project: dir, env });

    expect(result.code, describeResult(result)).toBe(EXIT.invalid);
    expect(result.stderr).toContain('inbound.twilio.path');
  });
});
