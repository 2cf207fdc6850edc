/**
 * Turns change records into audience members for the ads-platform connectors. Every connector
 * uses it, so that they share one meaning of add, remove and "no identifier".
 */
import type { Row } from '../../core/values.js';
import type { ChangeRecord, Operation, RowOutcome } from '../destination.js';
import type { IdentifierExtractor } from './row-identifiers.js';

export type AudienceAction = 'add' | 'remove';

/** One row to send: where it sits in the write call, what to do, and its identifiers. */
export interface AudienceMember<T> {
  index: number;
  action: AudienceAction;
  identifiers: T;
}

/** The rows of a write call split into members to send and rows rejected before sending. */
export interface AudiencePlan<T> {
  /** One entry per record: the rejection decided here, or undefined for a row to send. */
  outcomes: (RowOutcome | undefined)[];
  members: AudienceMember<T>[];
  /** How often each reason for dropping a value occurred, across every row. */
  droppedCounts: Map<string, number>;
}

/**
 * Operations an audience accepts: `add` and `remove` from the audience mode, `upsert` and
 * `delete` from the mirror mode, which mean the same for a membership list.
 */
export const AUDIENCE_OPERATIONS: readonly Operation[] = ['add', 'remove', 'upsert', 'delete'];

const ACTIONS: Partial<Record<Operation, AudienceAction>> = {
  add: 'add',
  upsert: 'add',
  remove: 'remove',
  delete: 'remove',
};

/**
 * Plans a write. An add takes its identifiers from `fields`; a removal from `previous`, the
 * values last sent, because the row no longer exists in the model. A row is rejected alone when
 * its operation is not an audience operation, when a removal has no previous values, or when no
 * identifier survives normalisation.
 *
 * A changed row arrives as an add with its new identifiers. The identifiers it had before are
 * not removed: the platforms process uploads asynchronously, so a removal sent alongside might
 * be applied after the add and drop the person from the audience.
 */
export function planAudienceMembers<T>(
  records: ChangeRecord[],
  extract: IdentifierExtractor<T>,
  platform: string,
): AudiencePlan<T> {
  const plan: AudiencePlan<T> = { outcomes: [], members: [], droppedCounts: new Map() };

  records.forEach((record, index) => {
    const action = ACTIONS[record.operation];
    if (action === undefined) {
      plan.outcomes.push(unsupportedOperation(record.operation, platform));
      return;
    }

    const source = action === 'add' ? record.fields : record.previous;
    if (source === null) {
      plan.outcomes.push(missingSource(action));
      return;
    }

    const extracted = extract(source);
    for (const reason of extracted.dropped) {
      plan.droppedCounts.set(reason, (plan.droppedCounts.get(reason) ?? 0) + 1);
    }
    if (extracted.identifiers === undefined) {
      plan.outcomes.push(noIdentifier(action, extracted.dropped, extracted.ignoredFields, source));
      return;
    }

    plan.outcomes.push(undefined);
    plan.members.push({ index, action, identifiers: extracted.identifiers });
  });
  return plan;
}

function unsupportedOperation(operation: Operation, platform: string): RowOutcome {
  return {
    status: 'rejected',
    reason:
      `${platform} does not support the operation "${operation}"; ` +
      'use sync mode audience or mirror',
  };
}

function missingSource(action: AudienceAction): RowOutcome {
  if (action === 'add') return { status: 'rejected', reason: 'cannot add: the row has no fields' };
  return {
    status: 'rejected',
    reason:
      'cannot remove: the identifiers last sent for this row are unknown, because the ' +
      'snapshot contains no previous values for it; the person stays in the audience',
  };
}

function noIdentifier(
  action: AudienceAction,
  droppedReasons: string[],
  ignoredFields: string[],
  source: Row,
): RowOutcome {
  const details = [...droppedReasons];
  if (details.length === 0) {
    const mapsIdentifiers = Object.keys(source).length > ignoredFields.length;
    details.push(
      mapsIdentifiers ? 'every identifier field is empty' : 'no identifier field is mapped',
    );
  }
  if (ignoredFields.length > 0) {
    details.push(`unrecognised fields ignored: ${ignoredFields.join(', ')}`);
  }
  return { status: 'rejected', reason: `no identifier to ${action}: ${details.join('; ')}` };
}
