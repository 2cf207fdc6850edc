/**
 * Sends one SMS per record through Twilio Programmable Messaging.
 *
 * Request: `POST <base_url>/2010-04-01/Accounts/<account_sid>/Messages.json`, HTTP Basic auth
 * with the Account SID and auth token, form-encoded `To`, `From` or `MessagingServiceSid`, and
 * `Body` (the sync's template rendered for the row). Twilio takes no JSON bodies and has no
 * idempotency key for this call, so the engine guards it with the send ledger.
 *
 * Outcomes per record:
 * - 201: accepted.
 * - Rejected before any request: not a `send` operation, a missing or invalid phone number
 *   (what Twilio would reject with 21211), a suppressed recipient, a template field the row
 *   lacks, an empty or over-long body, or more segments than max_segments.
 * - 400 with a Twilio error code (21211, 21408, 21610, 21614, 21635 and others): rejected.
 *   21610 (opted out) also adds the (sender, recipient) pair to the suppression list.
 * - 429 or error 20429: retried within the call, then returned as `retry`.
 * - A timeout or reset after sending, or a 5xx: `retry` with `outcomeUnknown`, never re-sent.
 * - 401, 403 or 404: the call fails as a whole with a DestinationError, because every record
 *   would fail the same way until the account settings are fixed.
 */
