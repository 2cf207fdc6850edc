/**
 * Posts batches of change records as JSON to an HTTP endpoint.
 *
 * Request: `POST <url><path>` with body `{ sync, run_id, batch_id, event?, records: [{ key,
 * operation, fields, previous }] }` and headers Content-Type: application/json, Idempotency-Key
 * (a hash of the batch contents, equal for an equal batch in a later run), X-Sluice-Timestamp
 * (Unix seconds) and, when the account has a secret, X-Sluice-Signature: `sha256=<hex
 * HMAC-SHA256 of "<timestamp>.<body>">`.
 *
 * Response contract:
 * - 2xx with an empty body or no `results`: every row accepted.
 * - 2xx with `{ results: [{ key, status: 'accepted' | 'rejected' | 'retry', reason? }] }`: one
 *   outcome per row; a row missing from `results` is retried ("receiver reported no outcome").
 * - 401 or 403: the call fails as a whole with a DestinationError, since every batch would fail
 *   the same way until the credentials are fixed.
 * - 413 with more than one row: the batch is split in half and each half sent on its own.
 * - Any other status below 500 except 408 and 429: every row rejected, with the status and the
 *   start of the body (redacted) as the reason. Redirects are not followed.
 * - 408, 429, 5xx and connections refused before sending: retried with exponential backoff or
 *   after the Retry-After header, up to max_attempts. After that, every row is returned as
 *   `retry`.
 * - A timeout or a reset after the request was sent: the outcome is unknown, so the batch is
 *   not sent again unless the account is `idempotent`. Its rows are returned as `retry` with
 *   `outcomeUnknown` set, and the engine's send ledger decides what follows.
 */
import { DestinationError } from '../../core/errors.js';
import { redactor } from '../../core/redact.js';
import type {
  ChangeRecord,
  Destination,
  DestinationCapabilities,
  DestinationContext,
  RowOutcome,
} from '../destination.js';
import type { AccountLimiter } from '../http/account-limiter.js';
import { describeResponse } from '../http/classify.js';
import type { HttpRequest, HttpResponse } from '../http/http-client.js';
import { backoffPolicy, requestLimiter } from '../http/request-settings.js';
import { type SendResult, sendWithRetry } from '../http/send-with-retry.js';
import { batchIdempotencyKey, buildWebhookPayload } from './payload.js';
import { outcomesFromSuccess, rejectAll, retryAll } from './response.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhookBody } from './signature.js';
import { type WebhookAccount, type WebhookSyncOptions, webhookUrl } from './webhook-config.js';

/** Delay before the second attempt; doubled for each one after it, up to max_retry_wait_ms. */
const BASE_RETRY_DELAY_MS = 500;

/** Headers Sluice sets itself; a header of the same name in the account config is dropped. */
const OWN_HEADERS = [
  'content-type',
  'idempotency-key',
  'user-agent',
  TIMESTAMP_HEADER.toLowerCase(),
  SIGNATURE_HEADER.toLowerCase(),
];

export class WebhookDestination implements Destination {
  readonly capabilities: DestinationCapabilities;
  readonly #account: WebhookAccount;
  readonly #options: WebhookSyncOptions;
  readonly #context: DestinationContext;
  readonly #url: URL;
  readonly #limiter: AccountLimiter;
  #batchCount = 0;

  constructor(
    account: WebhookAccount,
    options: WebhookSyncOptions,
    context: DestinationContext,
    accountKey: string,
  ) {
    this.#account = account;
    this.#options = options;
    this.#context = context;
    this.#url = webhookUrl(account, options);
    this.capabilities = {
      operations: ['upsert', 'update', 'insert', 'delete', 'add', 'remove', 'send'],
      maxBatchSize: account.max_batch_size,
      maxRequestsPerSecond: account.max_requests_per_second,
      maxConcurrency: account.max_concurrency,
      idempotent: account.idempotent,
    };
    this.#limiter = requestLimiter(accountKey, account);
  }

