import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { describeResult, parseJsonOutput, runCli } from '../support/cli-process.js';
import { writeProject } from '../support/project-fixture.js';

// Usage errors stop before the project is read, so an empty folder serves as the project.
let project: string;

beforeAll(async () => {
  project = await writeProject({});
});

/** `message` is in the JSON error; `stderr` is in the text output, where it differs from `message`. */
const USAGE_ERRORS: { args: string[]; message: string; stderr?: string }[] = [
  { args: ['plan'], message: "missing required argument 'sync'" },
  { args: ['run', '--bogus'], message: "unknown option '--bogus'" },
  { args: ['frobnicate'], message: "unknown command 'frobnicate'" },
  { args: ['identity', 'explain', 'email'], message: "missing required argument 'value'" },
  // Commander prints the command's help alone when its subcommand is missing.
  { args: ['identity'], message: 'missing command', stderr: 'Usage: sluice identity [options] [command]' },
  { args: ['validate', 'extra'], message: 'too many arguments' },
  { args: ['runs', '--limit'], message: "option '-n, --limit <count>' argument missing" },
];

describe('sluice usage errors', () => {
  for (const { args, message, stderr } of USAGE_ERRORS) {
    it(`exits 2 for: sluice ${args.join(' ')}`, async () => {
      const result = await runCli(args, { project });

      expect(result.code, describeResult(result)).toBe(EXIT.invalid);
      expect(result.stderr).toContain(stderr ?? message);
      expect(result.stdout).toBe('');
    });

    it(`prints one JSON error for: sluice --json ${args.join(' ')}`, async () => {
      const result = await runCli(['--json', ...args], { project });

      expect(result.code, describeResult(result)).toBe(EXIT.invalid);
      expect(result.stderr).toBe('');
      const body = parseJsonOutput(result);
      expect(body.error.code).toBe('usage_invalid');
      expect(body.error.message).toContain(message);
      expect(body.error.message).toContain('usage: sluice');
    });
  }

  it('reads --json after the command', async () => {
    const result = await runCli(['plan', '--json'], { project });

    expect(result.code, describeResult(result)).toBe(EXIT.invalid);
    expect(parseJsonOutput(result).error.message).toBe("missing required argument 'sync'; usage: sluice plan [options] <sync>");
  });

  it('exits 0 for --help and help', async () => {
    for (const args of [['--help'], ['help'], ['run', '--help']]) {
      const result = await runCli(args, { project });
      expect(result.code, describeResult(result)).toBe(EXIT.success);
      expect(result.stdout).toContain('Usage: sluice');
    }
  });
});

describe('sluice --version', () => {
  it('prints the version of package.json', async () => {
    const packageJson = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

    for (const flag of ['--version', '-V']) {
      const result = await runCli([flag], { project });
      expect(result.code, describeResult(result)).toBe(EXIT.success);
      expect(result.stdout).toBe(`${packageJson.version}\n`);
    }
  });
});
