/**
 * Writes rows to one Mailchimp audience (list).
 *
 * - upsert, update, insert, add: batch subscribe, `POST /lists/{list_id}` with up to 500
 *   members and `update_existing`. Mailchimp responds 200 with per-member `errors`, which
 *   reject only those rows. When the email of an audience member changed (add with a different
 *   previous email), the old address is also removed.
 * - delete, remove: archive, or permanently delete with `on_remove: delete_permanent`, one
 *   request per member, addressed by the MD5 subscriber hash of the previous email.
 * - Emails are trimmed and lower-cased before they are sent or hashed, so `Ana@Example.com` and
 *   ` ana@example.com ` are one member.
 * - 401, and 403 with a problem document, fail the call as a whole. 429, and a bare 403
 *   without a body, are throttling and are retried with backoff. At most 10 requests per key
 *   are in flight at once, across every sync using the key.
 */
import type {
  ChangeRecord,
  Destination,
  DestinationCapabilities,
  DestinationContext,
  RowOutcome,
} from '../destination.js';
import type { AccountLimiter } from '../http/account-limiter.js';
import { StepPlan } from '../step-plan.js';
import { MailchimpApi } from './mailchimp-api.js';
import type { MailchimpAccount, MailchimpSyncOptions } from './mailchimp-config.js';
import { memberEmail } from './mailchimp-member.js';
import { removeMembers } from './mailchimp-removal.js';
import type { MailchimpWriteContext } from './mailchimp-rows.js';
import { MAX_MEMBERS_PER_REQUEST, subscribeMembers } from './mailchimp-subscribe.js';
import { emailRecipient } from '../identifiers/email-recipient.js';

type Step = 'remove' | 'subscribe';

export class MailchimpDestination implements Destination {
  readonly capabilities: DestinationCapabilities;
  readonly recipientOf = emailRecipient;
  readonly #write: MailchimpWriteContext;

  constructor(
    account: MailchimpAccount,
    options: MailchimpSyncOptions,
    context: DestinationContext,
    limiter: AccountLimiter,
  ) {
    this.#write = { api: new MailchimpApi(account, context, limiter), options, context };
    this.capabilities = {
      operations: ['upsert', 'update', 'insert', 'delete', 'add', 'remove'],
      maxBatchSize: MAX_MEMBERS_PER_REQUEST,
      maxConcurrency: account.max_concurrency,
      idempotent: true,
    };
  }

  async write(records: ChangeRecord[]): Promise<RowOutcome[]> {
    // Removals go first, so a member whose row moved to another key ends up subscribed.
    const plan = new StepPlan<Step>(['remove', 'subscribe'], records.length);

    records.forEach((record, position) => {
      switch (record.operation) {
        case 'upsert':
        case 'update':
        case 'insert':
          plan.add('subscribe', position, record);
          break;
        case 'add':
          plan.add('subscribe', position, record);
          if (emailChanged(record)) plan.add('remove', position, record);
          break;
        case 'delete':
        case 'remove':
          plan.add('remove', position, record);
          break;
        default:
          plan.reject(position, `Mailchimp does not support the ${record.operation} operation`);
      }
    });

    return plan.run((step, stepRecords) =>
      step === 'remove'
        ? removeMembers(this.#write, stepRecords)
        : subscribeMembers(this.#write, stepRecords),
    );
  }

  async close(): Promise<void> {
    // Sockets belong to the process-wide keep-alive agents, which close idle ones themselves.
  }
}

/** Returns whether an audience member was delivered before under another email. */
function emailChanged(record: ChangeRecord): boolean {
  const previous = memberEmail(record.previous);
  return previous !== undefined && previous !== memberEmail(record.fields);
}
