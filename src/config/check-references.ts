import type { z } from 'zod';
import type { ConfigIssue } from '../core/errors.js';
import type { ModelDefinition, SyncDefinition } from './project.js';
import type { ProjectFileConfig } from './schema.js';
import { showValue, toConfigIssues } from './zod-issues.js';

/** The schemas of one destination type, as config validation needs them. */
export interface DestinationTypeSchemas {
  accountSchema: z.ZodType;
  syncSchema: z.ZodType;
}

export type DestinationSchemas = Map<string, DestinationTypeSchemas>;

/**
 * Project parts the reference checks read. Parts that failed validation are left out, because
 * they were reported already.
 */
export interface ReferenceScope {
  /** Destination accounts in sluice.yml, or undefined when that section could not be read. */
  destinations: ProjectFileConfig['destinations'] | undefined;
  /** The `inbound:` section of sluice.yml, when present and valid. */
  inbound?: ProjectFileConfig['inbound'];
  /** Tables the identity model writes, when sluice.yml declares one: models without a file. */
  identityTables?: { identity_graph: string; profiles: string; profile_merges: string };
  /** Models with valid settings. */
  models: Map<string, ModelDefinition>;
  /** Models whose SQL file exists but whose settings file is invalid. */
  modelsWithInvalidSettings: ReadonlySet<string>;
  /** Syncs whose file is valid. */
  syncs: Map<string, SyncDefinition>;
}

/**
 * Checks what no single file can: that each sync names an existing model and destination,
 * that a primary key is known, and that destination accounts and options fit their type.
 */
export function checkProjectReferences(project: ReferenceScope, schemas: DestinationSchemas | undefined): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const accounts = project.destinations;

  if (schemas && accounts) {
    for (const [name, account] of Object.entries(accounts)) {
      const type = schemas.get(account.type);
      if (!type) {
        issues.push({
          file: 'sluice.yml',
          path: `destinations.${name}.type`,
          message: `${showValue(account.type)} is not a supported destination type; use one of ${[...schemas.keys()].join(', ')}`,
        });
        continue;
      }
      const result = type.accountSchema.safeParse(account, { reportInput: true });
      if (!result.success) issues.push(...toConfigIssues(result.error, 'sluice.yml', ['destinations', name]));
    }
  }

  issues.push(...checkInboundDestination(project));

  // The identity model's tables are models a sync may read, though no file in models/ defines them.
  const tables = project.identityTables;
  const identityModels = tables ? [tables.identity_graph, tables.profiles, tables.profile_merges] : [];
  for (const sync of project.syncs.values()) {
    const { file, config } = sync;
    const model = project.models.get(config.model);
    if (!model && !project.modelsWithInvalidSettings.has(config.model) && !identityModels.includes(config.model)) {
      const known = [...project.models.keys(), ...project.modelsWithInvalidSettings, ...identityModels].sort().join(', ') || 'none yet';
      issues.push({ file, path: 'model', message: `model "${config.model}" not found in models/; known models: ${known}` });
    }
    const suppressionModel = config.suppression?.model;
    if (suppressionModel && !project.models.has(suppressionModel) && !project.modelsWithInvalidSettings.has(suppressionModel)) {
      issues.push({ file, path: 'suppression.model', message: `model "${suppressionModel}" not found in models/; add models/${suppressionModel}.sql or fix the name` });
    }
    const account = accounts?.[config.destination];
    if (accounts && !account) {
      const known = Object.keys(accounts).join(', ') || 'none yet';
      issues.push({
        file,
        path: 'destination',
        message: `destination "${config.destination}" is not defined under destinations in sluice.yml; defined: ${known}`,
      });
    } else if (account) {
      const type = schemas?.get(account.type);
      const result = type?.syncSchema.safeParse(config.destination_options, { reportInput: true });
      if (result && !result.success) issues.push(...toConfigIssues(result.error, file, ['destination_options']));
    }
    if (sync.primaryKey.length === 0 && model?.settings.primary_key !== undefined) {
      sync.primaryKey = [model.settings.primary_key].flat();
    }
    if (sync.primaryKey.length === 0 && model) {
      issues.push({
        file,
        path: 'primary_key',
        message: `no primary key; set primary_key here or in ${model.settingsFile ?? `models/${model.name}.yml`}`,
      });
    }
  }
  return issues;
}

/** Checks that `inbound.twilio.destination` names a Twilio destination, whose token signs replies. */
function checkInboundDestination(project: ReferenceScope): ConfigIssue[] {
  const name = project.inbound?.twilio.destination;
  const accounts = project.destinations;
  if (name === undefined || accounts === undefined) return [];

  const path = 'inbound.twilio.destination';
  const account = accounts[name];
  const twilioNames = Object.entries(accounts)
    .filter(([, candidate]) => candidate.type === 'twilio')
    .map(([candidate]) => candidate);
  const known = twilioNames.join(', ') || 'none yet';
  if (!account) {
    return [{ file: 'sluice.yml', path, message: `destination "${name}" is not defined under destinations; Twilio destinations: ${known}` }];
  }
  if (account.type !== 'twilio') {
    return [{ file: 'sluice.yml', path, message: `destination "${name}" is of type ${account.type}, not twilio; Twilio destinations: ${known}` }];
  }
  return [];
}
