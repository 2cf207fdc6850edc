/**
 * Writes rows to SendGrid Marketing Contacts.
 *
 * - upsert, update, insert: `PUT /v3/marketing/contacts` with up to 30,000 contacts (6 MB),
 *   then the import job is polled until it finishes, and the contacts its errors file names
 *   are rejected. SendGrid has no update-only or insert-only mode, so all three upsert.
 * - add: the same PUT with `list_ids`. When the email of a member changed, the old address is
 *   also taken off the lists.
 * - delete, remove: contact ids are looked up by the previously delivered email (100 per
 *   search), then deleted (`DELETE /v3/marketing/contacts`) or taken off every list in
 *   `list_ids` (`DELETE /v3/marketing/lists/{id}/contacts`).
 * - 401 and 403 fail the call as a whole with a DestinationError. 429 waits until the time in
 *   X-RateLimit-Reset, shared by every sync on the account.
 */
import { DestinationError } from '../../core/errors.js';
import type {
  ChangeRecord,
  Destination,
  DestinationCapabilities,
  DestinationContext,
  RowOutcome,
} from '../destination.js';
import type { AccountLimiter } from '../http/account-limiter.js';
import { normalizeContactEmail } from '../identifiers/contact.js';
import { StepPlan } from '../step-plan.js';
import { SendgridApi } from './sendgrid-api.js';
import type { SendgridAccount, SendgridSyncOptions } from './sendgrid-config.js';
import { removeContacts } from './sendgrid-removal.js';
import type { SendgridWriteContext } from './sendgrid-rows.js';
import { MAX_CONTACTS_PER_REQUEST, upsertContacts } from './sendgrid-upsert.js';
import { emailRecipient } from '../identifiers/email-recipient.js';

type Step = 'delete' | 'remove' | 'upsert' | 'add';

/** Removals run before writes, so a row that moved from one key to another ends up present. */
const STEP_ORDER: readonly Step[] = ['delete', 'remove', 'upsert', 'add'];

export class SendgridDestination implements Destination {
  readonly capabilities: DestinationCapabilities;
  readonly recipientOf = emailRecipient;
  readonly #write: SendgridWriteContext;

  constructor(
    account: SendgridAccount,
    options: SendgridSyncOptions,
    context: DestinationContext,
    limiter: AccountLimiter,
  ) {
    this.#write = { api: new SendgridApi(account, context, limiter), account, options, context };
    this.capabilities = {
      operations: ['upsert', 'update', 'insert', 'delete', 'add', 'remove'],
      maxBatchSize: MAX_CONTACTS_PER_REQUEST,
      maxRequestsPerSecond: account.max_requests_per_second,
      maxConcurrency: account.max_concurrency,
      idempotent: true,
    };
  }

  async write(records: ChangeRecord[]): Promise<RowOutcome[]> {
    const plan = new StepPlan(STEP_ORDER, records.length);

    records.forEach((record, position) => {
      const step = stepOf(record);
      if (step === undefined) {
        plan.reject(position, `SendGrid does not support the ${record.operation} operation`);
        return;
      }
      plan.add(step, position, record);
      if (step === 'add' && emailChanged(record)) plan.add('remove', position, record);
    });

    return plan.run((step, stepRecords) => this.#runStep(step, stepRecords));
  }

  async close(): Promise<void> {
    // Sockets belong to the process-wide keep-alive agents, which close idle ones themselves.
  }

  async #runStep(step: Step, records: ChangeRecord[]): Promise<RowOutcome[]> {
    const listIds = this.#write.options.list_ids;
    if ((step === 'add' || step === 'remove') && listIds.length === 0) {
      throw new DestinationError(
        'SendGrid list membership (the add and remove operations of an audience sync) needs ' +
          'destination_options.list_ids; set it to the ids of the lists this sync manages',
        { retryable: false },
      );
    }

    switch (step) {
      case 'upsert':
        return upsertContacts(this.#write, records, []);
      case 'add':
        return upsertContacts(this.#write, records, listIds);
      case 'delete':
        return removeContacts(this.#write, records, 'delete', []);
      case 'remove':
        return removeContacts(this.#write, records, 'remove', listIds);
    }
  }
}

function stepOf(record: ChangeRecord): Step | undefined {
  switch (record.operation) {
    case 'upsert':
    case 'update':
    case 'insert':
      return 'upsert';
    case 'add':
    case 'delete':
    case 'remove':
      return record.operation;
    default:
      return undefined;
  }
}

/** Returns whether an audience member was delivered before under another email. */
function emailChanged(record: ChangeRecord): boolean {
  const previous = normalizeContactEmail(record.previous?.email);
  return previous !== undefined && previous !== normalizeContactEmail(record.fields?.email);
}
