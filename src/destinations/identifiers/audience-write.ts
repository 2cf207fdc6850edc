/** The write loop shared by the ads-platform connectors. */
import type { LogFields, Logger } from '../../core/logger.js';
import { redactor } from '../../core/redact.js';
import type { ChangeRecord, DestinationCapabilities, RowOutcome } from '../destination.js';
import type { RequestSettings } from '../http/request-settings.js';
import type { SendResult } from '../http/send-with-retry.js';
import {
  AUDIENCE_OPERATIONS,
  type AudienceAction,
  type AudienceMember,
  planAudienceMembers,
} from './audience-members.js';
import {
  DEFAULT_MAX_EXTRA_REQUESTS,
  type GroupVerdicts,
  sendIsolatingRejections,
} from './isolate-rejections.js';
import type { IdentifierExtractor } from './row-identifiers.js';

export interface AudienceWriteOptions<T> {
  /** Platform name for reasons and logs, such as "Meta custom audience". */
  platform: string;
  extract: IdentifierExtractor<T>;
  maxBatchSize: number;
  /** Sends one request for `members`, all with the same action, and reads its verdicts. */
  sendGroup: (action: AudienceAction, members: AudienceMember<T>[]) => Promise<GroupVerdicts>;
  /** The destination's set of reasons judged systematic (see IsolationOptions). */
  systematicReasons: Set<string>;
  logger: Logger;
  logFields: LogFields;
}

/**
 * Writes change records to an audience and returns one outcome per record, in order. Rows
 * without identifiers are rejected before sending. Removals go out before adds, so that a person
 * who moves from one row to another in the same run ends up in the audience, as far as the
 * platform applies requests in the order it receives them.
 */
export async function writeAudience<T>(
  records: ChangeRecord[],
  options: AudienceWriteOptions<T>,
): Promise<RowOutcome[]> {
  const plan = planAudienceMembers(records, options.extract, options.platform);
  logDroppedValues(plan.droppedCounts, options);

  const outcomes = plan.outcomes;
  for (const action of ['remove', 'add'] as const) {
    const members = plan.members.filter((member) => member.action === action);
    for (let start = 0; start < members.length; start += options.maxBatchSize) {
      const batch = members.slice(start, start + options.maxBatchSize);
      const results = await sendIsolatingRejections(
        batch,
        (group) => options.sendGroup(action, group),
        {
          maxExtraRequests: DEFAULT_MAX_EXTRA_REQUESTS,
          systematicReasons: options.systematicReasons,
          logger: options.logger,
          logFields: { ...options.logFields, action },
        },
      );
      batch.forEach((member, position) => {
        outcomes[member.index] = results[position];
      });
    }
  }
  return outcomes.map((outcome) => outcome ?? { status: 'retry', reason: 'row was not sent' });
}

/** Logs how many values each drop reason removed; reasons never contain the values. */
function logDroppedValues<T>(counts: Map<string, number>, options: AudienceWriteOptions<T>): void {
  for (const [reason, rows] of counts) {
    options.logger.log('warn', 'destination.identifier_dropped', {
      ...options.logFields,
      reason,
      rows,
    });
  }
}

/**
 * Returns the verdicts for a request that got no response to read: `retry` for every row, with
 * `outcomeUnknown` when it may have been applied.
 */
export function verdictsWithoutResponse(
  result: Exclude<SendResult, { kind: 'response' }>,
  count: number,
): GroupVerdicts {
  if (result.kind === 'unknown') {
    return verdictsForAll(count, { status: 'retry', reason: result.reason, outcomeUnknown: true });
  }

  const outcome: Extract<RowOutcome, { status: 'retry' }> = {
    status: 'retry',
    reason: result.reason,
  };
  if (result.retryAfterMs !== undefined) outcome.retryAfterMs = result.retryAfterMs;
  return verdictsForAll(count, outcome);
}

/** Returns the same verdict for every row of a group. */
export function verdictsForAll(count: number, outcome: RowOutcome): GroupVerdicts {
  return { verdicts: Array.from({ length: count }, () => ({ ...outcome })) };
}

/**
 * Returns the capabilities of an ads-audience destination. Adding a present person or removing
 * an absent one changes nothing, so the destinations are idempotent.
 */
export function audienceCapabilities(
  settings: RequestSettings,
  maxBatchSize: number,
): DestinationCapabilities {
  return {
    operations: AUDIENCE_OPERATIONS,
    maxBatchSize,
    maxRequestsPerSecond: settings.max_requests_per_second,
    maxConcurrency: settings.max_concurrency,
    idempotent: true,
  };
}

/** Returns a group in which every row is suspect, after the platform rejected it as a whole. */
export function rejectedAsWhole(count: number, reason: string): GroupVerdicts {
  return {
    verdicts: Array.from({ length: count }, () => 'suspect' as const),
    suspectReason: reason,
    rejectedWhole: true,
  };
}

const MAX_PLATFORM_TEXT = 300;

/**
 * Prepares a message from a platform for a reason: redacted, since an error may echo a token,
 * with whitespace collapsed, and cut to 300 characters.
 */
export function platformText(text: string): string {
  const flat = redactor.redact(text).replace(/\s+/g, ' ').trim();
  return flat.length > MAX_PLATFORM_TEXT ? `${flat.slice(0, MAX_PLATFORM_TEXT)}...` : flat;
}

/** Parses a JSON object, or returns undefined for anything else. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
