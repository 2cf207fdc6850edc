import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DestinationError } from '../../../src/core/errors.js';
import type { Row } from '../../../src/core/values.js';
import type {
  ChangeRecord,
  Destination,
  RowOutcome,
} from '../../../src/destinations/destination.js';
import { tiktokDestinationType } from '../../../src/destinations/tiktok/index.js';
import { type TikTokImitation, startTikTokImitation } from '../../../src/imitations/tiktok.js';
import { changeRecord, testContext } from '../change-records.js';

const TOKEN = 'tiktok-test-token-0123456789';
const ADVERTISER = '7000000000000000001';
const AUDIENCE = '6900000000000000001';
const imitations: TikTokImitation[] = [];
const destinations: Destination[] = [];

afterEach(async () => {
  await Promise.all(destinations.splice(0).map((destination) => destination.close()));
  await Promise.all(imitations.splice(0).map((imitation) => imitation.close()));
});

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

async function imitation(options: Parameters<typeof startTikTokImitation>[0] = {}) {
  const started = await startTikTokImitation({ accessToken: TOKEN, ...options });
  imitations.push(started);
  return started;
}

async function openTikTok(
  server: TikTokImitation,
  account: Record<string, unknown> = {},
  options: Record<string, unknown> = {},
  context = testContext(),
): Promise<Destination> {
  const parsedAccount = tiktokDestinationType.accountSchema.parse({
    type: 'tiktok_audience',
    access_token: TOKEN,
    base_url: server.url,
    max_retry_wait_ms: 50,
    ...account,
  });
  const parsedOptions = tiktokDestinationType.syncSchema.parse({
    advertiser_id: ADVERTISER,
    audience_id: AUDIENCE,
    ...options,
  });
  const destination = await tiktokDestinationType.open(parsedAccount, parsedOptions, context);
  destinations.push(destination);
  return destination;
}

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

describe('TikTok audience adds', () => {
  it('posts positional hashed identifiers', async () => {
    const server = await imitation();
    const destination = await openTikTok(server);
    const outcomes = await destination.write(
      adds([
        { email: ' Bob.Smith+x@Example.com ' },
        { phone: '(657)777-0000', country_code: 'US' },
      ]),
    );

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted']);
    const request = server.state.requests[0]!;
    expect(request.url.pathname).toBe('/open_api/v1.3/segment/mapping/');
    expect(request.headers['access-token']).toBe(TOKEN);
    expect(JSON.parse(request.body)).toEqual({
      advertiser_ids: [ADVERTISER],
      action: 'add',
      id_schema: ['EMAIL_SHA256', 'PHONE_SHA256'],
      batch_data: [
        [{ id: sha256('bob.smith@example.com'), audience_ids: [AUDIENCE] }, {}],
        [{}, { id: sha256('16577770000'), audience_ids: [AUDIENCE] }],
      ],
    });
    expect(server.state.audiences.members(AUDIENCE)).toEqual(
      [
        `EMAIL_SHA256:${sha256('bob.smith@example.com')}`,
        `PHONE_SHA256:${sha256('16577770000')}`,
      ].sort(),
    );
  });

  it('accepts a duplicate of a request already handled', async () => {
    const server = await imitation();
    server.failNext({ code: 40_050, message: 'Duplicated request' });
    const destination = await openTikTok(server);

    expect(statuses(await destination.write(emails(2)))).toEqual(['accepted', 'accepted']);
  });
});

describe('TikTok audience removals', () => {
  it('deletes the identifiers last sent', async () => {
    const server = await imitation();
    const destination = await openTikTok(server);
    await destination.write(
      adds([{ email: 'r.diaz@example.com' }, { email: 'k.mensah@example.com' }]),
    );
    const outcomes = await destination.write([
      changeRecord('u1', 'remove', null, { email: 'r.diaz@example.com' }),
    ]);

    expect(outcomes).toEqual([{ status: 'accepted' }]);
    expect(JSON.parse(server.state.requests[1]!.body).action).toBe('delete');
    expect(server.state.audiences.members(AUDIENCE)).toEqual([
      `EMAIL_SHA256:${sha256('k.mensah@example.com')}`,
    ]);
  });

  it('rejects a removal without previous values', async () => {
    const server = await imitation();
    const destination = await openTikTok(server);
    const outcomes = await destination.write([changeRecord('u1', 'remove', null, null)]);

    expect(reasonOf(outcomes[0])).toContain('the identifiers last sent for this row are unknown');
    expect(server.state.requests).toHaveLength(0);
  });
});

