import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { resolveEnvReferences } from '../../src/config/env-refs.js';
import { loadProject } from '../../src/config/load-project.js';
import { ConfigError, type ConfigIssue } from '../../src/core/errors.js';
import { REDACTED, redactor } from '../../src/core/redact.js';
import { destinationTypes } from '../../src/destinations/registry.js';
import { writeProject } from '../support/project-fixture.js';

const destinationSchemas = new Map(
  [...destinationTypes].map(([name, type]) => [name, { accountSchema: type.accountSchema, syncSchema: type.syncSchema }]),
);

/** Returns a secret that no other test uses, because the redactor is shared by the whole process. */
function newSecret(label: string): string {
  return `${label}-${randomUUID()}`;
}

const webhookProject = (url: string, headers = '{}') => `name: env_project
warehouse: { type: duckdb, path: '\${WAREHOUSE_PATH:-.sluice/default.duckdb}' }
destinations:
  hook: { type: webhook, url: '${url}', headers: ${headers} }
`;

const webhookSync = `model: contacts
destination: hook
mode: upsert
primary_key: id
mapping: { id: id }
destination_options: { path: '\${HOOK_PATH:-/contacts}', event: '\${HOOK_EVENT}' }
`;

describe('resolveEnvReferences', () => {
  it('replaces references inside nested strings', () => {
    const issues: ConfigIssue[] = [];
    const value = { a: ['x ${NAME} y', { b: '${NAME}${OTHER}' }], n: 5, t: true, empty: null };
    const resolved = resolveEnvReferences(value, 'f.yml', { NAME: 'alpha', OTHER: 'beta' }, issues);

    expect(resolved).toEqual({ a: ['x alpha y', { b: 'alphabeta' }], n: 5, t: true, empty: null });
    expect(issues).toEqual([]);
  });

  it('uses defaults for unset or empty variables', () => {
    const issues: ConfigIssue[] = [];
    const resolved = resolveEnvReferences(
      ['${SET:-fallback}', '${UNSET:-fallback}', '${EMPTY:-fallback}', '${UNSET:-}'],
      'f.yml',
      { SET: 'from-env', EMPTY: '' },
      issues,
    );

    expect(resolved).toEqual(['from-env', 'fallback', 'fallback', '']);
    expect(issues).toEqual([]);
  });

  it('leaves text that is not a reference alone', () => {
    const issues: ConfigIssue[] = [];
    const resolved = resolveEnvReferences(['$HOME', '${1BAD}', '$${NAME'], 'f.yml', { HOME: '/root' }, issues);

    expect(resolved).toEqual(['$HOME', '${1BAD}', '$${NAME']);
    expect(issues).toEqual([]);
  });

  it('reports a missing variable with its path', () => {
    const issues: ConfigIssue[] = [];
    resolveEnvReferences({ destinations: { hook: { headers: { Authorization: 'Bearer ${API_TOKEN}' } } } }, 'sluice.yml', {}, issues);

    expect(issues).toHaveLength(1);
    expect(issues[0]!.file).toBe('sluice.yml');
    expect(issues[0]!.path).toBe('destinations.hook.headers.Authorization');
    expect(issues[0]!.message).toMatch(/environment variable API_TOKEN is not set/);
    expect(issues[0]!.message).toMatch(/export it, or write \$\{API_TOKEN:-default\}/);
  });

  it('reports a set but empty variable', () => {
    const issues: ConfigIssue[] = [];
    const resolved = resolveEnvReferences({ api_key: '${API_KEY}' }, 'sluice.yml', { API_KEY: '' }, issues);

    expect(resolved).toEqual({ api_key: '' });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('api_key');
    expect(issues[0]!.message).toBe(
      'environment variable API_KEY is set but empty; give it a value, or write ${API_KEY:-default} to use a default when it is empty',
    );
  });

  it('registers environment values, not defaults', () => {
    const secret = newSecret('token');
    const fallback = newSecret('fallback');
    resolveEnvReferences(['${TOKEN}', `\${MISSING:-${fallback}}`], 'f.yml', { TOKEN: secret }, []);

    expect(redactor.redact(`before ${secret} after`)).toBe(`before ${REDACTED} after`);
    expect(redactor.redact(fallback)).toBe(fallback);
  });
});

