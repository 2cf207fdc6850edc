import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import { resolveEnvReferences } from './env-refs.js';
import { IDENTIFIER_PATTERN } from './identifiers.js';
import type { MappedField, ModelDefinition, Project, SyncDefinition } from './project.js';
import {
  modelSettingsSchema,
  projectSchema,
  syncSchema,
  type ModelSettings,
  type ProjectFileConfig,
  type SyncFileConfig,
} from './schema.js';
import { checkProjectReferences, type DestinationSchemas } from './check-references.js';
import { toConfigIssues } from './zod-issues.js';

export const PROJECT_FILE = 'sluice.yml';

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Schemas of the destination types, so accounts and per-sync options are validated too. */
  destinationSchemas?: DestinationSchemas;
}

/**
 * Loads sluice.yml, models/ and syncs/ from a project folder and validates all of it. Every
 * problem in every file is collected and thrown together as one ConfigError, one line each.
 */
export async function loadProject(dir: string, options: LoadOptions = {}): Promise<Project> {
  const projectDir = resolve(dir);
  const env = options.env ?? process.env;
  const issues: ConfigIssue[] = [];
  const envIssues: ConfigIssue[] = [];

  const { config, destinations } = await loadProjectFile(projectDir, env, issues, envIssues);
  const { models, modelsWithInvalidSettings } = await loadModels(projectDir, issues);
  const syncs = await loadSyncs(projectDir, env, issues, envIssues, config);

  // Cross-file checks run even when some files are invalid, so one typo does not hide the rest.
  const scope = { destinations, inbound: config?.inbound, identityTables: config?.identity?.tables, models, modelsWithInvalidSettings, syncs };
  issues.push(...checkProjectReferences(scope, options.destinationSchemas));
  if (config && issues.length === 0) return { dir: projectDir, config, models, syncs };
  throw new ConfigError(withoutFollowOnIssues(issues, envIssues));
}

/**
 * Drops the issues of fields whose environment variable is unset or empty. The empty string put
 * in its place fails the field's schema too (such as a minimum length), and the issue about the
 * variable already describes the fix.
 */
function withoutFollowOnIssues(issues: ConfigIssue[], envIssues: ConfigIssue[]): ConfigIssue[] {
  const fromEnv = new Set(envIssues);
  const underEnvField = (issue: ConfigIssue) =>
    envIssues.some((envIssue) => envIssue.file === issue.file && (issue.path === envIssue.path || issue.path.startsWith(`${envIssue.path}.`)));
  return issues.filter((issue) => fromEnv.has(issue) || !underEnvField(issue));
}

/** Replaces `${NAME}` references, adding each unresolved one to both `issues` and `envIssues`. */
function resolveEnv(raw: unknown, file: string, env: NodeJS.ProcessEnv, issues: ConfigIssue[], envIssues: ConfigIssue[]): unknown {
  const unresolved: ConfigIssue[] = [];
  const resolved = resolveEnvReferences(raw, file, env, unresolved);
  issues.push(...unresolved);
  envIssues.push(...unresolved);
  return resolved;
}

/**
 * Reads sluice.yml. `destinations` is also returned when the file as a whole is invalid but that
 * section is valid, so that syncs can still be checked against it.
 */
async function loadProjectFile(
  projectDir: string,
  env: NodeJS.ProcessEnv,
  issues: ConfigIssue[],
  envIssues: ConfigIssue[],
): Promise<{ config: ProjectFileConfig | undefined; destinations: ProjectFileConfig['destinations'] | undefined }> {
  const path = join(projectDir, PROJECT_FILE);
  if (!existsSync(path)) {
    issues.push({
      file: PROJECT_FILE,
      path: '',
      message: `not found in ${projectDir}; run sluice from a project folder or pass --project DIR`,
    });
    return { config: undefined, destinations: undefined };
  }
  const raw = await readYaml(path, PROJECT_FILE, issues);
  if (raw === undefined) return { config: undefined, destinations: undefined };
  const resolved = resolveEnv(raw, PROJECT_FILE, env, issues, envIssues);
  const config = validate(projectSchema, resolved, PROJECT_FILE, issues);
  if (config) return { config, destinations: config.destinations };

  const section = resolved !== null && typeof resolved === 'object' ? (resolved as Record<string, unknown>).destinations : undefined;
  const destinations = projectSchema.shape.destinations.safeParse(section);
  return { config: undefined, destinations: destinations.success ? destinations.data : undefined };
}