  /** Sends the records in batches of at most max_batch_size, one after another. */
  async write(records: ChangeRecord[]): Promise<RowOutcome[]> {
    const outcomes: RowOutcome[] = [];
    for (let start = 0; start < records.length; start += this.#account.max_batch_size) {
      const batch = records.slice(start, start + this.#account.max_batch_size);
      outcomes.push(...(await this.#sendBatch(batch)));
    }
    return outcomes;
  }

  async close(): Promise<void> {
    // Sockets belong to the process-wide keep-alive agents, which close idle ones themselves.
  }

  async #sendBatch(records: ChangeRecord[]): Promise<RowOutcome[]> {
    this.#batchCount += 1;
    const batchId = `${this.#context.runId}-${this.#batchCount}`;
    const identity = {
      syncName: this.#context.syncName,
      runId: this.#context.runId,
      batchId,
      event: this.#options.event,
    };
    const body = JSON.stringify(buildWebhookPayload(identity, records));
    const idempotencyKey = batchIdempotencyKey(identity.syncName, identity.event, records);

    const result = await sendWithRetry({
      buildRequest: () => this.#buildRequest(body, idempotencyKey),
      policy: backoffPolicy(this.#account, BASE_RETRY_DELAY_MS),
      limiter: this.#limiter,
      resendWhenUnknown: this.#account.idempotent,
      logger: this.#context.logger,
      logFields: { destination: 'webhook', sync: identity.syncName, batch_id: batchId },
      signal: this.#context.signal,
    });
    return this.#readResult(records, result);
  }

  #buildRequest(body: string, idempotencyKey: string): HttpRequest {
    const timestamp = String(Math.floor(Date.now() / 1_000));
    const headers: Record<string, string> = {
      ...this.#accountHeaders(),
      'Content-Type': 'application/json',
      'Idempotency-Key': idempotencyKey,
      'User-Agent': 'sluice',
      [TIMESTAMP_HEADER]: timestamp,
    };
    if (this.#account.secret !== undefined) {
      headers[SIGNATURE_HEADER] = signWebhookBody(this.#account.secret, timestamp, body);
    }
    return { method: 'POST', url: this.#url, headers, body, timeoutMs: this.#account.timeout_ms };
  }

  #accountHeaders(): Record<string, string> {
    const entries = Object.entries(this.#account.headers);
    const allowed = entries.filter(([name]) => !OWN_HEADERS.includes(name.toLowerCase()));
    return Object.fromEntries(allowed);
  }

  async #readResult(records: ChangeRecord[], result: SendResult): Promise<RowOutcome[]> {
    if (result.kind === 'retry_later') {
      return retryAll(records, result.reason, { retryAfterMs: result.retryAfterMs });
    }
    if (result.kind === 'unknown') return retryAll(records, result.reason, { outcomeUnknown: true });
    return this.#readResponse(records, result.response);
  }

  async #readResponse(records: ChangeRecord[], response: HttpResponse): Promise<RowOutcome[]> {
    if (response.status >= 200 && response.status < 300) {
      return outcomesFromSuccess(records, response.body);
    }

    const described = describeResponse(response.status, response.body);
    if (response.status === 401 || response.status === 403) {
      throw new DestinationError(
        `Webhook ${this.#url.host} rejected the request as unauthorized (${described}); ` +
          'check the secret and headers of the destination in sluice.yml',
        { retryable: false },
      );
    }

    if (response.status === 413 && records.length > 1) {
      const half = Math.ceil(records.length / 2);
      const first = await this.#sendBatch(records.slice(0, half));
      const second = await this.#sendBatch(records.slice(half));
      return [...first, ...second];
    }

    return rejectAll(records, `receiver rejected the batch: ${described}`);
  }
}

/** Header names whose values are treated as credentials. */
const CREDENTIAL_HEADER = /auth|key|token|secret|cookie|password|signature/i;

/**
 * Registers the account's secret and credential headers with the redactor, so that no log or
 * error shows them even when they were written into sluice.yml rather than read from the
 * environment. Other header values are left alone, because redacting a value such as
 * "application/json" everywhere would garble output.
 */
export function registerWebhookSecrets(account: WebhookAccount): void {
  redactor.add(account.secret);
  for (const [name, value] of Object.entries(account.headers)) {
    if (!CREDENTIAL_HEADER.test(name)) continue;
    redactor.add(value);
    // "Bearer <token>": the token alone may appear elsewhere, such as in an echoed error.
    redactor.add(value.split(' ').slice(1).join(' '));
  }
}
