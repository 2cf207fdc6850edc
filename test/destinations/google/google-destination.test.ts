import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DestinationError } from '../../../src/core/errors.js';
import type { Row } from '../../../src/core/values.js';
import type {
  ChangeRecord,
  Destination,
  RowOutcome,
} from '../../../src/destinations/destination.js';
import { googleDestinationType } from '../../../src/destinations/google/index.js';
import { type GoogleImitation, startGoogleImitation } from '../../../src/imitations/google.js';
import { changeRecord, testContext } from '../change-records.js';

const TOKEN = 'ya29.static-test-token-0123456789';
const AUDIENCE = '7012345678';
const imitations: GoogleImitation[] = [];
const destinations: Destination[] = [];

afterEach(async () => {
  await Promise.all(destinations.splice(0).map((destination) => destination.close()));
  await Promise.all(imitations.splice(0).map((imitation) => imitation.close()));
});

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

async function imitation(options: Parameters<typeof startGoogleImitation>[0] = {}) {
  const started = await startGoogleImitation({ accessToken: TOKEN, ...options });
  imitations.push(started);
  return started;
}

async function openGoogle(
  server: GoogleImitation,
  account: Record<string, unknown> = { access_token: TOKEN },
  options: Record<string, unknown> = {},
  context = testContext(),
): Promise<Destination> {
  const parsedAccount = googleDestinationType.accountSchema.parse({
    type: 'google_customer_match',
    base_url: server.url,
    token_url: `${server.url}/token`,
    max_retry_wait_ms: 50,
    max_requests_per_second: 1_000,
    ...account,
  });
  const parsedOptions = googleDestinationType.syncSchema.parse({
    operating_account_id: '123-456-7890',
    audience_id: AUDIENCE,
    ...options,
  });
  const destination = await googleDestinationType.open(parsedAccount, parsedOptions, context);
  destinations.push(destination);
  return destination;
}

const REFRESH_ACCOUNT = {
  client_id: 'imitation-client',
  client_secret: 'imitation-secret',
  refresh_token: 'imitation-refresh-token',
};

function adds(rows: Row[]): ChangeRecord[] {
  return rows.map((fields, index) => changeRecord(`u${index + 1}`, 'add', fields));
}

function emails(count: number): ChangeRecord[] {
  return adds(
    Array.from({ length: count }, (_unused, index) => ({ email: `user${index}@example.com` })),
  );
}

function statuses(outcomes: RowOutcome[]): string[] {
  return outcomes.map((outcome) => outcome.status);
}

function reasonOf(outcome: RowOutcome | undefined): string {
  return outcome && 'reason' in outcome ? outcome.reason : '';
}

function sentBody(server: GoogleImitation, index = 0) {
  return JSON.parse(server.state.requests[index]!.body) as Record<string, unknown>;
}

