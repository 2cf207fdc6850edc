import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DestinationError } from '../../../src/core/errors.js';
import type { Row } from '../../../src/core/values.js';
import type {
  ChangeRecord,
  Destination,
  RowOutcome,
} from '../../../src/destinations/destination.js';
import { metaDestinationType } from '../../../src/destinations/meta/index.js';
import { type MetaImitation, startMetaImitation } from '../../../src/imitations/meta.js';
import { changeRecord, testContext } from '../change-records.js';

const TOKEN = 'EAAB-meta-test-token-0123456789';
const AUDIENCE = '23850000000000001';
const imitations: MetaImitation[] = [];
const destinations: Destination[] = [];

afterEach(async () => {
  await Promise.all(destinations.splice(0).map((destination) => destination.close()));
  await Promise.all(imitations.splice(0).map((imitation) => imitation.close()));
});

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

async function imitation(options: Parameters<typeof startMetaImitation>[0] = {}) {
  const started = await startMetaImitation({ accessToken: TOKEN, ...options });
  imitations.push(started);
  return started;
}

async function openMeta(
  server: MetaImitation,
  account: Record<string, unknown> = {},
  options: Record<string, unknown> = {},
  context = testContext(),
): Promise<Destination> {
  const parsedAccount = metaDestinationType.accountSchema.parse({
    type: 'meta_custom_audience',
    access_token: TOKEN,
    base_url: server.url,
    max_retry_wait_ms: 50,
    ...account,
  });
  const parsedOptions = metaDestinationType.syncSchema.parse({ audience_id: AUDIENCE, ...options });
  const destination = await metaDestinationType.open(parsedAccount, parsedOptions, context);
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

interface SentBody {
  payload: { schema: string[]; data: string[][]; is_raw: boolean };
  session: { session_id: number; batch_seq: number; last_batch_flag: boolean };
}

function sentBodies(server: MetaImitation): SentBody[] {
  return server.state.requests.map((request) => JSON.parse(request.body) as SentBody);
}

describe('Meta audience adds', () => {
  it('posts hashed rows to the audience', async () => {
    const server = await imitation();
    const destination = await openMeta(server);
    const outcomes = await destination.write(
      adds([{ email: ' Li.Wei@Example.com ', phone: '+1 (202) 555-0143' }]),
    );

    expect(statuses(outcomes)).toEqual(['accepted']);
    const request = server.state.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.url.pathname).toBe(`/v25.0/${AUDIENCE}/users`);
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request.url.search).toBe('');
    const body = sentBodies(server)[0]!;
    expect(body.payload.schema).toEqual(['EMAIL', 'PHONE']);
    expect(body.payload.data).toEqual([[sha256('li.wei@example.com'), sha256('12025550143')]]);
    expect(body.session).toMatchObject({ batch_seq: 1, last_batch_flag: true });
    expect(server.state.audiences.members(AUDIENCE)).toEqual(
      [`EMAIL:${sha256('li.wei@example.com')}`, `PHONE:${sha256('12025550143')}`].sort(),
    );
  });

  it('fills keys a row lacks with empty strings', async () => {
    const server = await imitation();
    const destination = await openMeta(server);
    await destination.write(adds([{ email: 'a@example.com' }, { phone: '+44 20 7183 8750' }]));

    const body = sentBodies(server)[0]!;
    expect(body.payload.schema).toEqual(['EMAIL', 'PHONE']);
    expect(body.payload.data).toEqual([
      [sha256('a@example.com'), ''],
      ['', sha256('442071838750')],
    ]);
  });

  it('treats upsert like add for mirror syncs', async () => {
    const server = await imitation();
    const destination = await openMeta(server);
    const outcomes = await destination.write([
      changeRecord('u1', 'upsert', { email: 'a@example.com' }),
      changeRecord('u2', 'send', { email: 'b@example.com' }),
    ]);

    expect(outcomes[0]).toEqual({ status: 'accepted' });
    expect(outcomes[1]).toEqual({
      status: 'rejected',
      reason:
        'Meta custom audience does not support the operation "send"; ' +
        'use sync mode audience or mirror',
    });
  });

  it('signs requests with appsecret_proof when given an app secret', async () => {
    const server = await imitation({ appSecret: 'app-secret-0123' });
    const destination = await openMeta(server, { app_secret: 'app-secret-0123' });

    expect(statuses(await destination.write(emails(2)))).toEqual(['accepted', 'accepted']);
  });
});