describe('TikTok batching', () => {
  it('sends at most max_batch_size rows per request', async () => {
    const server = await imitation();
    const destination = await openTikTok(server, { max_batch_size: 100 });
    const outcomes = await destination.write(emails(250));

    expect(destination.capabilities.maxBatchSize).toBe(100);
    expect(outcomes.every((outcome) => outcome.status === 'accepted')).toBe(true);
    expect(server.state.uploads.map((upload) => upload.rows)).toEqual([100, 100, 50]);
    expect(server.state.requests).toHaveLength(Math.ceil(250 / 100));
  });

  it('splits a batch TikTok calls too large', async () => {
    const server = await imitation({ maxBatchSize: 2 });
    const destination = await openTikTok(server, { max_batch_size: 4 });
    const outcomes = await destination.write(emails(4));

    expect(statuses(outcomes)).toEqual(Array(4).fill('accepted'));
    expect(server.state.uploads.map((upload) => upload.rows)).toEqual([2, 2]);
  });
});

describe('TikTok throttling', () => {
  it('retries code 40100 sent with HTTP 200', async () => {
    const server = await imitation();
    server.throttle(2);
    const destination = await openTikTok(server);
    const outcomes = await destination.write(emails(3));

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(server.state.requests).toHaveLength(3);
    expect(server.state.uploads).toHaveLength(1);
  });

  it('returns rows for later when throttling persists', async () => {
    const server = await imitation();
    server.throttle(3);
    const destination = await openTikTok(server, { max_attempts: 3 });
    const outcomes = await destination.write(emails(2));

    expect(statuses(outcomes)).toEqual(['retry', 'retry']);
    expect(reasonOf(outcomes[0])).toContain('40100');
    expect(server.state.uploads).toHaveLength(0);
  });
});

describe('TikTok errors in HTTP 200', () => {
  it('finds the row behind a non-zero code', async () => {
    const server = await imitation();
    server.markInvalid(sha256('user2@example.com'));
    const destination = await openTikTok(server);
    const outcomes = await destination.write(emails(5));

    expect(statuses(outcomes)).toEqual([
      'accepted',
      'accepted',
      'rejected',
      'accepted',
      'accepted',
    ]);
    expect(reasonOf(outcomes[2])).toBe(
      'TikTok rejected the request: HTTP 200, code 40002: batch_data[0]: id is invalid',
    );
    expect(server.state.audiences.members(AUDIENCE)).toHaveLength(4);
  });

  it('rejects a row with no valid identifier alone', async () => {
    const server = await imitation();
    const destination = await openTikTok(server);
    const outcomes = await destination.write(
      adds([
        { phone: '+1 202 555 0143' },
        { phone: '+0000000000' },
        { email: 'li.wei@example.com' },
      ]),
    );

    expect(statuses(outcomes)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(reasonOf(outcomes[1])).toBe('no identifier to add: phone is not a valid phone number');
    expect(server.state.requests).toHaveLength(1);
  });

  it('stops searching when every part fails alike', async () => {
    const server = await imitation({ advertiserIds: ['1'] });
    const destination = await openTikTok(server);
    const outcomes = await destination.write(emails(40));
    const later = await destination.write(emails(5));

    expect(statuses(outcomes)).toEqual(Array(40).fill('rejected'));
    expect(reasonOf(outcomes[0])).toContain('code 40002: No permission to operate advertiser');
    expect(reasonOf(outcomes[0])).toContain('the request, not a row, is the likely cause');
    expect(statuses(later)).toEqual(Array(5).fill('rejected'));
    expect(server.state.requests).toHaveLength(7 + 1);
  });

  it('fails the call on an invalid token without showing it', async () => {
    const server = await imitation({ accessToken: 'another-token' });
    const context = testContext();
    const destination = await openTikTok(server, {}, {}, context);

    const error = await destination.write(emails(1)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DestinationError);
    expect((error as Error).message).toContain('code 40105');
    expect((error as Error).message).not.toContain(TOKEN);
    expect(JSON.stringify(context.logger.events)).not.toContain(TOKEN);
  });
});

describe('TikTok config', () => {
  it('fills defaults', () => {
    const account = tiktokDestinationType.accountSchema.parse({
      type: 'tiktok_audience',
      access_token: TOKEN,
    });
    expect(account).toMatchObject({
      base_url: 'https://business-api.tiktok.com',
      api_version: 'v1.3',
      max_batch_size: 1_000,
    });
  });

  it('rejects a batch size above 10,000', () => {
    const result = tiktokDestinationType.accountSchema.safeParse({
      type: 'tiktok_audience',
      access_token: TOKEN,
      max_batch_size: 10_001,
    });
    expect(result.success).toBe(false);
  });
});
