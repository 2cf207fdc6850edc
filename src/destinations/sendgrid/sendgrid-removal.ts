import { DestinationError } from '../../core/errors.js';
import { chunks } from '../batches.js';
import type { ChangeRecord, RowOutcome } from '../destination.js';
import { describeResponse } from '../http/classify.js';
import { parseJsonBody } from '../http/json-body.js';
import { rejected, retryLater, worseOutcome } from '../http/outcomes.js';
import { normalizeContactEmail } from '../identifiers/contact.js';
import { outcomesOfJob, waitForJob } from './sendgrid-import-job.js';
import type { SendgridWriteContext } from './sendgrid-rows.js';

/**
 * Emails per `POST /v3/marketing/contacts/search/emails`, SendGrid's maximum (twilio/sendgrid-oai,
 * spec/yaml/tsg_mc_contacts_v3.yaml). Deletes and list removals send the ids found by one search
 * in one request.
 */
const MAX_EMAILS_PER_SEARCH = 100;

/** Contact id by email, or the outcome of an email whose search failed. Absent: no contact. */
type SearchResult = Map<string, string | RowOutcome>;

/**
 * Deletes contacts (`delete`) or takes them off every list in `listIds` (`remove`). SendGrid
 * deletes and removes by contact id, so the ids are looked up first from the email the row
 * was last delivered with. A row whose contact no longer exists is accepted, since there is
 * nothing left to remove.
 */
export async function removeContacts(
  write: SendgridWriteContext,
  records: ChangeRecord[],
  action: 'delete' | 'remove',
  listIds: string[],
): Promise<RowOutcome[]> {
  const outcomes: RowOutcome[] = new Array(records.length);
  const positionsByEmail = new Map<string, number[]>();
  records.forEach((record, position) => {
    const email = normalizeContactEmail(record.previous?.email);
    if (email === undefined) {
      outcomes[position] = rejected(
        'the previously delivered values have no email, so the SendGrid contact cannot be found',
      );
      return;
    }
    positionsByEmail.set(email, [...(positionsByEmail.get(email) ?? []), position]);
  });

  for (const emails of chunks([...positionsByEmail.keys()], MAX_EMAILS_PER_SEARCH)) {
    const byEmail = await removeChunk(write, emails, action, listIds);
    for (const [email, outcome] of byEmail) {
      for (const position of positionsByEmail.get(email) ?? []) outcomes[position] = outcome;
    }
  }
  return outcomes;
}

/** Looks up and removes up to 100 contacts. Returns the outcome by email. */
async function removeChunk(
  write: SendgridWriteContext,
  emails: string[],
  action: 'delete' | 'remove',
  listIds: string[],
): Promise<Map<string, RowOutcome>> {
  const searched = await searchByEmail(write, emails);
  const outcomes = new Map<string, RowOutcome>();
  const found: { email: string; id: string }[] = [];
  for (const email of emails) {
    const entry = searched.get(email);
    if (entry === undefined) outcomes.set(email, { status: 'accepted' });
    else if (typeof entry === 'string') found.push({ email, id: entry });
    else outcomes.set(email, entry);
  }
  if (found.length === 0) return outcomes;

  const ids = found.map((contact) => contact.id);
  const foundEmails = found.map((contact) => contact.email);
  const removed =
    action === 'delete'
      ? await deleteContacts(write, ids, foundEmails)
      : await removeFromLists(write, ids, foundEmails, listIds);
  foundEmails.forEach((email, index) => outcomes.set(email, removed[index]!));
  return outcomes;
}

/**
 * Returns the contact id by email. SendGrid responds 404 when no email matches, and 400 when any
 * address is invalid. A 400 is narrowed down by searching each half again, so only the invalid
 * address is rejected.
 */