async function loadModels(
  projectDir: string,
  issues: ConfigIssue[],
): Promise<{ models: Map<string, ModelDefinition>; modelsWithInvalidSettings: Set<string> }> {
  const models = new Map<string, ModelDefinition>();
  const modelsWithInvalidSettings = new Set<string>();
  const folder = join(projectDir, 'models');
  for (const entry of await listFiles(folder, ['.sql'])) {
    const name = basename(entry, '.sql');
    const file = relative(projectDir, join(folder, entry));
    if (!IDENTIFIER_PATTERN.test(name)) {
      issues.push({ file, path: '', message: 'model file names must be identifiers (letters, digits, underscores); rename the file' });
      continue;
    }
    const sql = await readFile(join(folder, entry), 'utf8');
    if (!hasStatement(sql)) {
      issues.push({ file, path: '', message: 'the file has no SQL, only blanks or comments; write one SELECT, or delete the file' });
    }
    const { settings, settingsFile } = await loadModelSettings(projectDir, folder, name, issues);
    if (settings) models.set(name, { name, file, sql, settings, settingsFile });
    else modelsWithInvalidSettings.add(name);
  }
  return { models, modelsWithInvalidSettings };
}

/** Tells whether SQL has anything besides whitespace, `--` line comments and block comments. */
function hasStatement(sql: string): boolean {
  return sql.replace(/\/\*[\s\S]*?\*\//g, '').replace(/--[^\n]*/g, '').trim() !== '';
}

async function loadModelSettings(
  projectDir: string,
  folder: string,
  name: string,
  issues: ConfigIssue[],
): Promise<{ settings: ModelSettings | undefined; settingsFile: string | undefined }> {
  for (const extension of ['.yml', '.yaml']) {
    const path = join(folder, name + extension);
    if (!existsSync(path)) continue;
    const file = relative(projectDir, path);
    const raw = await readYaml(path, file, issues);
    const settings = raw === undefined ? undefined : validate(modelSettingsSchema, raw, file, issues);
    return { settings, settingsFile: file };
  }
  return { settings: modelSettingsSchema.parse({}), settingsFile: undefined };
}

async function loadSyncs(
  projectDir: string,
  env: NodeJS.ProcessEnv,
  issues: ConfigIssue[],
  envIssues: ConfigIssue[],
  config: ProjectFileConfig | undefined,
): Promise<Map<string, SyncDefinition>> {
  const syncs = new Map<string, SyncDefinition>();
  const folder = join(projectDir, 'syncs');
  for (const entry of await listFiles(folder, ['.yml', '.yaml'])) {
    const name = entry.replace(/\.ya?ml$/, '');
    const file = relative(projectDir, join(folder, entry));
    if (!IDENTIFIER_PATTERN.test(name)) {
      issues.push({ file, path: '', message: 'sync file names must be identifiers (letters, digits, underscores); rename the file' });
      continue;
    }
    const raw = await readYaml(join(folder, entry), file, issues);
    if (raw === undefined) continue;
    const resolved = resolveEnv(raw, file, env, issues, envIssues);
    const syncConfig = validate(syncSchema, resolved, file, issues);
    if (syncConfig) syncs.set(name, toSyncDefinition(name, file, syncConfig, config));
  }
  return syncs;
}

function toSyncDefinition(
  name: string,
  file: string,
  config: SyncFileConfig,
  project: ProjectFileConfig | undefined,
): SyncDefinition {
  const fields: MappedField[] = Object.entries(config.mapping).map(([field, source]) =>
    typeof source === 'string'
      ? { name: field, column: source, onNull: 'skip' }
      : { name: field, column: source.from, onNull: source.on_null },
  );
  const primaryKey = config.primary_key === undefined ? [] : [config.primary_key].flat();
  const timezone = project?.defaults.timezone ?? 'UTC';
  const schedule =
    config.schedule === undefined
      ? undefined
      : typeof config.schedule === 'string'
        ? { cron: config.schedule, timezone }
        : config.schedule;
  return { name, file, config, fields, primaryKey, schedule };
}

async function listFiles(folder: string, extensions: string[]): Promise<string[]> {
  if (!existsSync(folder)) return [];
  const entries = await readdir(folder);
  return entries.filter((entry) => extensions.some((extension) => entry.endsWith(extension))).sort();
}

async function readYaml(path: string, file: string, issues: ConfigIssue[]): Promise<unknown> {
  try {
    return parseYaml(await readFile(path, 'utf8')) ?? {};
  } catch (error) {
    if (!(error instanceof YAMLParseError)) throw error;
    const [line, column] = error.linePos?.[0] ? [error.linePos[0].line, error.linePos[0].col] : [0, 0];
    const summary = (error.message.split('\n')[0] ?? '').replace(/:$/, '');
    issues.push({ file, path: `line ${line}:${column}`, message: `${summary}; fix the YAML syntax` });
    return undefined;
  }
}

/** Validates a value and records its issues; returns the parsed value only when it is valid. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, file: string, issues: ConfigIssue[], prefix: string[] = []): T | undefined {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  issues.push(...toConfigIssues(result.error, file, prefix));
  return undefined;
}