describe('Meta audience removals', () => {
  it('removes the identifiers last sent', async () => {
    const server = await imitation();
    const destination = await openMeta(server);
    await destination.write(
      adds([{ email: 'r.diaz@example.com' }, { email: 'k.mensah@example.com' }]),
    );
    const outcomes = await destination.write([
      changeRecord('u1', 'remove', null, { email: 'r.diaz@example.com' }),
    ]);

    expect(outcomes).toEqual([{ status: 'accepted' }]);
    const removal = server.state.requests[1]!;
    expect(removal.method).toBe('DELETE');
    expect(JSON.parse(removal.body).payload.data).toEqual([[sha256('r.diaz@example.com')]]);
    expect(server.state.audiences.members(AUDIENCE)).toEqual([
      `EMAIL:${sha256('k.mensah@example.com')}`,
    ]);
  });

  it('rejects a removal whose identifiers are unknown', async () => {
    const server = await imitation();
    const destination = await openMeta(server);
    const outcomes = await destination.write([
      changeRecord('u1', 'remove', null, null),
      changeRecord('u2', 'delete', null, { email: null }),
    ]);

    expect(outcomes[0]?.status).toBe('rejected');
    expect(reasonOf(outcomes[0])).toContain('the identifiers last sent for this row are unknown');
    expect(outcomes[1]).toEqual({
      status: 'rejected',
      reason: 'no identifier to remove: every identifier field is empty',
    });
    expect(server.state.requests).toHaveLength(0);
  });

  it('sends removals before adds', async () => {
    const server = await imitation();
    const destination = await openMeta(server);
    await destination.write([
      changeRecord('u2', 'add', { email: 'a@example.com' }),
      changeRecord('u1', 'remove', null, { email: 'a@example.com' }),
    ]);

    expect(server.state.requests.map((request) => request.method)).toEqual(['DELETE', 'POST']);
    expect(server.state.audiences.members(AUDIENCE)).toEqual([`EMAIL:${sha256('a@example.com')}`]);
  });
});

describe('Meta batching', () => {
  it('sends at most 10,000 rows per request', async () => {
    const server = await imitation();
    const destination = await openMeta(server);
    const outcomes = await destination.write(emails(25_001));

    expect(destination.capabilities.maxBatchSize).toBe(10_000);
    expect(outcomes.every((outcome) => outcome.status === 'accepted')).toBe(true);
    expect(server.state.uploads.map((upload) => upload.rows)).toEqual([10_000, 10_000, 5_001]);
    expect(server.state.requests).toHaveLength(Math.ceil(25_001 / 10_000));
  });

  it('declares audience operations and idempotent writes', async () => {
    const server = await imitation();
    const destination = await openMeta(server, { max_concurrency: 3, max_requests_per_second: 2 });

    expect(destination.capabilities).toEqual({
      operations: ['add', 'remove', 'upsert', 'delete'],
      maxBatchSize: 10_000,
      maxRequestsPerSecond: 2,
      maxConcurrency: 3,
      idempotent: true,
    });
  });
});

