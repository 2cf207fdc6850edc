/**
 * Writes rows to Braze user profiles.
 *
 * - upsert, insert: `POST /users/track` with one attributes object per row, at most 75 objects
 *   per request (max_objects_per_request). update sets `_update_existing_only`, so it never
 *   creates users. A 2xx whose `errors` name objects by index rejects only those rows.
 * - Fields mapped in `subscription_groups` are set with `/v2/subscription/status/set` after the
 *   track call succeeded, at most 50 users per group entry.
 * - add, remove (audience syncs): set `audience_attribute` to true or false through
 *   `/users/track`. When a member's identifier changed, the old user is marked as removed.
 * - delete: `POST /users/delete` with at most 50 previously delivered identifiers of the
 *   identify_by type.
 * - Phones are sent in E.164 and emails trimmed and lower-cased.
 * - 401 and 403 fail the call as a whole. 429 waits until X-RateLimit-Reset, shared by every
 *   sync on the account.
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
import { StepPlan } from '../step-plan.js';
import { BrazeApi } from './braze-api.js';
import type { BrazeAccount, BrazeSyncOptions } from './braze-config.js';
import { deleteUsers } from './braze-delete.js';
import type { BrazeWriteContext } from './braze-rows.js';
import { trackUsers } from './braze-track.js';
import { identifierOf } from './braze-user.js';
import { emailRecipient } from '../identifiers/email-recipient.js';

type Step = 'delete' | 'leave' | 'track';

/** Removals run before writes, so a user whose row moved to another key ends up present. */
const STEP_ORDER: readonly Step[] = ['delete', 'leave', 'track'];

export class BrazeDestination implements Destination {
  readonly capabilities: DestinationCapabilities;
  readonly recipientOf = emailRecipient;
  readonly #write: BrazeWriteContext;

  constructor(
    account: BrazeAccount,
    options: BrazeSyncOptions,
    context: DestinationContext,
    limiter: AccountLimiter,
  ) {
    this.#write = { api: new BrazeApi(account, context, limiter), account, options, context };
    this.capabilities = {
      operations: ['upsert', 'update', 'insert', 'delete', 'add', 'remove'],
      maxBatchSize: account.max_objects_per_request,
      maxRequestsPerSecond: account.max_requests_per_second,
      maxConcurrency: account.max_concurrency,
      idempotent: true,
    };
  }

  async write(records: ChangeRecord[]): Promise<RowOutcome[]> {
    const plan = new StepPlan(STEP_ORDER, records.length);

    records.forEach((record, position) => {
      switch (record.operation) {
        case 'upsert':
        case 'update':
        case 'insert':
          plan.add('track', position, record);
          break;
        case 'add':
          this.#requireAudienceAttribute();
          plan.add('track', position, record);
          if (this.#identifierChanged(record)) {
            plan.add('leave', position, { ...record, operation: 'remove' });
          }
          break;
        case 'remove':
          this.#requireAudienceAttribute();
          plan.add('leave', position, record);
          break;
        case 'delete':
          plan.add('delete', position, record);
          break;
        default:
          plan.reject(position, `Braze does not support the ${record.operation} operation`);
      }
    });

    return plan.run((step, stepRecords) =>
      step === 'delete'
        ? deleteUsers(this.#write, stepRecords)
        : trackUsers(this.#write, stepRecords),
    );
  }

  async close(): Promise<void> {
    // Sockets belong to the process-wide keep-alive agents, which close idle ones themselves.
  }

  #requireAudienceAttribute(): void {
    if (this.#write.options.audience_attribute !== undefined) return;
    throw new DestinationError(
      'Braze audience syncs (the add and remove operations) need ' +
        'destination_options.audience_attribute, the custom attribute that marks members',
      { retryable: false },
    );
  }

  /** Whether an audience member was delivered before under another identifier. */
  #identifierChanged(record: ChangeRecord): boolean {
    const previous = identifierOf(record.previous, this.#write.options);
    const current = identifierOf(record.fields, this.#write.options);
    return previous.ok && (!current.ok || current.value !== previous.value);
  }
}
