/**
 * Adds and removes people in a TikTok audience through the segment mapping API.
 *
 * Requests: `POST /open_api/{version}/segment/mapping/` with header Access-Token and a JSON body
 * of hashed identifiers (see tiktok-payload.ts), action `add` or `delete`, at most
 * max_batch_size rows each.
 *
 * Outcomes: TikTok reports most errors as HTTP 200 with a non-zero `code`.
 * - code 0, and 40050 (a duplicate of a request already handled): every row accepted.
 * - code 40100 (too frequent) and transient codes: retried with backoff, then returned as
 *   `retry`, never as rejected.
 * - codes 40102 and 40105, or HTTP 401 and 403: the token is expired or invalid, so the call
 *   fails with a DestinationError.
 * - Any other code, and other 4xx statuses: the mapping API has no per-row results, so the
 *   rows are resent in halves to find the bad ones (see isolate-rejections.ts).
 * Adds and deletes are set operations, so requests are resent after a timeout, and the
 * destination declares itself idempotent.
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
import { sendWithRetry } from '../http/send-with-retry.js';
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
import type { GroupVerdicts } from '../identifiers/isolate-rejections.js';
import {
  type TikTokIdentifiers,
  extractTikTokIdentifiers,
} from '../identifiers/tiktok-identifiers.js';
import type { TikTokAccount, TikTokSyncOptions } from './tiktok-config.js';
import { buildTikTokMappingBody } from './tiktok-payload.js';
import {
  TIKTOK_AUTH_CODES,
  TIKTOK_DUPLICATE,
  TIKTOK_PARTIAL,
  describeEnvelope,
  readEnvelope,
  tiktokThrottleSignal,
} from './tiktok-response.js';

const PLATFORM = 'TikTok audience';

export class TikTokDestination implements Destination {
  readonly capabilities: DestinationCapabilities;
  readonly #account: TikTokAccount;
  readonly #options: TikTokSyncOptions;
  readonly #context: DestinationContext;
  readonly #limiter: AccountLimiter;
  /** Rejection reasons judged to come from the request, not from rows (see isolate-rejections). */
  readonly #systematicReasons = new Set<string>();
  readonly #url: URL;

  constructor(
    account: TikTokAccount,
    options: TikTokSyncOptions,
    context: DestinationContext,
    accountKey: string,
  ) {
    this.#account = account;
    this.#options = options;
    this.#context = context;
    this.#url = mappingUrl(account);
    this.capabilities = audienceCapabilities(account, account.max_batch_size);
    this.#limiter = requestLimiter(accountKey, account);
  }

  write(records: ChangeRecord[]): Promise<RowOutcome[]> {
    return writeAudience(records, {
      platform: PLATFORM,
      extract: (row) => extractTikTokIdentifiers(row, this.#options.default_country),
      maxBatchSize: this.#account.max_batch_size,
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
    members: AudienceMember<TikTokIdentifiers>[],
  ): Promise<GroupVerdicts> {
    const rows = members.map((member) => member.identifiers);
    const { advertiser_id: advertiserId, audience_id: audienceId } = this.#options;
    const body = JSON.stringify(buildTikTokMappingBody(action, rows, advertiserId, audienceId));

    const result = await sendWithRetry({
      buildRequest: () => this.#buildRequest(body),
      policy: backoffPolicy(this.#account),
      limiter: this.#limiter,
      resendWhenUnknown: true,
      logger: this.#context.logger,
      logFields: { ...this.#logFields(), action, rows: rows.length },
      signal: this.#context.signal,
      throttleSignal: tiktokThrottleSignal,
    });

    if (result.kind !== 'response') return verdictsWithoutResponse(result, rows.length);
    return this.#readResponse(rows.length, result.response);
  }

  #buildRequest(body: string): HttpRequest {
    return {
      method: 'POST',
      url: this.#url,
      headers: {
        'Access-Token': this.#account.access_token,
        'Content-Type': 'application/json',
        'User-Agent': 'sluice',
      },
      body,
      timeoutMs: this.#account.timeout_ms,
    };
  }

  #readResponse(count: number, response: HttpResponse): GroupVerdicts {
    const envelope = readEnvelope(response.body);
    const described = envelope
      ? `HTTP ${response.status}, ${describeEnvelope(envelope)}`
      : describeResponse(response.status, response.body);

    const unauthorized = response.status === 401 || response.status === 403;
    if (unauthorized || (envelope && TIKTOK_AUTH_CODES.has(envelope.code))) {
      throw new DestinationError(
        `TikTok rejected the access token (${described}); check access_token of the ` +
          'destination in sluice.yml and its access to advertiser ' +
          this.#options.advertiser_id,
        { retryable: false },
      );
    }

    if (response.status < 200 || response.status >= 300) {
      return rejectedAsWhole(count, `TikTok rejected the request: ${described}`);
    }
    if (!envelope) {
      return verdictsForAll(count, {
        status: 'retry',
        reason: `TikTok returned a success status without a result code (${described})`,
      });
    }
    if (envelope.code === 0 || envelope.code === TIKTOK_DUPLICATE) {
      return verdictsForAll(count, { status: 'accepted' });
    }

    const reason = `TikTok rejected the request: ${described}`;
    if (envelope.code === TIKTOK_PARTIAL) {
      // Some rows were applied; resending them is harmless, so halving still finds the others.
      return { ...rejectedAsWhole(count, reason), rejectedWhole: false };
    }
    return rejectedAsWhole(count, reason);
  }

  #logFields() {
    return {
      destination: 'tiktok_audience',
      sync: this.#context.syncName,
      audience_id: this.#options.audience_id,
    };
  }
}

function mappingUrl(account: TikTokAccount): URL {
  const url = new URL(account.base_url);
  const base = url.pathname.replace(/\/$/, '');
  url.pathname = `${base}/open_api/${account.api_version}/segment/mapping/`;
  return url;
}

export function registerTikTokSecrets(account: TikTokAccount): void {
  redactor.add(account.access_token);
}
