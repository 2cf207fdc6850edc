import { DestinationError } from '../../core/errors.js';
import { type BodyLimits, chunkByBodySize } from '../batches.js';
import type { ChangeRecord, RowOutcome } from '../destination.js';
import { describeResponse } from '../http/classify.js';
import { parseJsonBody } from '../http/json-body.js';
import { rejected, retryLater } from '../http/outcomes.js';
import { type SendgridContact, buildContact } from './sendgrid-contact.js';
import { outcomesOfJob, waitForJob } from './sendgrid-import-job.js';
import type { SendgridWriteContext } from './sendgrid-rows.js';

/**
 * Limits of `PUT /v3/marketing/contacts`: 30,000 contacts or 6 MB, whichever comes first.
 * The byte limit uses 6,000,000, the lower reading of "6 MB".
 * https://www.twilio.com/docs/sendgrid/api-reference/contacts/add-or-update-a-contact
 */
export const MAX_CONTACTS_PER_REQUEST = 30_000;
const REQUEST_LIMITS: BodyLimits = {
  maxItems: MAX_CONTACTS_PER_REQUEST,
  maxBytes: 6_000_000,
  /** Room for `{"list_ids":[...],"contacts":[]}` around the contacts. */
  envelopeBytes: 1_024,
};

interface PendingContact {
  position: number;
  contact: SendgridContact;
}

/**
 * Upserts the rows as contacts, adding them to `listIds` when given, and returns one outcome per
 * record. SendGrid responds 202 with a job id, and the rows are accepted only once the job
 * finished and its errors file does not name them. Two rows whose emails match after trimming and
 * lower-casing would update one contact, so only the first is sent and the second is rejected.
 */
export async function upsertContacts(
  write: SendgridWriteContext,
  records: ChangeRecord[],
  listIds: string[],
): Promise<RowOutcome[]> {
  const outcomes: RowOutcome[] = new Array(records.length);
  const pending: PendingContact[] = [];
  const firstKeyByEmail = new Map<string, string>();
  let duplicates = 0;

  records.forEach((record, position) => {
    const built = buildContact(record.fields ?? {}, write.options);
    if (!built.ok) {
      outcomes[position] = rejected(built.reason);
      return;
    }
    const firstKey = firstKeyByEmail.get(built.contact.email);
    if (firstKey !== undefined) {
      duplicates += 1;
      outcomes[position] = rejected(duplicateReason(firstKey));
      return;
    }
    firstKeyByEmail.set(built.contact.email, record.key);
    pending.push({ position, contact: built.contact });
  });

  if (duplicates > 0) {
    write.context.logger.log('warn', 'destination.duplicate_identifier', {
      destination: 'sendgrid',
      sync: write.context.syncName,
      identifier: 'email',
      rows: duplicates,
    });
  }

  for (const chunk of chunkByBodySize(pending, REQUEST_LIMITS, (entry) => entry.contact)) {
    const chunkOutcomes = await putContacts(write, chunk, listIds);
    chunk.forEach((entry, index) => {
      outcomes[entry.position] = chunkOutcomes[index]!;
    });
  }
  return outcomes;
}

export function duplicateReason(firstKey: string): string {
  return (
    `duplicate email: row ${JSON.stringify(firstKey)} of the same batch has the same address ` +
    'after trimming and lower-casing, and only that row was sent'
  );
}

/**
 * Sends one PUT and returns an outcome per contact. A 400 that names contacts by index
 * (`contacts[3].email`) rejects those alone and sends the others again without them.
 */
async function putContacts(
  write: SendgridWriteContext,
  entries: PendingContact[],
  listIds: string[],
): Promise<RowOutcome[]> {
  const body: { list_ids?: string[]; contacts: SendgridContact[] } = {
    contacts: entries.map((entry) => entry.contact),
  };
  if (listIds.length > 0) body.list_ids = listIds;

  const result = await write.api.send({ method: 'PUT', path: '/v3/marketing/contacts', body });
  if (result.kind === 'not_delivered') {
    return entries.map(() => retryLater(result.reason, result.retryAfterMs));
  }

  const { response } = result;
  const emails = entries.map((entry) => entry.contact.email);
  if (response.status === 202) {
    const jobId = (parseJsonBody(response) as { job_id?: unknown } | undefined)?.job_id;
    if (typeof jobId !== 'string') {
      const reason = 'SendGrid accepted the contacts but returned no job_id to confirm them by';
      return entries.map(() => retryLater(reason));
    }
    const wait = await waitForJob(write.api, jobId, {
      pollIntervalMs: write.account.poll_interval_ms,
      timeoutMs: write.account.job_timeout_ms,
      signal: write.context.signal,
    });
    if (wait.kind === 'not_finished') {
      return entries.map(() => retryLater(wait.reason, wait.retryAfterMs));
    }
    return outcomesOfJob(write.api, wait.job, emails);
  }

  const described = describeResponse(response.status, response.body);
  const fieldErrors = readFieldErrors(parseJsonBody(response));
  if (fieldErrors.some((error) => error.field.startsWith('list_ids')) || response.status === 404) {
    throw new DestinationError(
      `SendGrid did not accept the list ids (${described}); check destination_options.list_ids`,
      { retryable: false },
    );
  }

  const namedRows = contactErrorsByIndex(fieldErrors, entries.length);
  if (namedRows.size === 0) {
    return entries.map(() => rejected(`SendGrid rejected the request: ${described}`));
  }
  return rejectNamedAndResend(write, entries, namedRows, listIds);
}

async function rejectNamedAndResend(
  write: SendgridWriteContext,
  entries: PendingContact[],
  namedRows: Map<number, string>,
  listIds: string[],
): Promise<RowOutcome[]> {
  const outcomes: RowOutcome[] = new Array(entries.length);
  const rest: number[] = [];
  entries.forEach((_entry, index) => {
    const message = namedRows.get(index);
    if (message === undefined) rest.push(index);
    else outcomes[index] = rejected(`SendGrid rejected the contact: ${message}`);
  });

  if (rest.length > 0) {
    const resent = await putContacts(
      write,
      rest.map((index) => entries[index]!),
      listIds,
    );
    rest.forEach((index, position) => {
      outcomes[index] = resent[position]!;
    });
  }
  return outcomes;
}

interface FieldError {
  field: string;
  message: string;
}

/** Reads `{ errors: [{ field, message }] }`, SendGrid's shape for validation failures. */
function readFieldErrors(body: unknown): FieldError[] {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.map((error: { field?: unknown; message?: unknown }) => ({
    field: typeof error?.field === 'string' ? error.field : '',
    message: typeof error?.message === 'string' ? error.message : 'invalid value',
  }));
}

/** Maps errors whose field starts with `contacts[<index>]` to the index. */
function contactErrorsByIndex(errors: FieldError[], count: number): Map<number, string> {
  const byIndex = new Map<number, string>();
  for (const error of errors) {
    const match = /^contacts\[(\d+)\](?:\.(.+))?$/.exec(error.field);
    const index = Number(match?.[1]);
    if (!match || index >= count) continue;
    const field = match[2] ? `${match[2]}: ` : '';
    byIndex.set(index, `${field}${error.message}`);
  }
  return byIndex;
}