describe('Meta throttling', () => {
  it.each([17, 613, 80_003, 4])('retries error code %i on HTTP 400', async (code) => {
    const server = await imitation();
    server.throttle(2, { code });
    const destination = await openMeta(server);
    const outcomes = await destination.write(emails(3));

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(server.state.requests).toHaveLength(3);
    expect(server.state.uploads).toHaveLength(1);
  });

  it('returns rows for later when Meta asks for a long wait', async () => {
    const server = await imitation();
    server.throttle(1, { regainAccessMinutes: 5 });
    const destination = await openMeta(server, { max_retry_wait_ms: 1_000 });
    const outcomes = await destination.write(emails(2));

    expect(statuses(outcomes)).toEqual(['retry', 'retry']);
    expect(outcomes[0]).toMatchObject({ retryAfterMs: 300_000 });
    expect(reasonOf(outcomes[0])).toContain('User request limit reached');
    expect(server.state.requests).toHaveLength(1);
  });

  it('returns rows for later after the attempts run out', async () => {
    const server = await imitation();
    server.throttle(3);
    const destination = await openMeta(server, { max_attempts: 3 });
    const outcomes = await destination.write(emails(2));

    expect(statuses(outcomes)).toEqual(['retry', 'retry']);
    expect(reasonOf(outcomes[0])).toContain('gave up after 3 attempts');
    expect(server.state.uploads).toHaveLength(0);
  });

  it('retries a transient error', async () => {
    const server = await imitation();
    server.failNext({
      status: 500,
      code: 2,
      message: 'Service temporarily unavailable',
      isTransient: true,
    });
    const destination = await openMeta(server);

    expect(statuses(await destination.write(emails(1)))).toEqual(['accepted']);
    expect(server.state.requests).toHaveLength(2);
  });
});

describe('Meta invalid entries', () => {
  it('rejects a row Meta names as invalid', async () => {
    const server = await imitation();
    server.markInvalid(sha256('user1@example.com'), 'Invalid email hash');
    const destination = await openMeta(server);
    const outcomes = await destination.write(emails(3));

    expect(outcomes).toEqual([
      { status: 'accepted' },
      {
        status: 'rejected',
        reason: 'Meta counted the row as an invalid entry: Invalid email hash',
      },
      { status: 'accepted' },
    ]);
    expect(server.state.requests).toHaveLength(1);
  });

  it('finds unnamed invalid rows by resending halves', async () => {
    const server = await imitation();
    server.includeSamples = false;
    server.markInvalid(sha256('user5@example.com'));
    const destination = await openMeta(server);
    const outcomes = await destination.write(emails(8));

    const rejected = outcomes.flatMap((outcome, index) =>
      outcome.status === 'rejected' ? [index] : [],
    );
    expect(rejected).toEqual([5]);
    expect(statuses(outcomes).filter((status) => status === 'accepted')).toHaveLength(7);
    expect(server.state.requests.length).toBeGreaterThan(1);
    expect(server.state.audiences.members(AUDIENCE)).toHaveLength(7);
  });

  it('rejects a row with no valid identifier alone', async () => {
    const server = await imitation();
    const context = testContext();
    const destination = await openMeta(server, {}, {}, context);
    const outcomes = await destination.write([
      changeRecord('u1', 'add', { phone: '+1 202 555 0143' }),
      changeRecord('u2', 'add', { phone: '+0000000000' }),
      changeRecord('u3', 'add', { email: 'li.wei@example.com' }),
    ]);

    expect(outcomes).toEqual([
      { status: 'accepted' },
      { status: 'rejected', reason: 'no identifier to add: phone is not a valid phone number' },
      { status: 'accepted' },
    ]);
    expect(server.state.audiences.members(AUDIENCE)).toEqual(
      [`PHONE:${sha256('12025550143')}`, `EMAIL:${sha256('li.wei@example.com')}`].sort(),
    );
    const dropped = context.logger.events.find(
      (event) => event.event === 'destination.identifier_dropped',
    );
    expect(dropped?.fields).toMatchObject({ reason: 'phone is not a valid phone number', rows: 1 });
    expect(JSON.stringify(context.logger.events)).not.toContain('+0000000000');
  });

  it('names unmapped fields when a row has no identifier', async () => {
    const server = await imitation();
    const destination = await openMeta(server);
    const outcomes = await destination.write(adds([{ emial: 'a@example.com' }]));

    expect(outcomes).toEqual([
      {
        status: 'rejected',
        reason:
          'no identifier to add: no identifier field is mapped; unrecognised fields ignored: emial',
      },
    ]);
  });
});

