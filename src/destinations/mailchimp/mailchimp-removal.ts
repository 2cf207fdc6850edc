import { DestinationError } from '../../core/errors.js';
import type { ChangeRecord, RowOutcome } from '../destination.js';
import { describeResponse } from '../http/classify.js';
import { rejected, retryLater } from '../http/outcomes.js';
import { memberEmail, subscriberHash } from './mailchimp-member.js';
import type { MailchimpWriteContext } from './mailchimp-rows.js';

/**
 * Archives members (`DELETE /lists/{id}/members/{hash}`) or erases them
 * (`POST /lists/{id}/members/{hash}/actions/delete-permanent`), one request per member, found by
 * the email the row was last delivered with. Mailchimp has no bulk form of either outside its
 * asynchronous `/batches` API, so the requests run side by side within the key's 10
 * connections. A member that is already gone (404) is accepted, once the audience itself is
 * known to exist.
 */
export async function removeMembers(
  write: MailchimpWriteContext,
  records: ChangeRecord[],
): Promise<RowOutcome[]> {
  write.audienceCheck ??= checkAudienceExists(write);
  const unreachable = await write.audienceCheck;
  if (unreachable !== undefined) return records.map(() => unreachable);

  const outcomesByEmail = new Map<string, Promise<RowOutcome>>();
  return Promise.all(
    records.map((record) => {
      const email = memberEmail(record.previous);
      if (email === undefined) {
        return rejected(
          'the previously delivered values have no email, so the Mailchimp member cannot be found',
        );
      }
      // Two rows naming one member share its request.
      let outcome = outcomesByEmail.get(email);
      if (outcome === undefined) {
        outcome = removeMember(write, email);
        outcomesByEmail.set(email, outcome);
      }
      return outcome;
    }),
  );
}

async function removeMember(write: MailchimpWriteContext, email: string): Promise<RowOutcome> {
  const listPath = `/lists/${encodeURIComponent(write.options.list_id)}`;
  const memberPath = `${listPath}/members/${subscriberHash(email)}`;
  const permanent = write.options.on_remove === 'delete_permanent';
  const result = await write.api.send(
    permanent
      ? { method: 'POST', path: `${memberPath}/actions/delete-permanent` }
      : { method: 'DELETE', path: memberPath },
  );
  if (result.kind === 'not_delivered') return retryLater(result.reason, result.retryAfterMs);

  const { status, body } = result.response;
  if (status === 204 || status === 200 || status === 404) return { status: 'accepted' };
  // Mailchimp responds 405 for members that cannot be removed.
  const action = permanent ? 'permanent delete' : 'archive';
  return rejected(`Mailchimp rejected the ${action}: ${describeResponse(status, body)}`);
}

/**
 * Mailchimp responds 404 both for a missing member and for a missing audience, so the audience is
 * looked up once per sync: a wrong list_id would otherwise accept every removal. Returns the
 * outcome for every row when the lookup could not be made, and throws when the audience does
 * not exist.
 */
async function checkAudienceExists(write: MailchimpWriteContext): Promise<RowOutcome | undefined> {
  const listId = write.options.list_id;
  const result = await write.api.send({
    method: 'GET',
    path: `/lists/${encodeURIComponent(listId)}`,
    query: { fields: 'id' },
  });
  if (result.kind === 'not_delivered') {
    write.audienceCheck = undefined;
    return retryLater(result.reason, result.retryAfterMs);
  }

  const { status, body } = result.response;
  if (status === 200) return undefined;
  const described = describeResponse(status, body);
  if (status === 404) {
    throw new DestinationError(
      `Mailchimp audience ${listId} was not found (${described}); check destination_options.list_id`,
      { retryable: false },
    );
  }
  write.audienceCheck = undefined;
  return rejected(`Mailchimp audience ${listId} could not be read: ${described}`);
}
