import type { ModelSettings, ProjectFileConfig, SyncFileConfig } from './schema.js';

/** A model as found on disk, before compilation. */
export interface ModelDefinition {
  name: string;
  /** Path of the SQL file, relative to the project. */
  file: string;
  sql: string;
  settings: ModelSettings;
  /** Path of the settings file, when there is one. */
  settingsFile: string | undefined;
}

/** One field of a sync's mapping, resolved from the shorthand forms. */
export interface MappedField {
  /** Field name at the destination. */
  name: string;
  /** Column of the model's result. */
  column: string;
  onNull: 'skip' | 'clear';
}

export interface SyncDefinition {
  name: string;
  file: string;
  config: SyncFileConfig;
  fields: MappedField[];
  /** Primary key columns, from the sync or else the model's settings. */
  primaryKey: string[];
  /** Cron schedule with its time zone, when the sync is scheduled. */
  schedule: { cron: string; timezone: string } | undefined;
}

/** A loaded, validated project: sluice.yml plus every model and sync file. */
export interface Project {
  /** Absolute path of the project folder. */
  dir: string;
  config: ProjectFileConfig;
  models: Map<string, ModelDefinition>;
  syncs: Map<string, SyncDefinition>;
}
