import { DestinationError } from '../../core/errors.js';
import { redactor } from '../../core/redact.js';
import type { ChangeRecord, RowOutcome } from '../destination.js';
import { describeResponse } from '../http/classify.js';
import { parseJsonBody } from '../http/json-body.js';
import { rejected, retryLater } from '../http/outcomes.js';
import { type MailchimpMember, buildMember } from './mailchimp-member.js';
import { type MailchimpWriteContext, maskEmail } from './mailchimp-rows.js';

/**
 * Members per batch subscribe, Mailchimp's maximum.
 * https://mailchimp.com/developer/marketing/docs/fundamentals/
 */
export const MAX_MEMBERS_PER_REQUEST = 500;

interface PendingMember {
  position: number;
  member: MailchimpMember;
}

interface MemberError {
  email_address?: unknown;
  error?: unknown;
  error_code?: unknown;
}

/**
 * Subscribes or updates the rows as audience members with `POST /lists/{list_id}`, up to 500 per
 * request, and returns one outcome per record. Mailchimp responds 200 even when some members
 * fail and lists those in `errors`, so each member is matched to its own result. Two rows
 * whose emails match after trimming and lower-casing are one member: the first is sent and the
 * second rejected as a duplicate.
 */
export async function subscribeMembers(
  write: MailchimpWriteContext,
  records: ChangeRecord[],
): Promise<RowOutcome[]> {
  const outcomes: RowOutcome[] = new Array(records.length);
  const pending: PendingMember[] = [];
  const firstKeyByEmail = new Map<string, string>();
  let duplicates = 0;

  records.forEach((record, position) => {
    const built = buildMember(record.fields ?? {}, write.options);
    if (!built.ok) {
      outcomes[position] = rejected(built.reason);
      return;
    }
    const email = built.member.email_address;
    const firstKey = firstKeyByEmail.get(email);
    if (firstKey !== undefined) {
      duplicates += 1;
      outcomes[position] = rejected(
        `duplicate email: row ${JSON.stringify(firstKey)} of the same batch has the same ` +
          'address after trimming and lower-casing, and only that row was sent',
      );
      return;
    }
    firstKeyByEmail.set(email, record.key);
    pending.push({ position, member: built.member });
  });

  if (duplicates > 0) {
    write.context.logger.log('warn', 'destination.duplicate_identifier', {
      destination: 'mailchimp',
      sync: write.context.syncName,
      identifier: 'email',
      rows: duplicates,
    });
  }

  for (let start = 0; start < pending.length; start += MAX_MEMBERS_PER_REQUEST) {
    const chunk = pending.slice(start, start + MAX_MEMBERS_PER_REQUEST);
    const chunkOutcomes = await postMembers(
      write,
      chunk.map((entry) => entry.member),
    );
    chunk.forEach((entry, index) => {
      outcomes[entry.position] = chunkOutcomes[index]!;
    });
  }
  return outcomes;
}

async function postMembers(
  write: MailchimpWriteContext,
  members: MailchimpMember[],
): Promise<RowOutcome[]> {
  const { list_id: listId } = write.options;
  const result = await write.api.send({
    method: 'POST',
    path: `/lists/${encodeURIComponent(listId)}`,
    query: write.options.skip_merge_validation ? { skip_merge_validation: 'true' } : {},
    body: { members, update_existing: write.options.update_existing },
  });
  if (result.kind === 'not_delivered') {
    return members.map(() => retryLater(result.reason, result.retryAfterMs));
  }

  const { response } = result;
  const described = describeResponse(response.status, response.body);
  if (response.status === 404) {
    throw new DestinationError(
      `Mailchimp audience ${listId} was not found (${described}); check destination_options.list_id`,
      { retryable: false },
    );
  }
  if (response.status !== 200) {
    return members.map(() => rejected(`Mailchimp rejected the batch: ${described}`));
  }
  return readBatchResult(parseJsonBody(response), members);
}

/**
 * Reads `{ new_members, updated_members, errors: [{ email_address, error, error_code }] }`.
 * A member that appears in none of them is returned as `retry`, because a 200 alone does not
 * show that Mailchimp stored it.
 */
function readBatchResult(body: unknown, members: MailchimpMember[]): RowOutcome[] {
  const result = (body ?? {}) as {
    new_members?: { email_address?: unknown }[];
    updated_members?: { email_address?: unknown }[];
    errors?: MemberError[];
  };
  const saved = new Set<string>();
  for (const member of [...(result.new_members ?? []), ...(result.updated_members ?? [])]) {
    if (typeof member?.email_address === 'string') saved.add(member.email_address.toLowerCase());
  }
  const errors = new Map<string, MemberError>();
  for (const error of result.errors ?? []) {
    if (typeof error?.email_address === 'string') {
      errors.set(error.email_address.trim().toLowerCase(), error);
    }
  }

  return members.map(({ email_address: email }): RowOutcome => {
    const error = errors.get(email);
    if (error !== undefined) return rejected(memberErrorReason(error, email));
    if (saved.has(email)) return { status: 'accepted' };
    return retryLater('Mailchimp returned 200 without a result for this member');
  });
}

function memberErrorReason(error: MemberError, email: string): string {
  const code = typeof error.error_code === 'string' ? ` (${error.error_code})` : '';
  const message = typeof error.error === 'string' ? error.error : 'member rejected';
  return `Mailchimp rejected the member${code}: ${redactor.redact(maskEmail(message, email))}`;
}