async function searchByEmail(write: SendgridWriteContext, emails: string[]): Promise<SearchResult> {
  const result = await write.api.send({
    method: 'POST',
    path: '/v3/marketing/contacts/search/emails',
    body: { emails },
  });
  if (result.kind === 'not_delivered') {
    const outcome = retryLater(result.reason, result.retryAfterMs);
    return new Map(emails.map((email) => [email, outcome]));
  }

  const { response } = result;
  if (response.status === 404) return new Map();
  if (response.status === 200) return readSearchResult(parseJsonBody(response));
  if (response.status === 400 && emails.length > 1) {
    const half = Math.ceil(emails.length / 2);
    const first = await searchByEmail(write, emails.slice(0, half));
    const second = await searchByEmail(write, emails.slice(half));
    return new Map([...first, ...second]);
  }

  const described = describeResponse(response.status, response.body);
  const outcome = rejected(`SendGrid rejected the contact search: ${described}`);
  return new Map(emails.map((email) => [email, outcome]));
}

/** Reads `{ result: { "<email>": { contact: { id } } | { error } } }`. */
function readSearchResult(body: unknown): SearchResult {
  const found: SearchResult = new Map();
  const result = (body as { result?: Record<string, { contact?: { id?: unknown } }> } | undefined)
    ?.result;
  for (const [email, entry] of Object.entries(result ?? {})) {
    const id = entry?.contact?.id;
    const key = normalizeContactEmail(email);
    if (typeof id === 'string' && key !== undefined) found.set(key, id);
  }
  return found;
}

/** Deletes contacts by id. SendGrid responds 202 with a job, which is polled. */
async function deleteContacts(
  write: SendgridWriteContext,
  ids: string[],
  emails: string[],
): Promise<RowOutcome[]> {
  const result = await write.api.send({
    method: 'DELETE',
    path: '/v3/marketing/contacts',
    query: { ids: ids.join(',') },
  });
  if (result.kind === 'not_delivered') {
    return ids.map(() => retryLater(result.reason, result.retryAfterMs));
  }

  const { response } = result;
  if (response.status !== 202) {
    const reason = `SendGrid rejected the delete: ${describeResponse(response.status, response.body)}`;
    return ids.map(() => rejected(reason));
  }
  const jobId = (parseJsonBody(response) as { job_id?: unknown } | undefined)?.job_id;
  if (typeof jobId !== 'string') return ids.map(() => ({ status: 'accepted' }));

  const wait = await waitForJob(write.api, jobId, {
    pollIntervalMs: write.account.poll_interval_ms,
    timeoutMs: write.account.job_timeout_ms,
    signal: write.context.signal,
  });
  if (wait.kind === 'not_finished')
    return ids.map(() => retryLater(wait.reason, wait.retryAfterMs));
  return outcomesOfJob(write.api, wait.job, emails);
}

/**
 * Sends `DELETE /v3/marketing/lists/{id}/contacts?contact_ids=...` for each list. SendGrid
 * responds 202, or 404 when the list or a contact does not exist. The contacts were found a moment
 * earlier, so a 404 is taken to mean a wrong list id, which fails the call as a whole.
 * NOTE: the 202 carries a job id, but where that job's status can be read is not documented,
 * so a 202 is taken as success without polling.
 */
async function removeFromLists(
  write: SendgridWriteContext,
  ids: string[],
  emails: string[],
  listIds: string[],
): Promise<RowOutcome[]> {
  let outcomes: RowOutcome[] = [];
  for (const listId of listIds) {
    const result = await write.api.send({
      method: 'DELETE',
      path: `/v3/marketing/lists/${encodeURIComponent(listId)}/contacts`,
      query: { contact_ids: ids.join(',') },
    });

    let listOutcome: RowOutcome;
    if (result.kind === 'not_delivered') {
      listOutcome = retryLater(result.reason, result.retryAfterMs);
    } else if (result.response.status === 404) {
      throw new DestinationError(
        `SendGrid list ${listId} was not found (HTTP 404); check destination_options.list_ids`,
        { retryable: false },
      );
    } else if (result.response.status === 202 || result.response.status === 200) {
      listOutcome = { status: 'accepted' };
    } else {
      const described = describeResponse(result.response.status, result.response.body);
      listOutcome = rejected(`SendGrid rejected the removal from list ${listId}: ${described}`);
    }
    outcomes = emails.map((_email, index) => worseOutcome(outcomes[index], listOutcome));
  }
  return outcomes;
}
