import { createHash } from 'node:crypto';
import { MemoryLogger } from '../../src/core/logger.js';
import type { Row } from '../../src/core/values.js';
import type {
  ChangeRecord,
  DestinationContext,
  Operation,
} from '../../src/destinations/destination.js';

/** Builds a change record; `contentHash` is derived from the fields as the engine would. */
export function changeRecord(
  key: string,
  operation: Operation,
  fields: Row | null,
  previous: Row | null = null,
): ChangeRecord {
  const contentHash = createHash('md5').update(JSON.stringify(fields)).digest('hex');
  return { key, operation, fields, previous, contentHash };
}

export function upserts(count: number, extra: Row = {}): ChangeRecord[] {
  return Array.from({ length: count }, (_unused, index) =>
    changeRecord(`k${index + 1}`, 'upsert', { email: `user${index + 1}@example.com`, ...extra }),
  );
}

export function testContext(
  overrides: Partial<DestinationContext> = {},
): DestinationContext & { logger: MemoryLogger } {
  return {
    logger: new MemoryLogger(),
    projectDir: process.cwd(),
    runId: 'run-1',
    syncName: 'contacts',
    ...overrides,
  } as DestinationContext & { logger: MemoryLogger };
}
