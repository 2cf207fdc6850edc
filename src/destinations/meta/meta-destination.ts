/**
 * Adds and removes people in a Meta customer-list custom audience.
 *
 * Requests: `POST /{version}/{audience_id}/users` to add and `DELETE` on the same path to
 * remove, with a JSON body of hashed rows (see meta-payload.ts), at most 10,000 rows each. The
 * token goes in the Authorization header, so it never appears in a URL.
 *
 * Outcomes:
 * - 2xx: rows accepted, except those Meta counts in `num_invalid_entries` (see meta-response.ts).
 * - Throttle codes (4, 17, 32, 613, 80000-80014) and transient errors, whatever the HTTP status:
 *   retried after Meta's estimated wait or with backoff, then returned as `retry`, never as
 *   rejected.
 * - Token or permission errors (code 190, 102, 10, 200-299), a missing or flagged audience:
 *   the call fails with a DestinationError, because every batch would fail the same way.
 * - Any other 4xx: Meta rejected the request as a whole, so the rows are resent in halves to
 *   find the bad ones (see isolate-rejections.ts).
 * Adding a present person or removing an absent one changes nothing, so requests are resent
 * after a timeout, and the destination declares itself idempotent.
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
  verdictsWithoutResponse,
  writeAudience,
} from '../identifiers/audience-write.js';
import type { GroupVerdicts } from '../identifiers/isolate-rejections.js';
import { type MetaIdentifiers, extractMetaIdentifiers } from '../identifiers/meta-identifiers.js';
import {
  META_MAX_ROWS_PER_REQUEST,
  type MetaAccount,
  type MetaSyncOptions,
} from './meta-config.js';
import {
  classifyGraphError,
  describeGraphError,
  metaThrottleSignal,
  readGraphError,
} from './meta-errors.js';
import { appSecretProof, buildMetaUsersBody } from './meta-payload.js';
import { verdictsFromUpload } from './meta-response.js';

const PLATFORM = 'Meta custom audience';

export class MetaDestination implements Destination {
  readonly capabilities: DestinationCapabilities;
  readonly #account: MetaAccount;
  readonly #options: MetaSyncOptions;
  readonly #context: DestinationContext;
  readonly #limiter: AccountLimiter;
  /** Rejection reasons judged to come from the request, not from rows (see isolate-rejections). */
  readonly #systematicReasons = new Set<string>();
  readonly #url: URL;

  constructor(
    account: MetaAccount,
    options: MetaSyncOptions,
    context: DestinationContext,
    accountKey: string,
  ) {
    this.#account = account;
    this.#options = options;
    this.#context = context;
    this.#url = usersUrl(account, options);
    this.capabilities = audienceCapabilities(account, META_MAX_ROWS_PER_REQUEST);
    this.#limiter = requestLimiter(accountKey, account);
  }

  write(records: ChangeRecord[]): Promise<RowOutcome[]> {
    return writeAudience(records, {
      platform: PLATFORM,
      extract: (row) => extractMetaIdentifiers(row, this.#options.default_country),
      maxBatchSize: META_MAX_ROWS_PER_REQUEST,
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
    members: AudienceMember<MetaIdentifiers>[],
  ): Promise<GroupVerdicts> {
    const rows = members.map((member) => member.identifiers);
    const body = buildMetaUsersBody(rows);
    if (this.#account.app_secret !== undefined) {
      body.appsecret_proof = appSecretProof(this.#account.access_token, this.#account.app_secret);
    }
    const text = JSON.stringify(body);

    const result = await sendWithRetry({
      buildRequest: () => this.#buildRequest(action, text),
      policy: backoffPolicy(this.#account),
      limiter: this.#limiter,
      resendWhenUnknown: true,
      logger: this.#context.logger,
      logFields: { ...this.#logFields(), action, rows: rows.length },
      signal: this.#context.signal,
      throttleSignal: metaThrottleSignal,
    });

    if (result.kind !== 'response') return verdictsWithoutResponse(result, rows.length);
    return this.#readResponse(rows, result.response);
  }

  #buildRequest(action: AudienceAction, body: string): HttpRequest {
    return {
      method: action === 'add' ? 'POST' : 'DELETE',
      url: this.#url,
      headers: {
        Authorization: `Bearer ${this.#account.access_token}`,
        'Content-Type': 'application/json',
        'User-Agent': 'sluice',
      },
      body,
      timeoutMs: this.#account.timeout_ms,
    };
  }

  #readResponse(rows: MetaIdentifiers[], response: HttpResponse): GroupVerdicts {
    if (response.status >= 200 && response.status < 300) {
      return verdictsFromUpload(rows, response.body);
    }

    const error = readGraphError(response.body);
    const described = error
      ? `HTTP ${response.status}, ${describeGraphError(error)}`
      : describeResponse(response.status, response.body);

    switch (classifyGraphError(response.status, error)) {
      case 'credentials':
        throw new DestinationError(
          `Meta rejected the access token (${described}); check access_token and app_secret ` +
            'of the destination in sluice.yml and that the token has ads_management',
          { retryable: false },
        );
      case 'audience':
        throw new DestinationError(
          `Meta rejected changes to custom audience ${this.#options.audience_id} (${described}); ` +
            'check that the audience exists, is a customer-list audience this token can edit, ' +
            'and is not flagged in Audience Manager',
          { retryable: false },
        );
      case 'request':
        return rejectedAsWhole(rows.length, `Meta rejected the request: ${described}`);
    }
  }

  #logFields() {
    return {
      destination: 'meta_custom_audience',
      sync: this.#context.syncName,
      audience_id: this.#options.audience_id,
    };
  }
}

function usersUrl(account: MetaAccount, options: MetaSyncOptions): URL {
  const url = new URL(account.base_url);
  const base = url.pathname.replace(/\/$/, '');
  url.pathname = `${base}/${account.api_version}/${options.audience_id}/users`;
  return url;
}

/**
 * Registers the account's credentials with the redactor, so that no log, error or run history
 * shows them even when they were written into sluice.yml rather than read from the environment.
 */
export function registerMetaSecrets(account: MetaAccount): void {
  redactor.add(account.access_token);
  redactor.add(account.app_secret);
}