describe('Google Customer Match adds', () => {
  it('ingests normalised and hashed members', async () => {
    const server = await imitation();
    const destination = await openGoogle(server);
    const outcomes = await destination.write(
      adds([
        { email: ' Jane.Doe+promo@GoogleMail.com ' },
        { email: 'Bob.Smith+x@example.com' },
        { phone: '+1 (202) 555-0143' },
        { phone: '(202) 555-0143', country: 'US' },
      ]),
    );

    expect(statuses(outcomes)).toEqual(Array(4).fill('accepted'));
    const request = server.state.requests[0]!;
    expect(request.url.pathname).toBe('/v1/audienceMembers:ingest');
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(sentBody(server)).toEqual({
      destinations: [
        {
          operatingAccount: { accountType: 'GOOGLE_ADS', accountId: '1234567890' },
          productDestinationId: AUDIENCE,
        },
      ],
      audienceMembers: [
        { userData: { userIdentifiers: [{ emailAddress: sha256('janedoe@googlemail.com') }] } },
        { userData: { userIdentifiers: [{ emailAddress: sha256('bob.smith+x@example.com') }] } },
        { userData: { userIdentifiers: [{ phoneNumber: sha256('+12025550143') }] } },
        { userData: { userIdentifiers: [{ phoneNumber: sha256('+12025550143') }] } },
      ],
      encoding: 'HEX',
    });
    expect(server.state.audiences.members(AUDIENCE)).toEqual(
      [
        `emailAddress:${sha256('bob.smith+x@example.com')}`,
        `emailAddress:${sha256('janedoe@googlemail.com')}`,
        `phoneNumber:${sha256('+12025550143')}`,
      ].sort(),
    );
  });

  it('sends consent with adds and a login account', async () => {
    const server = await imitation();
    const destination = await openGoogle(
      server,
      { access_token: TOKEN, login_account_id: '111-222-3333', quota_project_id: 'my-project' },
      { consent: { ad_user_data: 'granted', ad_personalization: 'denied' } },
    );
    await destination.write(emails(1));
    await destination.write([changeRecord('u1', 'remove', null, { email: 'user0@example.com' })]);

    const add = sentBody(server, 0);
    expect(add.consent).toEqual({
      adUserData: 'CONSENT_GRANTED',
      adPersonalization: 'CONSENT_DENIED',
    });
    expect(add.destinations).toEqual([
      expect.objectContaining({
        loginAccount: { accountType: 'GOOGLE_ADS', accountId: '1112223333' },
      }),
    ]);
    expect(server.state.requests[0]!.headers['x-goog-user-project']).toBe('my-project');
    expect(sentBody(server, 1).consent).toBeUndefined();
  });

  it('uploads mobile IDs to a mobile ID list', async () => {
    const server = await imitation();
    const destination = await openGoogle(server, undefined, {
      upload_key_type: 'MOBILE_ADVERTISING_ID',
    });
    const outcomes = await destination.write(
      adds([{ mobile_id: 'AEBE52E7-03EE-455A-B3C4-E57283966239' }]),
    );

    expect(outcomes).toEqual([{ status: 'accepted' }]);
    expect(server.state.audiences.members(AUDIENCE)).toEqual([
      'mobileId:aebe52e7-03ee-455a-b3c4-e57283966239',
    ]);
  });
});

describe('Google Customer Match removals', () => {
  it('removes the identifiers last sent', async () => {
    const server = await imitation();
    const destination = await openGoogle(server);
    await destination.write(
      adds([{ email: 'r.diaz@example.com' }, { email: 'k.mensah@example.com' }]),
    );
    const outcomes = await destination.write([
      changeRecord('u1', 'remove', null, { email: 'r.diaz@example.com' }),
    ]);

    expect(outcomes).toEqual([{ status: 'accepted' }]);
    expect(server.state.requests[1]!.url.pathname).toBe('/v1/audienceMembers:remove');
    expect(server.state.audiences.members(AUDIENCE)).toEqual([
      `emailAddress:${sha256('k.mensah@example.com')}`,
    ]);
  });

  it('rejects a removal without previous values', async () => {
    const server = await imitation();
    const destination = await openGoogle(server);
    const outcomes = await destination.write([changeRecord('u1', 'remove', null, null)]);

    expect(outcomes[0]?.status).toBe('rejected');
    expect(reasonOf(outcomes[0])).toContain('the identifiers last sent for this row are unknown');
    expect(server.state.requests).toHaveLength(0);
  });
});

describe('Google Customer Match batching', () => {
  it('sends at most 10,000 members per request', async () => {
    const server = await imitation();
    const destination = await openGoogle(server);
    const outcomes = await destination.write(emails(20_001));

    expect(destination.capabilities.maxBatchSize).toBe(10_000);
    expect(outcomes.every((outcome) => outcome.status === 'accepted')).toBe(true);
    expect(server.state.uploads.map((upload) => upload.members)).toEqual([10_000, 10_000, 1]);
    expect(server.state.requests).toHaveLength(Math.ceil(20_001 / 10_000));
  });

  it('declares the documented rate by default', () => {
    const account = googleDestinationType.accountSchema.parse({
      type: 'google_customer_match',
      access_token: TOKEN,
    });
    expect(account.max_requests_per_second).toBe(5);
  });
});

