/**
 * Adds and removes people in a Google Customer Match list through the Data Manager API.
 *
 * Requests: `POST /v1/audienceMembers:ingest` to add and `POST /v1/audienceMembers:remove` to
 * remove, at most 10,000 members each, with an OAuth bearer token (see google-auth.ts).
 *
 * Outcomes:
 * - 2xx with a requestId: every row accepted. Google processes the request later; matching
 *   results are not read back.
 * - 400 naming members in BadRequest field violations: those rows are rejected with Google's
 *   reason, and the others are sent again, because Google applied none of the request.
 * - 400 naming only request fields (a wrong audience or account ID): the call fails with a
 *   DestinationError, because every batch would fail the same way.
 * - 400 without field violations, and other 4xx: rejected as a whole, so the rows are resent in
 *   halves to find the bad ones (see isolate-rejections.ts).
 * - 401: with a refresh token, a new access token is fetched and the request sent once more.
 *   Without one, and for 403 and 404, the call fails with a DestinationError.
 * - 429 RESOURCE_EXHAUSTED and 5xx: retried after RetryInfo's delay, Retry-After or backoff, then
 *   returned as `retry`, never as rejected.
 * Adds and removals are set operations, so requests are resent after a timeout, and the
 * destination declares itself idempotent.
 *
 * With `request_status_wait_ms` set, `flush` polls the status of every request of the run (see
 * google-request-status.ts) and fails when Google reports one as FAILED, so that the engine
 * confirms no row and the next run sends them again.
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
import { describeResponse } from '../http/classify.js';
import type { HttpRequest, HttpResponse } from '../http/http-client.js';
import { backoffPolicy, requestLimiter } from '../http/request-settings.js';
import { type SendResult, sendWithRetry } from '../http/send-with-retry.js';
import {
  type AudienceAction,
  type AudienceMember,
} from '../identifiers/audience-members.js';
import {
  audienceCapabilities,
  parseJsonObject,
  rejectedAsWhole,
  verdictsForAll,
  verdictsWithoutResponse,
  writeAudience,
} from '../identifiers/audience-write.js';
import {
  type GoogleMemberData,
  extractGoogleIdentifiers,
} from '../identifiers/google-identifiers.js';
import type { GroupVerdicts, RowVerdict } from '../identifiers/isolate-rejections.js';
import { GoogleAccessTokens } from './google-auth.js';
import {
  GOOGLE_MAX_MEMBERS_PER_REQUEST,
  type GoogleAccount,
  type GoogleSyncOptions,
} from './google-config.js';
import {
  type GoogleError,
  describeGoogleError,
  describeViolation,
  googleThrottleSignal,
  readGoogleError,
  violatedMemberIndex,
} from './google-errors.js';
import { buildGoogleMembersBody, membersPath } from './google-payload.js';
import { type RequestStatus, pollRequestStatuses, readRequestStatus } from './google-request-status.js';

const PLATFORM = 'Google Customer Match';

export class GoogleDestination implements Destination {
  readonly capabilities: DestinationCapabilities;
  readonly #account: GoogleAccount;
  readonly #options: GoogleSyncOptions;
  readonly #context: DestinationContext;
  readonly #limiter: AccountLimiter;
  /** Rejection reasons judged to come from the request, not from rows (see isolate-rejections). */
  readonly #systematicReasons = new Set<string>();
  readonly #tokens: GoogleAccessTokens;
  /** requestId of every ingest and remove request Google accepted in this run. */
  readonly #requestIds: string[] = [];

  constructor(
    account: GoogleAccount,
    options: GoogleSyncOptions,
    context: DestinationContext,
    accountKey: string,
  ) {
    this.#account = account;
    this.#options = options;
    this.#context = context;
    this.#tokens = new GoogleAccessTokens(account);
    this.capabilities = audienceCapabilities(account, GOOGLE_MAX_MEMBERS_PER_REQUEST);
    this.#limiter = requestLimiter(accountKey, account);
  }

  write(records: ChangeRecord[]): Promise<RowOutcome[]> {
    const { upload_key_type: keyType, default_country: defaultCountry } = this.#options;
    return writeAudience(records, {
      platform: PLATFORM,
      extract: (row) => extractGoogleIdentifiers(row, keyType, defaultCountry),
      maxBatchSize: GOOGLE_MAX_MEMBERS_PER_REQUEST,
      sendGroup: (action, members) => this.#sendGroup(action, members),
      systematicReasons: this.#systematicReasons,
      logger: this.#context.logger,
      logFields: this.#logFields(),
    });
  }

  /**
   * Waits up to `request_status_wait_ms` for Google to process this run's requests, and logs
   * each outcome. Throws when a request FAILED; a partial success is logged only, because
   * Google counts the failed records without naming them.
   */
  async flush(): Promise<void> {
    const waitMs = this.#account.request_status_wait_ms;
    if (waitMs === 0 || this.#requestIds.length === 0) return;

    const { finished, unfinished } = await pollRequestStatuses(this.#requestIds, {
      waitMs,
      intervalMs: this.#account.request_status_poll_ms,
      retrieve: (requestId) => this.#retrieveStatus(requestId),
      signal: this.#context.signal,
    });
    for (const [requestId, status] of finished) this.#logStatus(requestId, status);
    if (unfinished.length > 0) {
      this.#context.logger.log('warn', 'destination.request_status_unfinished', {
        ...this.#logFields(),
        requests: unfinished.length,
        wait_ms: waitMs,
      });
    }

    const failed = [...finished.values()].filter((status) => status.state === 'failed');
    if (failed.length === 0) return;
    const reasons = [...new Set(failed.flatMap((status) => status.errors))].join('; ');
    throw new DestinationError(
      `Google reported ${failed.length} of this run's ${this.#requestIds.length} requests as ` +
        `FAILED${reasons ? ` (${reasons})` : ''}; no row of the run is confirmed, so the next run ` +
        'sends them again',
      { retryable: true },
    );
  }

  async close(): Promise<void> {
    // Sockets belong to the process-wide keep-alive agents, which close idle ones themselves.
  }

  async #retrieveStatus(requestId: string): Promise<RequestStatus | undefined> {
    const url = new URL(this.#account.base_url);
    url.pathname = `${url.pathname.replace(/\/$/, '')}/v1/requestStatus:retrieve`;
    url.searchParams.set('requestId', requestId);
    const token = await this.#tokens.token();
    const result = await sendWithRetry({
      buildRequest: () => ({
        method: 'GET',
        url,
        headers: this.#headers(token),
        timeoutMs: this.#account.timeout_ms,
      }),
      policy: backoffPolicy(this.#account),
      limiter: this.#limiter,
      resendWhenUnknown: true,
      logger: this.#context.logger,
      logFields: { ...this.#logFields(), request: 'requestStatus:retrieve' },
      signal: this.#context.signal,
      throttleSignal: googleThrottleSignal,
    });
    if (result.kind !== 'response') return undefined;
    if (result.response.status < 200 || result.response.status >= 300) {
      this.#context.logger.log('warn', 'destination.request_status_failed', {
        ...this.#logFields(),
        request_id: requestId,
        error: describeResponse(result.response.status, result.response.body),
      });
      return undefined;
    }
    return readRequestStatus(result.response.body);
  }

  #logStatus(requestId: string, status: RequestStatus): void {
    const level = status.state === 'success' ? 'info' : 'warn';
    this.#context.logger.log(level, 'destination.request_status', {
      ...this.#logFields(),
      request_id: requestId,
      status: status.state,
      errors: status.errors.join('; '),
    });
  }

  async #sendGroup(
    action: AudienceAction,
    members: AudienceMember<GoogleMemberData>[],
  ): Promise<GroupVerdicts> {
    const data = members.map((member) => member.identifiers);
    const body = JSON.stringify(buildGoogleMembersBody(action, data, this.#account, this.#options));

    let result = await this.#send(action, body);
    if (isUnauthorized(result) && this.#tokens.refreshable) {
      // The token may have been revoked or expired early; one fresh token is worth a try.
      this.#tokens.invalidate();
      result = await this.#send(action, body);
    }

    if (result.kind !== 'response') return verdictsWithoutResponse(result, data.length);
    this.#recordRequestId(result.response);
    return this.#readResponse(data.length, result.response);
  }

  #recordRequestId(response: HttpResponse): void {
    if (response.status < 200 || response.status >= 300) return;
    const requestId = parseJsonObject(response.body)?.requestId;
    if (typeof requestId === 'string' && requestId !== '') this.#requestIds.push(requestId);
  }

  async #send(action: AudienceAction, body: string): Promise<SendResult> {
    const token = await this.#tokens.token();
    return sendWithRetry({
      buildRequest: () => this.#buildRequest(action, body, token),
      policy: backoffPolicy(this.#account),
      limiter: this.#limiter,
      resendWhenUnknown: true,
      logger: this.#context.logger,
      logFields: { ...this.#logFields(), action },
      signal: this.#context.signal,
      throttleSignal: googleThrottleSignal,
    });
  }

  #buildRequest(action: AudienceAction, body: string, token: string): HttpRequest {
    const url = new URL(this.#account.base_url);
    url.pathname = `${url.pathname.replace(/\/$/, '')}${membersPath(action)}`;
    const headers = { ...this.#headers(token), 'Content-Type': 'application/json' };
    return { method: 'POST', url, headers, body, timeoutMs: this.#account.timeout_ms };
  }

  #headers(token: string): Record<string, string> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token}`,
      'User-Agent': 'sluice',
    };
    if (this.#account.quota_project_id) {
      headers['x-goog-user-project'] = this.#account.quota_project_id;
    }
    return headers;
  }

  #readResponse(count: number, response: HttpResponse): GroupVerdicts {
    if (response.status >= 200 && response.status < 300) {
      return verdictsForAll(count, { status: 'accepted' });
    }

    const error = readGoogleError(response.body);
    const described = error
      ? describeGoogleError(response.status, error)
      : describeResponse(response.status, response.body);

    if (response.status === 401 || response.status === 403) {
      throw new DestinationError(
        `Google rejected the credentials (${described}); check the OAuth credentials of the ` +
          'destination in sluice.yml, their datamanager scope, and their access to account ' +
          this.#options.operating_account_id,
        { retryable: false },
      );
    }
    if (response.status === 404) {
      throw new DestinationError(
        `Google found no such destination (${described}); check operating_account_id and ` +
          'audience_id of the sync',
        { retryable: false },
      );
    }
    if (response.status === 400 && error && error.violations.length > 0) {
      return this.#verdictsFromViolations(count, error, described);
    }
    return rejectedAsWhole(count, `Google rejected the request: ${described}`);
  }

  #verdictsFromViolations(count: number, error: GoogleError, described: string): GroupVerdicts {
    const reasons = new Map<number, string[]>();
    for (const violation of error.violations) {
      const index = violatedMemberIndex(violation);
      if (index === undefined || index >= count) continue;
      reasons.set(index, [...(reasons.get(index) ?? []), describeViolation(violation)]);
    }

    if (reasons.size === 0) {
      const fields = error.violations.map(describeViolation).join('; ');
      throw new DestinationError(
        `Google rejected the request (${described}; ${fields}); check the sync's ` +
          'destination_options and the account IDs',
        { retryable: false },
      );
    }

    const verdicts = Array.from({ length: count }, (_unused, index): RowVerdict => {
      const memberReasons = reasons.get(index);
      if (memberReasons === undefined) return 'resend';
      return {
        status: 'rejected',
        reason: `Google rejected the member: ${memberReasons.join('; ')}`,
      };
    });
    return { verdicts };
  }

  #logFields() {
    return {
      destination: 'google_customer_match',
      sync: this.#context.syncName,
      audience_id: this.#options.audience_id,
    };
  }
}

function isUnauthorized(result: SendResult): boolean {
  return result.kind === 'response' && result.response.status === 401;
}
