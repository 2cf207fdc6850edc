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
 *
 * A run with `--full` replaces the audience instead, unless the sync sets `full_refresh: add`.
 * Removals go out first as usual. Then every add is a batch of one /usersreplace session, sent
 * one at a time, and `flush` ends the session (see meta-replace.ts).
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
import { type MetaSession, appSecretProof, buildMetaUsersBody } from './meta-payload.js';
import { MetaReplaceSession } from './meta-replace.js';
import { verdictsFromUpload } from './meta-response.js';

const PLATFORM = 'Meta custom audience';

/** Kind of request: an add or remove through /users, or a batch of a replace. */
type MetaRequestAction = AudienceAction | 'replace';

export class MetaDestination implements Destination {
  readonly capabilities: DestinationCapabilities;
  readonly #account: MetaAccount;
  readonly #options: MetaSyncOptions;
  readonly #context: DestinationContext;
  readonly #limiter: AccountLimiter;
  /** Rejection reasons judged to come from the request, not from rows (see isolate-rejections). */
  readonly #systematicReasons = new Set<string>();
  readonly #url: URL;
  /** The audience's replace, in a run with `--full` and `full_refresh: replace`. */
  readonly #replace: MetaReplaceSession | undefined;

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
    this.#limiter = requestLimiter(accountKey, account);
    const replace = context.fullRefresh === true && options.full_refresh === 'replace';
    this.#replace = replace ? new MetaReplaceSession() : undefined;
    const capabilities = audienceCapabilities(account, META_MAX_ROWS_PER_REQUEST);
    // Meta takes the batches of a replace in batch_seq order, so they go one at a time.
    this.capabilities = replace ? { ...capabilities, maxConcurrency: 1 } : capabilities;
  }

  async write(records: ChangeRecord[]): Promise<RowOutcome[]> {
    try {
      const outcomes = await this.#writeAudience(records);
      this.#replace?.track(records, outcomes);
      return outcomes;
    } catch (error) {
      this.#replace?.fail(`a write failed: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
  }

  /**
   * Ends the audience's replace, when this run started one, by sending its closing batch. When a
   * batch failed or the run was interrupted, it leaves the replace unfinished, which Meta drops,
   * and throws so that the engine confirms none of the rows.
   */
  async flush(): Promise<void> {
    const replace = this.#replace;
    if (!replace?.opened) return;

    const unfinished = replace.unfinishedReason(this.#context.signal?.aborted === true);
    const closing = unfinished === undefined ? replace.closingBatch() : undefined;
    const verdicts = closing && (await this.#send('replace', closing.rows, closing.session));
    const closed = verdicts?.verdicts.every((verdict) => typeof verdict === 'object' && verdict.status !== 'retry');
    if (closed) return;

    const reason = unfinished ?? 'Meta did not confirm the closing batch';
    throw new DestinationError(
      `the replace of custom audience ${this.#options.audience_id} was not finished, because ` +
        `${reason}. Meta drops an unfinished replace after about 90 minutes, and the audience ` +
        'keeps its members until then; run the sync with --full again',
      { retryable: true },
    );
  }

  #writeAudience(records: ChangeRecord[]): Promise<RowOutcome[]> {
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

  #sendGroup(
    action: AudienceAction,
    members: AudienceMember<MetaIdentifiers>[],
  ): Promise<GroupVerdicts> {
    const rows = members.map((member) => member.identifiers);
    const replace = this.#replace;
    if (replace && action === 'add') return this.#send('replace', rows, replace.nextBatch());
    if (replace?.opened && action === 'remove') {
      // Meta refuses removals during a replace, and the replace drops these rows anyway. Removed
      // rows come first in a run, so this happens only when a removal is retried late.
      return Promise.resolve(verdictsForAll(rows.length, { status: 'accepted' }));
    }
    return this.#send(action, rows, undefined);
  }

  /**
   * Sends one request and reads its verdicts. A replace batch is never sent again after a
   * timeout, because Meta does not document what a repeated batch_seq does.
   */
  async #send(
    action: MetaRequestAction,
    rows: MetaIdentifiers[],
    session: MetaSession | undefined,
  ): Promise<GroupVerdicts> {
    const body = buildMetaUsersBody(rows, session);
    if (this.#account.app_secret !== undefined) {
      body.appsecret_proof = appSecretProof(this.#account.access_token, this.#account.app_secret);
    }
    const text = JSON.stringify(body);

    const result = await sendWithRetry({
      buildRequest: () => this.#buildRequest(action, text),
      policy: backoffPolicy(this.#account),
      limiter: this.#limiter,
      resendWhenUnknown: action !== 'replace',
      logger: this.#context.logger,
      logFields: { ...this.#logFields(), action, rows: rows.length },
      signal: this.#context.signal,
      throttleSignal: metaThrottleSignal,
    });

    if (action === 'replace') this.#trackReplaceBatch(rows, result);
    if (result.kind !== 'response') return verdictsWithoutResponse(result, rows.length);
    return this.#readResponse(rows, result.response);
  }

  /** Counts a replace batch Meta accepted, and fails the replace when Meta may have taken one unseen. */
  #trackReplaceBatch(rows: MetaIdentifiers[], result: SendResult): void {
    if (result.kind === 'unknown') this.#replace?.fail(`a batch got no response (${result.reason})`);
    const accepted = result.kind === 'response' && result.response.status >= 200 && result.response.status < 300;
    if (accepted) this.#replace?.accepted(rows);
  }

  #buildRequest(action: MetaRequestAction, body: string): HttpRequest {
    return {
      method: action === 'remove' ? 'DELETE' : 'POST',
      url: action === 'replace' ? this.#replaceUrl() : this.#url,
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

  #replaceUrl(): URL {
    const url = new URL(this.#url);
    url.pathname = url.pathname.replace(/\/users$/, '/usersreplace');
    return url;
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