describe('Google Customer Match throttling', () => {
  it('waits the RetryInfo delay after RESOURCE_EXHAUSTED', async () => {
    const server = await imitation();
    server.throttle(1, { retryDelaySeconds: 1 });
    const destination = await openGoogle(server, { access_token: TOKEN, max_retry_wait_ms: 5_000 });
    const outcomes = await destination.write(emails(2));

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted']);
    expect(server.state.requests).toHaveLength(2);
    const gap = server.state.requests[1]!.receivedAt - server.state.requests[0]!.receivedAt;
    expect(gap).toBeGreaterThanOrEqual(1_000);
  });

  it('paces to a quota it was not told', async () => {
    // 3 requests in any 300 ms, far below the 1,000 per second the account allows itself.
    const server = await imitation({ rateLimit: { limit: 3, windowMs: 300 } });
    const destination = await openGoogle(server, { access_token: TOKEN, max_retry_wait_ms: 5_000 });
    const outcomes: RowOutcome[] = [];
    for (let pair = 0; pair < 8; pair += 1) {
      const writes = [destination.write(emails(1)), destination.write(emails(1))];
      for (const written of await Promise.all(writes)) outcomes.push(...written);
    }

    expect(statuses(outcomes)).toEqual(Array.from({ length: 16 }, () => 'accepted'));
    expect(server.state.uploads).toHaveLength(16);
    // The first burst finds the quota; after that the requests are spaced to fit it.
    expect(server.state.rateLimited.length).toBeLessThanOrEqual(2);
  });

  it('returns rows for later when throttling persists', async () => {
    const server = await imitation();
    server.throttle(3);
    const destination = await openGoogle(server, { access_token: TOKEN, max_attempts: 3 });
    const outcomes = await destination.write(emails(2));

    expect(statuses(outcomes)).toEqual(['retry', 'retry']);
    expect(reasonOf(outcomes[0])).toContain('HTTP 429');
    expect(server.state.uploads).toHaveLength(0);
  });
});

