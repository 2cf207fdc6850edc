import type { SyncDefinition } from '../config/project.js';
import type { ConfigIssue } from '../core/errors.js';
import type { DestinationType } from '../destinations/destination.js';

/**
 * Runs each destination's own checks of the given syncs (templates and the fields they read,
 * for example), without connecting to anything. Returns the problems as config issues of the
 * sync files.
 */
export async function checkSyncDestinations(
  projectDir: string,
  accounts: Record<string, { type: string }>,
  syncs: Iterable<SyncDefinition>,
  destinationTypes: ReadonlyMap<string, DestinationType<any, any>>,
): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  for (const sync of syncs) {
    const type = destinationTypes.get(accounts[sync.config.destination]?.type ?? '');
    if (!type?.checkSync) continue;
    const options = type.syncSchema.parse(sync.config.destination_options);
    const mappedFields = sync.fields.map((field) => field.name);
    for (const problem of await type.checkSync(options, { projectDir, mappedFields })) {
      issues.push({ file: sync.file, path: problem.path, message: problem.message });
    }
  }
  return issues;
}