describe('Meta request failures', () => {
  it('fails the call on a bad token without showing it', async () => {
    const server = await imitation({ accessToken: 'a-different-token' });
    const context = testContext();
    const destination = await openMeta(server, {}, {}, context);

    const error = await destination.write(emails(1)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DestinationError);
    const message = (error as DestinationError).message;
    expect(message).toContain('code 190');
    expect(message).toContain('check access_token');
    expect(message).not.toContain(TOKEN);
    expect((error as DestinationError).retryable).toBe(false);
    expect(JSON.stringify(context.logger.events)).not.toContain(TOKEN);
  });

  it('redacts a token Meta echoes back', async () => {
    const server = await imitation();
    server.failNext({ status: 400, code: 190, message: `Token ${TOKEN} has expired` });
    const destination = await openMeta(server);

    const error = await destination.write(emails(1)).catch((caught: unknown) => caught);
    expect((error as Error).message).toContain('Token [redacted] has expired');
    expect((error as Error).message).not.toContain(TOKEN);
  });

  it('fails the call for an audience that does not exist', async () => {
    const server = await imitation({ audienceIds: ['1'] });
    const destination = await openMeta(server);

    await expect(destination.write(emails(1))).rejects.toThrow(
      new RegExp(`custom audience ${AUDIENCE} \\(HTTP 400, code 100, subcode 33`),
    );
  });

  it('rejects every row when each part of the batch fails alike', async () => {
    const server = await imitation();
    const fault = { status: 400, code: 100, message: 'Invalid parameter' };
    for (let i = 0; i < 7; i += 1) server.failNext(fault);
    const destination = await openMeta(server);
    const outcomes = await destination.write(emails(40));

    expect(statuses(outcomes)).toEqual(Array(40).fill('rejected'));
    expect(reasonOf(outcomes[0])).toBe(
      'Meta rejected the request: HTTP 400, code 100: Invalid parameter (every part of the ' +
        'batch tried failed the same way, so the request, not a row, is the likely cause)',
    );
    expect(server.state.requests).toHaveLength(7);
  });
});

describe('Meta config', () => {
  it('fills defaults', () => {
    const account = metaDestinationType.accountSchema.parse({
      type: 'meta_custom_audience',
      access_token: TOKEN,
    });
    expect(account).toMatchObject({
      base_url: 'https://graph.facebook.com',
      api_version: 'v25.0',
      max_concurrency: 2,
      max_attempts: 5,
    });
  });

  it.each([
    [{ audience_id: 'my-audience' }, 'numeric ID'],
    [{ audience_id: '1', default_country: 'XX' }, 'ISO 3166-1'],
    [{ audience_id: '1', unknown: true }, 'unknown'],
  ])('rejects invalid sync options %#', (input, text) => {
    const result = metaDestinationType.syncSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(text);
  });

  it('stores default_country in upper case', () => {
    const options = metaDestinationType.syncSchema.parse({
      audience_id: '1',
      default_country: 'gb',
    });
    expect(options.default_country).toBe('GB');
  });
});

