/**
 * OAuth access tokens for the Data Manager API: a fixed token from the config, or tokens
 * fetched with a refresh token from the OAuth token endpoint (RFC 6749, section 6) and reused
 * until a minute before they expire.
 */
import { DestinationError } from '../../core/errors.js';
import { redactor } from '../../core/redact.js';
import { bodyExcerpt } from '../http/classify.js';
import { HttpTransportError, sendHttpRequest } from '../http/http-client.js';
import { parseJsonObject, platformText } from '../identifiers/audience-write.js';
import type { GoogleAccount } from './google-config.js';

/** Fetch a new token this long before the current one expires. */
const EXPIRY_MARGIN_MS = 60_000;
/** Lifetime assumed when the token endpoint gives none. */
const DEFAULT_LIFETIME_SECONDS = 3_600;

export class GoogleAccessTokens {
  readonly #account: GoogleAccount;
  #token: string | undefined;
  #expiresAt = 0;
  #pending: Promise<string> | undefined;

  constructor(account: GoogleAccount) {
    this.#account = account;
    this.#token = account.access_token;
    if (this.#token !== undefined) this.#expiresAt = Number.POSITIVE_INFINITY;
  }

  /** Whether a rejected token can be replaced by fetching a new one. */
  get refreshable(): boolean {
    return this.#account.refresh_token !== undefined;
  }

  /** Returns the cached token, or fetches a new one when it is missing or about to expire. */
  async token(): Promise<string> {
    if (this.#token !== undefined && Date.now() < this.#expiresAt) return this.#token;
    this.#pending ??= this.#refresh().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** Forgets the current token after Google rejected it, so the next call fetches a new one. */
  invalidate(): void {
    if (this.refreshable) this.#token = undefined;
  }

  async #refresh(): Promise<string> {
    const { client_id: clientId, client_secret: secret, refresh_token: refresh } = this.#account;
    if (clientId === undefined || secret === undefined || refresh === undefined) {
      throw new DestinationError('Google access token was rejected and no refresh token is set', {
        retryable: false,
      });
    }

    const body = new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: clientId,
      client_secret: secret,
      refresh_token: refresh,
    }).toString();
    const response = await sendHttpRequest({
      method: 'POST',
      url: new URL(this.#account.token_url),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': 'sluice' },
      body,
      timeoutMs: this.#account.timeout_ms,
    }).catch((error: unknown) => {
      if (!(error instanceof HttpTransportError)) throw error;
      throw new DestinationError(`Could not fetch a Google access token: ${error.message}`, {
        retryable: true,
        cause: error,
      });
    });

    const parsed = parseJsonObject(response.body);
    const token = parsed?.access_token;
    if (response.status !== 200 || typeof token !== 'string') {
      throw tokenError(response.status, response.body, parsed);
    }

    redactor.add(token);
    const lifetime =
      typeof parsed?.expires_in === 'number' ? parsed.expires_in : DEFAULT_LIFETIME_SECONDS;
    this.#token = token;
    this.#expiresAt = Date.now() + lifetime * 1_000 - EXPIRY_MARGIN_MS;
    return token;
  }
}

function tokenError(
  status: number,
  body: string,
  parsed: Record<string, unknown> | undefined,
): DestinationError {
  // OAuth errors are { error, error_description } (RFC 6749, section 5.2).
  let detail = bodyExcerpt(body) || 'empty body';
  if (typeof parsed?.error === 'string') {
    const description = parsed.error_description;
    detail =
      typeof description === 'string'
        ? `${parsed.error}: ${platformText(description)}`
        : parsed.error;
  }

  const retryable = status === 429 || status >= 500;
  const next = retryable
    ? 'a later run tries again'
    : 'check client_id, client_secret and refresh_token of the destination in sluice.yml';
  return new DestinationError(
    `Google's token endpoint returned HTTP ${status} instead of an access token ` +
      `(${detail}); ${next}`,
    { retryable },
  );
}

/** Registers every credential of the account with the redactor. */
export function registerGoogleSecrets(account: GoogleAccount): void {
  redactor.add(account.access_token);
  redactor.add(account.client_secret);
  redactor.add(account.refresh_token);
}
