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

  async close(): Promise<void> {
    // Sockets belong to the process-wide keep-alive agents, which close idle ones themselves.
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
    return this.#readResponse(data.length, result.response);
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
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      'User-Agent': 'sluice',
    };
    if (this.#account.quota_project_id) {
      headers['x-goog-user-project'] = this.#account.quota_project_id;
    }
    return { method: 'POST', url, headers, body, timeoutMs: this.#account.timeout_ms };
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
