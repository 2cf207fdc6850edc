/**
 * Writes rows to Klaviyo profiles and one list.
 *
 * - upsert, update, insert: a bulk import job (`POST /api/profile-bulk-import-jobs`, at most
 *   10,000 profiles or 5 MB), polled until it finishes. The profiles its `/import-errors` name
 *   are rejected. The job always upserts, so update and insert behave like upsert.
 * - add: the same import, then the profile ids are read from the job's profiles and added to
 *   `list_id` (`POST /api/lists/{id}/relationships/profiles`, 1,000 ids per request). When a
 *   member's identifier changed, the old profile is taken off the list.
 * - remove, delete: profile ids are looked up by the previously delivered email, phone number
 *   or external id, then taken off the list, or deleted through a data privacy deletion job.
 * - Every request sends the `revision` header and JSON:API media types. 401 and 403 fail the
 *   call as a whole. A 429 waits for Retry-After, shared by every sync on the account.
 */
import { DestinationError } from '../../core/errors.js';
import type {
  ChangeRecord,
  Destination,
  DestinationCapabilities,
  DestinationContext,
  RowOutcome,
} from '../destination.js';
import { retryLater } from '../http/outcomes.js';
import { StepPlan } from '../step-plan.js';
import { KlaviyoApi } from './klaviyo-api.js';
import type { KlaviyoAccount, KlaviyoSyncOptions } from './klaviyo-config.js';
import { MAX_PROFILES_PER_JOB, importProfiles } from './klaviyo-import.js';
import { changeListMembership } from './klaviyo-lists.js';
import { buildProfile, previousIdentity } from './klaviyo-profile.js';
import { removeProfiles } from './klaviyo-removal.js';
import type { KlaviyoWriteContext } from './klaviyo-rows.js';
import { emailRecipient } from '../identifiers/email-recipient.js';

type Step = 'delete' | 'remove' | 'import' | 'add';

/** Removals run before writes, so a profile whose row moved to another key ends up present. */
const STEP_ORDER: readonly Step[] = ['delete', 'remove', 'import', 'add'];

export class KlaviyoDestination implements Destination {
  readonly capabilities: DestinationCapabilities;
  readonly recipientOf = emailRecipient;
  readonly #write: KlaviyoWriteContext;

  constructor(
    account: KlaviyoAccount,
    options: KlaviyoSyncOptions,
    context: DestinationContext,
    accountKey: string,
  ) {
    this.#write = { api: new KlaviyoApi(account, context, accountKey), account, options, context };
    this.capabilities = {
      operations: ['upsert', 'update', 'insert', 'delete', 'add', 'remove'],
      maxBatchSize: MAX_PROFILES_PER_JOB,
      maxRequestsPerSecond: account.max_requests_per_second ?? 150 / 60,
      maxConcurrency: account.max_concurrency,
      idempotent: true,
    };
  }

  async write(records: ChangeRecord[]): Promise<RowOutcome[]> {
    const plan = new StepPlan(STEP_ORDER, records.length);

    records.forEach((record, position) => {
      const step = stepOf(record);
      if (step === undefined) {
        plan.reject(position, `Klaviyo does not support the ${record.operation} operation`);
        return;
      }
      plan.add(step, position, record);
      if (step === 'add' && this.#identityChanged(record)) plan.add('remove', position, record);
    });

    return plan.run((step, stepRecords) => this.#runStep(step, stepRecords));
  }

  async close(): Promise<void> {
    // Sockets belong to the process-wide keep-alive agents, which close idle ones themselves.
  }

  async #runStep(step: Step, records: ChangeRecord[]): Promise<RowOutcome[]> {
    switch (step) {
      case 'import':
        return (await importProfiles(this.#write, records, false)).outcomes;
      case 'add':
        return this.#addToList(records);
      case 'remove':
        return removeProfiles(this.#write, records, 'remove', this.#listId());
      case 'delete':
        return removeProfiles(this.#write, records, 'delete', undefined);
    }
  }

  async #addToList(records: ChangeRecord[]): Promise<RowOutcome[]> {
    const listId = this.#listId();
    const imported = await importProfiles(this.#write, records, true);
    const ids = imported.profileIds.filter((id): id is string => id !== undefined);
    const byId = await changeListMembership(this.#write, 'POST', listId, ids);

    return imported.outcomes.map((outcome, index) => {
      const id = imported.profileIds[index];
      if (outcome.status !== 'accepted') return outcome;
      if (id === undefined) return retryLater('the Klaviyo profile id of this row is unknown');
      return byId.get(id)!;
    });
  }

  #listId(): string {
    const listId = this.#write.options.list_id;
    if (listId !== undefined) return listId;
    throw new DestinationError(
      'Klaviyo audience syncs (the add and remove operations) need destination_options.list_id, ' +
        'the id of the list this sync manages',
      { retryable: false },
    );
  }

  /** Returns whether an audience member was delivered before under another identifier. */
  #identityChanged(record: ChangeRecord): boolean {
    const previous = previousIdentity(record.previous, this.#write.options);
    if (previous === undefined) return false;
    const current = buildProfile(record.fields ?? {}, this.#write.options);
    return !current.ok || current.identity !== previous;
  }
}

function stepOf(record: ChangeRecord): Step | undefined {
  switch (record.operation) {
    case 'upsert':
    case 'update':
    case 'insert':
      return 'import';
    case 'add':
    case 'delete':
    case 'remove':
      return record.operation;
    default:
      return undefined;
  }
}
