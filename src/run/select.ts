import type { Project, SyncDefinition } from '../config/project.js';
import { SluiceError } from '../core/errors.js';
import type { CompiledModel } from '../models/compile.js';

export interface Selection {
  syncs: SyncDefinition[];
  /** Models named directly, built even when no selected sync uses them. */
  models: string[];
}

/**
 * Resolves `--select` names: a sync name selects that sync; a model name selects the model and
 * every enabled sync of it. No names selects every enabled sync. Unknown names are an error.
 */
export function selectSyncs(project: Project, compiled: CompiledModel[], names: string[]): Selection {
  const enabled = [...project.syncs.values()].filter((sync) => sync.config.enabled);
  if (names.length === 0) return { syncs: enabled, models: compiled.map((model) => model.name) };

  const syncs = new Map<string, SyncDefinition>();
  const models: string[] = [];
  const modelNames = new Set(compiled.map((model) => model.name));
  const unknown: string[] = [];
  for (const name of names) {
    const sync = project.syncs.get(name);
    if (sync) {
      syncs.set(name, sync);
    } else if (modelNames.has(name)) {
      models.push(name);
      for (const candidate of enabled) if (candidate.config.model === name) syncs.set(candidate.name, candidate);
    } else {
      unknown.push(name);
    }
  }
  if (unknown.length > 0) {
    const listed = unknown.map((name) => `"${name}"`).join(', ');
    const knownSyncs = [...project.syncs.keys()].sort().join(', ') || 'none';
    const knownModels = [...modelNames].sort().join(', ');
    throw new SluiceError('selection_invalid', `No sync or model named ${listed}; syncs: ${knownSyncs}; models: ${knownModels}`);
  }
  return { syncs: [...syncs.values()], models };
}