describe('Meta audience full refresh', () => {
  const fullRun = () => testContext({ fullRefresh: true });

  function removal(key: string, email: string): ChangeRecord {
    return changeRecord(key, 'remove', null, { email });
  }

  async function seeded(emailsInAudience: string[]) {
    const server = await imitation();
    const seeding = await openMeta(server);
    await seeding.write(adds(emailsInAudience.map((email) => ({ email }))));
    server.state.requests.length = 0;
    return server;
  }

  it('replaces the audience in one session', async () => {
    const server = await seeded(['left@example.com']);
    const destination = await openMeta(server, {}, {}, fullRun());
    const first = await destination.write(adds([{ email: 'a@example.com' }, { email: 'b@example.com' }]));
    const second = await destination.write([changeRecord('u3', 'add', { email: 'c@example.com' })]);

    expect(statuses([...first, ...second])).toEqual(['accepted', 'accepted', 'accepted']);
    // Nothing changes until the session ends.
    expect(server.state.audiences.has(AUDIENCE, `EMAIL:${sha256('left@example.com')}`)).toBe(true);

    await destination.flush!();
    expect(server.state.audiences.members(AUDIENCE)).toEqual(
      ['a@example.com', 'b@example.com', 'c@example.com'].map((email) => `EMAIL:${sha256(email)}`).sort(),
    );
    const paths = server.state.requests.map((request) => `${request.method} ${request.url.pathname}`);
    expect(paths).toEqual(Array.from({ length: 3 }, () => `POST /v25.0/${AUDIENCE}/usersreplace`));
    const sessions = sentBodies(server).map((body) => body.session);
    expect(new Set(sessions.map((session) => session.session_id)).size).toBe(1);
    expect(sessions.map((session) => session.batch_seq)).toEqual([1, 2, 3]);
    expect(sessions.map((session) => session.last_batch_flag)).toEqual([false, false, true]);
  });

  it('removes before the replace opens', async () => {
    const server = await seeded(['left@example.com']);
    const destination = await openMeta(server, {}, {}, fullRun());
    const removed = await destination.write([removal('u9', 'left@example.com')]);
    await destination.write(adds([{ email: 'a@example.com' }]));
    await destination.flush!();

    expect(statuses(removed)).toEqual(['accepted']);
    expect(server.state.requests.map((request) => request.method)).toEqual(['DELETE', 'POST', 'POST']);
    expect(server.state.audiences.members(AUDIENCE)).toEqual([`EMAIL:${sha256('a@example.com')}`]);
  });

  it('leaves the audience alone when a batch fails', async () => {
    const server = await seeded(['left@example.com']);
    const destination = await openMeta(server, { max_attempts: 2 }, {}, fullRun());
    await destination.write(adds([{ email: 'a@example.com' }]));
    server.throttle(2);
    const throttled = await destination.write([changeRecord('u2', 'add', { email: 'b@example.com' })]);

    expect(statuses(throttled)).toEqual(['retry']);
    await expect(destination.flush!()).rejects.toThrow(
      /replace of custom audience \d+ was not finished, because 1 rows were not confirmed/,
    );
    expect(sentBodies(server).some((body) => body.session.last_batch_flag)).toBe(false);
    expect(server.state.audiences.members(AUDIENCE)).toEqual([`EMAIL:${sha256('left@example.com')}`]);
  });

  it('finishes after a retried batch is confirmed', async () => {
    const server = await seeded(['left@example.com']);
    const destination = await openMeta(server, { max_attempts: 1 }, {}, fullRun());
    server.throttle(1);
    const record = changeRecord('u1', 'add', { email: 'a@example.com' });
    expect(statuses(await destination.write([record]))).toEqual(['retry']);
    expect(statuses(await destination.write([record]))).toEqual(['accepted']);

    await destination.flush!();
    expect(server.state.audiences.members(AUDIENCE)).toEqual([`EMAIL:${sha256('a@example.com')}`]);
  });

  it('does not finish an interrupted replace', async () => {
    const server = await seeded(['left@example.com']);
    const controller = new AbortController();
    const destination = await openMeta(server, {}, {}, testContext({ fullRefresh: true, signal: controller.signal }));
    await destination.write(adds([{ email: 'a@example.com' }]));
    controller.abort();

    await expect(destination.flush!()).rejects.toThrow(/the run was interrupted/);
    expect(server.state.audiences.members(AUDIENCE)).toEqual([`EMAIL:${sha256('left@example.com')}`]);
  });

  it('sends replace batches one at a time', async () => {
    const server = await imitation();
    const replacing = await openMeta(server, {}, {}, fullRun());
    const adding = await openMeta(server, {}, { full_refresh: 'add' }, fullRun());

    expect(replacing.capabilities.maxConcurrency).toBe(1);
    expect(adding.capabilities.maxConcurrency).toBe(2);
  });

  it('adds as usual with full_refresh add', async () => {
    const server = await seeded(['left@example.com']);
    const destination = await openMeta(server, {}, { full_refresh: 'add' }, fullRun());
    await destination.write(adds([{ email: 'a@example.com' }]));
    await destination.flush?.();

    expect(server.state.requests.map((request) => request.url.pathname)).toEqual([`/v25.0/${AUDIENCE}/users`]);
    expect(server.state.audiences.members(AUDIENCE)).toHaveLength(2);
  });
});