import { DestinationError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { SuppressionEntry, SuppressionList } from '../../suppression/suppression-list.js';
import type { MessageTemplate } from '../../templates/message-template.js';
import type {
  ChangeRecord,
  Destination,
  DestinationCapabilities,
  DestinationContext,
  RowOutcome,
} from '../destination.js';
import type { AccountLimiter } from '../http/account-limiter.js';
import type { HttpRequest, HttpResponse } from '../http/http-client.js';
import { backoffPolicy, requestLimiter } from '../http/request-settings.js';
import {
  ACCOUNT_ERROR_STATUSES,
  type BatchStop,
  type MessageRequestResult,
  sendMessageRequest,
} from './message-request.js';
import { type MessageRules, type PreparedMessage, prepareMessage } from './prepare-message.js';
import { type TwilioAccount, messagesUrl, senderOf } from './twilio-config.js';
import { OPTED_OUT_CODE, describeTwilioError, twilioErrorCode } from './twilio-errors.js';

/**
 * Records per call. Each record is its own request, so the batch size only bounds how many rows
 * of one call the engine marks pending in the send ledger, which a crash mid-call leaves with an
 * unknown outcome.
 */
const MAX_BATCH_SIZE = 20;

/** Delay before the second attempt; doubled for each one after it, up to max_retry_wait_ms. */
const BASE_RETRY_DELAY_MS = 500;

export interface TwilioDestinationParts {
  account: TwilioAccount;
  template: MessageTemplate;
  rules: MessageRules;
  context: DestinationContext;
  accountKey: string;
  /** Checked before each send and updated on error 21610; optional until the engine has one. */
  suppressionList?: SuppressionList;
}

/** Whether a write stopped as a whole, and why, for the error thrown once every record settled. */
interface WriteState extends BatchStop {
  fatalError?: string;
}

/**
 * A call that failed as a whole because Twilio rejected the account (401, 403 or 404). It still
 * carries one outcome per record: `accepted` for messages created before the failure,
 * `rejected` for the record that met it, and `retry` for records never sent. The send ledger can
 * use them to tell sent rows from unsent ones.
 */
export class TwilioAccountError extends DestinationError {
  readonly outcomes: RowOutcome[];

  constructor(message: string, outcomes: RowOutcome[]) {
    super(message, { retryable: false });
    this.outcomes = outcomes;
  }
}

export class TwilioDestination implements Destination {
  readonly capabilities: DestinationCapabilities;
  readonly #parts: TwilioDestinationParts;
  readonly #limiter: AccountLimiter;
  readonly #sender: string;
  readonly #url: URL;
  readonly #authorization: string;

  constructor(parts: TwilioDestinationParts) {
    const { account } = parts;
    this.#parts = parts;
    this.#sender = senderOf(account);
    this.#url = messagesUrl(account);
    this.#authorization = basicAuthorization(account);
    this.capabilities = {
      operations: ['send'],
      maxBatchSize: MAX_BATCH_SIZE,
      maxRequestsPerSecond: account.max_requests_per_second,
      maxConcurrency: account.max_concurrency,
      idempotent: false,
    };
    this.#limiter = requestLimiter(parts.accountKey, account);
  }

  /**
   * Sends every record as its own request, as many at once as the account's concurrency allows.
   * After a 401, 403 or 404, records not yet sent are not sent, and the call throws a
   * TwilioAccountError once the requests in flight have finished.
   */
  async write(records: ChangeRecord[]): Promise<RowOutcome[]> {
    const state: WriteState = { stopped: false };
    const outcomes = await Promise.all(records.map((record) => this.#sendRecord(record, state)));
    if (state.fatalError !== undefined) throw new TwilioAccountError(state.fatalError, outcomes);
    return outcomes;
  }

  async close(): Promise<void> {
    // Sockets belong to the process-wide keep-alive agents, which close idle ones themselves.
  }

  async #sendRecord(record: ChangeRecord, state: WriteState): Promise<RowOutcome> {
    const prepared = prepareMessage(record, this.#parts.template, this.#parts.rules);
    if (!prepared.ok) return { status: 'rejected', reason: prepared.reason };

    const { message } = prepared;
    const suppression = await this.#checkSuppression(record, message.to);
    if (suppression) return suppression;

    const result = await sendMessageRequest({
      request: this.#buildRequest(message),
      policy: backoffPolicy(this.#parts.account, BASE_RETRY_DELAY_MS),
      limiter: this.#limiter,
      logger: this.#logger,
      logFields: { destination: 'twilio', sync: this.#parts.context.syncName, key: record.key },
      signal: this.#parts.context.signal,
      batchStop: state,
    });
    return this.#readResult(record, message, result, state);
  }

  get #logger(): Logger {
    return this.#parts.context.logger;
  }

  /**
   * Returns the outcome for a suppressed recipient, or undefined when the message may be sent.
   * A failed lookup returns `retry`, so no message is sent while the list cannot be read.
   */
  async #checkSuppression(record: ChangeRecord, to: string): Promise<RowOutcome | undefined> {
    const list = this.#parts.suppressionList;
    if (!list) return undefined;

    try {
      if (!(await list.isSuppressed('sms', to, this.#sender))) return undefined;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#logger.log('error', 'twilio.suppression_check_failed', {
        destination: 'twilio',
        sync: this.#parts.context.syncName,
        key: record.key,
        error: message,
      });
      const reason = `not sent: the suppression list lookup failed (${message})`;
      return { status: 'retry', reason };
    }

    const reason =
      'the recipient is on the SMS suppression list for this sender (opted out), so no ' +
      'message was sent';
    return { status: 'suppressed', reason };
  }

  #buildRequest(message: PreparedMessage): HttpRequest {
    const form = new URLSearchParams({ To: message.to, Body: message.body });
    if (this.#parts.account.from !== undefined) {
      form.set('From', this.#parts.account.from);
    } else if (this.#parts.account.messaging_service_sid !== undefined) {
      form.set('MessagingServiceSid', this.#parts.account.messaging_service_sid);
    }
    return {
      method: 'POST',
      url: this.#url,
      headers: {
        Authorization: this.#authorization,
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
        'User-Agent': 'sluice',
      },
      body: form.toString(),
      timeoutMs: this.#parts.account.timeout_ms,
    };
  }

  async #readResult(
    record: ChangeRecord,
    message: PreparedMessage,
    result: MessageRequestResult,
    state: WriteState,
  ): Promise<RowOutcome> {
    if (result.kind === 'retry_later') {
      const outcome: RowOutcome = { status: 'retry', reason: result.reason };
      if (result.retryAfterMs !== undefined) outcome.retryAfterMs = result.retryAfterMs;
      return outcome;
    }
    if (result.kind === 'unknown') {
      return { status: 'retry', reason: result.reason, outcomeUnknown: true };
    }
    return this.#readResponse(record, message, result.response, state);
  }

  async #readResponse(
    record: ChangeRecord,
    message: PreparedMessage,
    response: HttpResponse,
    state: WriteState,
  ): Promise<RowOutcome> {
    if (response.status >= 200 && response.status < 300) {
      this.#logCreated(record, response);
      return { status: 'accepted' };
    }

    const reason = describeTwilioError(response.status, response.body);
    if (ACCOUNT_ERROR_STATUSES.includes(response.status)) {
      state.fatalError ??= this.#accountErrorMessage(reason);
      return { status: 'rejected', reason };
    }

    if (twilioErrorCode(response.body) === OPTED_OUT_CODE) {
      await this.#recordOptOut(record, message.to, reason);
    }
    return { status: 'rejected', reason };
  }

  #accountErrorMessage(reason: string): string {
    const sid = this.#parts.account.account_sid;
    return (
      `Twilio rejected the request for account ${sid} (${reason}); check account_sid, ` +
      `auth_token and base_url of the destination in sluice.yml`
    );
  }

  /** Adds the (sender, recipient) pair to the suppression list; other senders are unaffected. */
  async #recordOptOut(record: ChangeRecord, to: string, reason: string): Promise<void> {
    const fields = { destination: 'twilio', sync: this.#parts.context.syncName, key: record.key };
    const list = this.#parts.suppressionList;
    if (!list) {
      this.#logger.log('warn', 'twilio.opt_out_not_recorded', {
        ...fields,
        note: 'no suppression list is configured, so the opt-out is only in the rejection',
      });
      return;
    }

    const entry: SuppressionEntry = {
      channel: 'sms',
      address: to,
      sender: this.#sender,
      reason,
      source: 'destination_error',
      createdAt: new Date().toISOString(),
    };
    try {
      await list.add([entry]);
      this.#logger.log('info', 'twilio.opt_out_recorded', fields);
    } catch (error) {
      // The row is still rejected, and Twilio keeps rejecting the pair until it opts back in.
      const message = error instanceof Error ? error.message : String(error);
      this.#logger.log('error', 'twilio.opt_out_record_failed', { ...fields, error: message });
    }
  }

  #logCreated(record: ChangeRecord, response: HttpResponse): void {
    const message = parseMessage(response.body);
    this.#logger.log('debug', 'twilio.message_created', {
      destination: 'twilio',
      sync: this.#parts.context.syncName,
      key: record.key,
      sid: message.sid,
      num_segments: message.num_segments,
    });
  }
}

function basicAuthorization(account: TwilioAccount): string {
  const credentials = `${account.account_sid}:${account.auth_token}`;
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

/** Reads the fields of a created Message that the log records; missing ones are undefined. */
function parseMessage(body: string): { sid?: unknown; num_segments?: unknown } {
  try {
    const parsed = JSON.parse(body) as unknown;
    return typeof parsed === 'object' && parsed !== null ? parsed : {};
  } catch {
    return {};
  }
}