describe('loadProject with environment references', () => {
  it('resolves references in every file', async () => {
    const url = newSecret('http://127.0.0.1:9/hook');
    const dir = await writeProject({
      'sluice.yml': webhookProject('${HOOK_URL}'),
      'models/contacts.sql': 'SELECT 1 AS id',
      'syncs/contacts.yml': webhookSync,
    });
    const project = await loadProject(dir, { env: { HOOK_URL: url, HOOK_EVENT: 'contact.changed' }, destinationSchemas });

    expect(project.config.warehouse).toMatchObject({ path: '.sluice/default.duckdb' });
    expect(project.config.destinations.hook).toMatchObject({ url });
    expect(project.syncs.get('contacts')!.config.destination_options).toEqual({ path: '/contacts', event: 'contact.changed' });
  });

  it('reports every missing variable', async () => {
    const dir = await writeProject({
      'sluice.yml': webhookProject('${HOOK_URL}'),
      'models/contacts.sql': 'SELECT 1 AS id',
      'syncs/contacts.yml': webhookSync,
    });
    const error = await loadProject(dir, { env: {}, destinationSchemas }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(ConfigError);
    const missing = (error as ConfigError).issues.filter((issue) => issue.message.includes('is not set'));
    expect(missing.map((issue) => `${issue.file} ${issue.path}`)).toEqual([
      'sluice.yml destinations.hook.url',
      'syncs/contacts.yml destination_options.event',
    ]);
    expect(missing[0]!.message).toMatch(/HOOK_URL/);
    expect(missing[1]!.message).toMatch(/HOOK_EVENT/);
  });

  it('reports a missing variable once', async () => {
    const dir = await writeProject({
      'sluice.yml': `name: env_project
warehouse: { type: duckdb, path: .sluice/warehouse.duckdb }
destinations:
  sendgrid: { type: sendgrid, api_key: '\${SENDGRID_API_KEY}', base_url: 'http://\${SENDGRID_HOST}/v3', poll_interval_ms: -1 }
`,
    });
    const cases = [
      { env: {}, problem: 'is not set' },
      { env: { SENDGRID_API_KEY: '', SENDGRID_HOST: '' }, problem: 'is set but empty' },
    ];
    for (const { env, problem } of cases) {
      const error = await loadProject(dir, { env, destinationSchemas }).catch((thrown: unknown) => thrown);

      expect(error).toBeInstanceOf(ConfigError);
      const issues = (error as ConfigError).issues;
      expect(issues.map((issue) => issue.path)).toEqual([
        'destinations.sendgrid.api_key',
        'destinations.sendgrid.base_url',
        'destinations.sendgrid.poll_interval_ms',
      ]);
      expect(issues[0]!.message).toBe(
        `environment variable SENDGRID_API_KEY ${problem}; ` +
          (problem === 'is not set'
            ? 'export it, or write ${SENDGRID_API_KEY:-default} to give a default'
            : 'give it a value, or write ${SENDGRID_API_KEY:-default} to use a default when it is empty'),
      );
      expect(issues[1]!.message).toContain(`environment variable SENDGRID_HOST ${problem}`);
      expect(issues[2]!.message).toContain('Too small');
    }
  });

  it('keeps secrets out of ConfigError', async () => {
    const badUrl = newSecret('not-a-url');
    const token = newSecret('token');
    const dir = await writeProject({
      'sluice.yml': webhookProject('${HOOK_URL}', '{ Authorization: "Bearer ${API_TOKEN}\\n" }'),
      'models/contacts.sql': 'SELECT 1 AS id',
      'syncs/contacts.yml': webhookSync,
    });
    const env = { HOOK_URL: badUrl, API_TOKEN: token, HOOK_EVENT: 'e' };
    const error = await loadProject(dir, { env, destinationSchemas }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(ConfigError);
    const { message, issues } = error as ConfigError;
    expect(issues.map((issue) => issue.path)).toEqual(['destinations.hook.url', 'destinations.hook.headers.Authorization']);
    expect(message).not.toContain(badUrl);
    expect(message).not.toContain(token);
    expect(message).toContain(REDACTED);
  });

  it('redacts secrets from a project dump', async () => {
    const url = newSecret('http://127.0.0.1:9/hook');
    const token = newSecret('token');
    const event = newSecret('event');
    const dir = await writeProject({
      'sluice.yml': webhookProject('${HOOK_URL}', '{ Authorization: "Bearer ${API_TOKEN}" }'),
      'models/contacts.sql': 'SELECT 1 AS id',
      'syncs/contacts.yml': webhookSync,
    });
    const env = { HOOK_URL: url, API_TOKEN: token, HOOK_EVENT: event };
    const project = await loadProject(dir, { env, destinationSchemas });

    const dump = redactor.redact(JSON.stringify({ config: project.config, syncs: [...project.syncs.values()] }));
    for (const secret of [url, token, event]) {
      expect(dump).not.toContain(secret);
      expect(redactor.redact(`value=${secret};`)).toBe(`value=${REDACTED};`);
    }
    expect(dump).toContain(`"Authorization":"Bearer ${REDACTED}"`);
    expect(JSON.stringify(redactor.redactValue(project.config))).not.toContain(token);
  });
});