describe('Google Customer Match partial failure', () => {
  it('rejects the member Google names and resends the rest', async () => {
    const server = await imitation();
    server.markInvalid(sha256('user1@example.com'), 'The email address is not allowed');
    const destination = await openGoogle(server);
    const outcomes = await destination.write(emails(3));

    expect(outcomes[0]).toEqual({ status: 'accepted' });
    expect(outcomes[1]).toEqual({
      status: 'rejected',
      reason:
        'Google rejected the member: audience_members.audience_members[1]: INVALID_IDENTIFIER: ' +
        'The email address is not allowed',
    });
    expect(outcomes[2]).toEqual({ status: 'accepted' });
    expect(server.state.requests).toHaveLength(2);
    expect(server.state.audiences.members(AUDIENCE)).toHaveLength(2);
  });

  it('rejects a row with no valid identifier alone', async () => {
    const server = await imitation();
    const destination = await openGoogle(server);
    const outcomes = await destination.write(
      adds([
        { phone: '+1 202 555 0143' },
        { phone: '+0000000000' },
        { email: 'li.wei@example.com' },
      ]),
    );

    expect(statuses(outcomes)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(reasonOf(outcomes[1])).toBe('no identifier to add: phone is not a valid phone number');
    expect(server.state.uploads).toHaveLength(1);
  });

  it('fails the call when Google names a request field', async () => {
    const server = await imitation({ audienceIds: ['1'] });
    const destination = await openGoogle(server);

    await expect(destination.write(emails(1))).rejects.toThrow(
      /destinations\[0\]\.product_destination_id: INVALID_PRODUCT_DESTINATION_ID/,
    );
  });
});

describe('Google Customer Match authentication', () => {
  it('fails the call on a bad token without showing it', async () => {
    const server = await imitation({ accessToken: 'another-token-abcdef' });
    const context = testContext();
    const destination = await openGoogle(server, undefined, {}, context);

    const error = await destination.write(emails(1)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DestinationError);
    expect((error as Error).message).toContain('HTTP 401 UNAUTHENTICATED');
    expect((error as Error).message).not.toContain(TOKEN);
    expect(JSON.stringify(context.logger.events)).not.toContain(TOKEN);
  });

  it('fetches an access token with the refresh token', async () => {
    const server = await imitation({ accessToken: undefined });
    const destination = await openGoogle(server, REFRESH_ACCOUNT);

    expect(statuses(await destination.write(emails(2)))).toEqual(['accepted', 'accepted']);
    expect(statuses(await destination.write(emails(1)))).toEqual(['accepted']);
    expect(server.state.issuedTokens).toHaveLength(1);
    expect(server.state.requests[1]!.headers.authorization).toBe(
      `Bearer ${server.state.issuedTokens[0]}`,
    );
  });

  it('fetches a new token after a 401', async () => {
    const server = await imitation({ accessToken: undefined });
    const destination = await openGoogle(server, REFRESH_ACCOUNT);
    await destination.write(emails(1));
    server.expireTokens();

    expect(statuses(await destination.write(emails(1)))).toEqual(['accepted']);
    expect(server.state.issuedTokens).toHaveLength(2);
  });

  it('fails the call on a revoked refresh token without showing secrets', async () => {
    const server = await imitation({ accessToken: undefined, refreshToken: 'another-refresh' });
    const destination = await openGoogle(server, REFRESH_ACCOUNT);

    const error = await destination.write(emails(1)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DestinationError);
    const message = (error as Error).message;
    expect(message).toContain('invalid_grant: Token has been expired or revoked.');
    expect(message).not.toContain(REFRESH_ACCOUNT.refresh_token);
    expect(message).not.toContain(REFRESH_ACCOUNT.client_secret);
    expect((error as DestinationError).retryable).toBe(false);
  });
});

describe('Google Customer Match config', () => {
  it.each([
    [{ access_token: TOKEN, client_id: 'x' }, 'not both'],
    [{ client_id: 'x', client_secret: 'y' }, 'all of client_id'],
    [{}, 'set access_token'],
  ])('rejects credentials %#', (credentials, text) => {
    const result = googleDestinationType.accountSchema.safeParse({
      type: 'google_customer_match',
      ...credentials,
    });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(text);
  });

  it('reads account IDs written with dashes', () => {
    const options = googleDestinationType.syncSchema.parse({
      operating_account_id: '123-456-7890',
      audience_id: '1',
    });
    expect(options).toMatchObject({
      operating_account_id: '1234567890',
      upload_key_type: 'CONTACT_INFO',
    });
  });
});

describe('Google Customer Match request status', () => {
  const STATUS_SETTINGS = { access_token: TOKEN, request_status_wait_ms: 2_000, request_status_poll_ms: 20 };

  it('does not read status by default', async () => {
    const server = await imitation({ processingPolls: 1 });
    const destination = await openGoogle(server);
    await destination.write(emails(2));
    await destination.flush!();

    expect(server.state.statusReads.size).toBe(0);
  });

  it('polls until the request finishes', async () => {
    const server = await imitation({ processingPolls: 2 });
    const context = testContext();
    const destination = await openGoogle(server, STATUS_SETTINGS, {}, context);
    await destination.write(emails(2));
    await destination.flush!();

    const requestId = server.state.uploads[0]!.requestId;
    expect(server.state.statusReads.get(requestId)).toBe(3);
    const events = context.logger.events.filter((entry) => entry.event === 'destination.request_status');
    expect(events).toHaveLength(1);
    expect(events[0]!.fields).toMatchObject({ request_id: requestId, status: 'success' });
  });

  it('fails the flush when a request failed', async () => {
    const server = await imitation();
    server.failProcessing(1, 'PROCESSING_ERROR_REASON_INVALID_HASH');
    const destination = await openGoogle(server, STATUS_SETTINGS);
    const outcomes = await destination.write(emails(3));

    // The request itself was accepted; only its status shows that Google applied nothing.
    expect(statuses(outcomes)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(server.state.audiences.members(AUDIENCE)).toEqual([]);
    const flushed = destination.flush!();
    await expect(flushed).rejects.toThrow(DestinationError);
    await expect(flushed).rejects.toThrow(
      "Google reported 1 of this run's 1 requests as FAILED (PROCESSING_ERROR_REASON_INVALID_HASH: 3 records)",
    );
  });

  it('stops waiting at the limit', async () => {
    const server = await imitation({ processingPolls: 1_000 });
    const context = testContext();
    const destination = await openGoogle(server, { ...STATUS_SETTINGS, request_status_wait_ms: 100 }, {}, context);
    await destination.write(emails(1));
    const started = Date.now();
    await destination.flush!();

    expect(Date.now() - started).toBeLessThan(1_000);
    const unfinished = context.logger.events.filter((entry) => entry.event === 'destination.request_status_unfinished');
    expect(unfinished).toHaveLength(1);
  });
});
