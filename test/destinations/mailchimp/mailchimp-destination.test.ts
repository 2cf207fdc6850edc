import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DestinationError } from '../../../src/core/errors.js';
import type { Destination, RowOutcome } from '../../../src/destinations/destination.js';
import { mailchimpDestinationType } from '../../../src/destinations/mailchimp/index.js';
import {
  MAILCHIMP_IMITATION_API_KEY,
  type MailchimpImitation,
  type MailchimpImitationOptions,
  startMailchimpImitation,
} from '../../../src/imitations/mailchimp.js';
import { changeRecord, testContext, upserts } from '../change-records.js';

const LIST_ID = 'sluice-demo';
const imitations: MailchimpImitation[] = [];
const destinations: Destination[] = [];

afterEach(async () => {
  await Promise.all(destinations.splice(0).map((destination) => destination.close()));
  await Promise.all(imitations.splice(0).map((imitation) => imitation.close()));
});

async function imitation(options: MailchimpImitationOptions = {}): Promise<MailchimpImitation> {
  const started = await startMailchimpImitation(options);
  imitations.push(started);
  return started;
}

async function openMailchimp(
  server: MailchimpImitation,
  account: Record<string, unknown> = {},
  options: Record<string, unknown> = {},
  context = testContext(),
): Promise<Destination> {
  const parsedAccount = mailchimpDestinationType.accountSchema.parse({
    type: 'mailchimp',
    api_key: MAILCHIMP_IMITATION_API_KEY,
    base_url: server.url,
    max_retry_wait_ms: 200,
    ...account,
  });
  const parsedOptions = mailchimpDestinationType.syncSchema.parse({
    list_id: LIST_ID,
    status: 'subscribed',
    ...options,
  });
  const destination = await mailchimpDestinationType.open(parsedAccount, parsedOptions, context);
  destinations.push(destination);
  return destination;
}

function statuses(outcomes: RowOutcome[]): string[] {
  return outcomes.map((outcome) => outcome.status);
}

function reasonOf(outcome: RowOutcome | undefined): string {
  return outcome && 'reason' in outcome ? outcome.reason : '';
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

function subscribeRequests(server: MailchimpImitation) {
  return server.requests.filter(
    (request) => request.method === 'POST' && request.url.pathname === `/3.0/lists/${LIST_ID}`,
  );
}

describe('mailchimp batch subscribe', () => {
  it('subscribes members with merge fields', async () => {
    const server = await imitation();
    const destination = await openMailchimp(server);
    const outcomes = await destination.write([
      changeRecord('a', 'upsert', {
        email_address: 'ana@example.com',
        FNAME: 'Ana',
        tags: ['vip'],
      }),
      changeRecord('b', 'insert', { email: 'ben@example.com', status: 'pending' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted']);
    const ana = server.findMember(LIST_ID, 'ana@example.com');
    expect(ana?.merge_fields).toEqual({ FNAME: 'Ana' });
    expect(ana?.properties.tags).toEqual(['vip']);
    expect(ana?.status).toBe('subscribed');
    expect(server.findMember(LIST_ID, 'ben@example.com')?.status).toBe('pending');
    const body = subscribeRequests(server)[0]!.json as { update_existing: boolean };
    expect(body.update_existing).toBe(true);
    const authorization = String(subscribeRequests(server)[0]!.headers.authorization);
    expect(authorization).toMatch(/^Basic /);
  });

  it('sends one request per 500 members', async () => {
    const server = await imitation();
    const destination = await openMailchimp(server);
    const outcomes = await destination.write(upserts(1_001));

    expect(destination.capabilities.maxBatchSize).toBe(500);
    const sizes = subscribeRequests(server).map(
      (request) => (request.json as { members: unknown[] }).members.length,
    );
    expect(sizes).toEqual([500, 500, 1]);
    expect(outcomes.every((outcome) => outcome.status === 'accepted')).toBe(true);
    expect(server.state.lists.get(LIST_ID)?.size).toBe(1_001);
  });

  it('rejects only the members listed in errors', async () => {
    const server = await imitation();
    server.state.failingEmails.set('cy@example.com', 'cy@example.com has signed up too many times');
    const destination = await openMailchimp(server);
    const outcomes = await destination.write([
      changeRecord('a', 'upsert', { email: 'ana@example.com' }),
      changeRecord('b', 'upsert', { email: 'not-an-email' }),
      changeRecord('c', 'upsert', { email: 'cy@example.com' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'rejected', 'rejected']);
    expect(reasonOf(outcomes[1])).toContain('looks fake or invalid');
    expect(reasonOf(outcomes[1])).not.toContain('not-an-email');
    expect(reasonOf(outcomes[2])).toContain('[email] has signed up too many times');
    expect(subscribeRequests(server)).toHaveLength(1);
    expect(server.state.lists.get(LIST_ID)?.size).toBe(1);
  });

  it('rejects existing members without update_existing', async () => {
    const server = await imitation();
    const destination = await openMailchimp(server, {}, { update_existing: false });
    await destination.write([changeRecord('a', 'upsert', { email: 'ana@example.com' })]);
    const outcomes = await destination.write([
      changeRecord('a', 'upsert', { email: 'ana@example.com' }),
    ]);

    expect(reasonOf(outcomes[0])).toContain('ERROR_CONTACT_EXISTS');
  });

  it('rejects a row with an unknown status', async () => {
    const server = await imitation();
    const destination = await openMailchimp(server);
    const outcomes = await destination.write([
      changeRecord('a', 'upsert', { email: 'ana@example.com', status: 'active' }),
    ]);

    expect(statuses(outcomes)).toEqual(['rejected']);
    expect(reasonOf(outcomes[0])).toContain('status must be one of');
    expect(server.requests).toHaveLength(0);
  });

  it('fails the call for an unknown audience', async () => {
    const server = await imitation();
    const destination = await openMailchimp(server, {}, { list_id: 'missing' });

    await expect(destination.write(upserts(1))).rejects.toThrow(/destination_options.list_id/);
  });
});

describe('mailchimp email normalisation', () => {
  it('merges email variants into one member', async () => {
    const server = await imitation();
    const context = testContext();
    const destination = await openMailchimp(server, {}, {}, context);
    const outcomes = await destination.write([
      changeRecord('u1', 'upsert', { email: 'Ana.Reyes@Example.com' }),
      changeRecord('u2', 'upsert', { email: ' ana.reyes@example.com ' }),
    ]);

    expect(outcomes[0]).toEqual({ status: 'accepted' });
    expect(outcomes[1]?.status).toBe('rejected');
    expect(reasonOf(outcomes[1])).toContain('duplicate email');
    const members = (subscribeRequests(server)[0]!.json as { members: { email_address: string }[] })
      .members;
    expect(members.map((member) => member.email_address)).toEqual(['ana.reyes@example.com']);
    expect([...server.state.lists.get(LIST_ID)!.keys()]).toEqual([md5('ana.reyes@example.com')]);
    const warnings = context.logger.events.filter(
      (event) => event.event === 'destination.duplicate_identifier',
    );
    expect(warnings[0]?.fields).toMatchObject({ destination: 'mailchimp', rows: 1 });
  });

  it('updates one member for repeated mixed case', async () => {
    const server = await imitation();
    const destination = await openMailchimp(server, {}, { update_existing: false });
    const first = await destination.write([
      changeRecord('u1', 'upsert', { email: 'Ana.Reyes@Example.com' }),
    ]);
    expect(statuses(first)).toEqual(['accepted']);

    const updating = await openMailchimp(server);
    const second = await updating.write([
      changeRecord('u1', 'upsert', { email: 'Ana.Reyes@Example.com', FNAME: 'Ana' }),
    ]);
    expect(statuses(second)).toEqual(['accepted']);
    expect(server.state.lists.get(LIST_ID)?.size).toBe(1);
  });
});

describe('mailchimp removals', () => {
  it('archives by hash of lower-cased email', async () => {
    const server = await imitation();
    const destination = await openMailchimp(server);
    await destination.write([changeRecord('a', 'upsert', { email: 'ana.reyes@example.com' })]);
    const outcomes = await destination.write([
      changeRecord('a', 'delete', null, { email: ' Ana.Reyes@Example.com ' }),
      changeRecord('b', 'remove', null, { email_address: 'nobody@example.com' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted']);
    expect(server.findMember(LIST_ID, 'ana.reyes@example.com')?.archived).toBe(true);
    const archive = server.requests.find((request) => request.method === 'DELETE');
    expect(archive?.url.pathname).toBe(
      `/3.0/lists/${LIST_ID}/members/${md5('ana.reyes@example.com')}`,
    );
  });

  it('deletes permanently when configured', async () => {
    const server = await imitation();
    const destination = await openMailchimp(server, {}, { on_remove: 'delete_permanent' });
    await destination.write([changeRecord('a', 'upsert', { email: 'ana@example.com' })]);
    const outcomes = await destination.write([
      changeRecord('a', 'delete', null, { email: 'ana@example.com' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted']);
    expect(server.findMember(LIST_ID, 'ana@example.com')).toBeUndefined();
    const again = await destination.write([
      changeRecord('a', 'upsert', { email: 'ana@example.com' }),
    ]);
    expect(reasonOf(again[0])).toContain('permanently deleted');
  });

  it('archives the old address on email change', async () => {
    const server = await imitation();
    const destination = await openMailchimp(server);
    await destination.write([changeRecord('a', 'add', { email: 'old@example.com' })]);
    const outcomes = await destination.write([
      changeRecord('a', 'add', { email: 'new@example.com' }, { email: 'old@example.com' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted']);
    expect(server.findMember(LIST_ID, 'old@example.com')?.archived).toBe(true);
    expect(server.findMember(LIST_ID, 'new@example.com')?.archived).toBe(false);
  });

  it('fails removals for an unknown audience', async () => {
    const server = await imitation();
    const destination = await openMailchimp(server, {}, { list_id: 'missing' });
    const write = destination.write([
      changeRecord('a', 'delete', null, { email: 'a@example.com' }),
    ]);

    await expect(write).rejects.toThrow(DestinationError);
  });

  it('keeps 10 requests in flight per key', async () => {
    const server = await imitation({ latencyMs: 40 });
    const first = await openMailchimp(server, {}, {}, testContext({ syncName: 'first' }));
    const second = await openMailchimp(server, {}, {}, testContext({ syncName: 'second' }));
    const removals = (prefix: string) =>
      Array.from({ length: 30 }, (_unused, index) =>
        changeRecord(`${prefix}${index}`, 'delete', null, {
          email: `${prefix}${index}@example.com`,
        }),
      );

    const [a, b] = await Promise.all([first.write(removals('a')), second.write(removals('b'))]);

    expect(first.capabilities.maxConcurrency).toBe(10);
    expect([...a, ...b].every((outcome) => outcome.status === 'accepted')).toBe(true);
    expect(server.state.maxInFlight).toBeLessThanOrEqual(10);
    expect(server.state.maxInFlight).toBeGreaterThan(1);
  });
});

describe('mailchimp throttling', () => {
  it.each([429, 403] as const)('retries a bare %i without failing rows', async (status) => {
    const server = await imitation();
    server.throttle({ status });
    const context = testContext();
    const destination = await openMailchimp(server, {}, {}, context);
    const outcomes = await destination.write(upserts(2));

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted']);
    expect(subscribeRequests(server)).toHaveLength(2);
    const retries = context.logger.events.filter(
      (event) => event.event === 'destination.request_retrying',
    );
    expect(retries).toHaveLength(1);
    expect(String(retries[0]!.fields.error)).toBe(`HTTP ${status}`);
  });

  it('returns rows for later when throttling persists', async () => {
    const server = await imitation();
    server.throttle({ times: 3 });
    const destination = await openMailchimp(server, { max_attempts: 3, max_retry_wait_ms: 10 });
    const outcomes = await destination.write(upserts(1));

    expect(outcomes[0]?.status).toBe('retry');
    expect(reasonOf(outcomes[0])).toContain('gave up after 3 attempts');
  });
});

describe('mailchimp authentication', () => {
  it('fails the call without showing the key', async () => {
    const server = await imitation();
    const wrongKey = '0123456789abcdef0123456789abcdef-us1';
    const context = testContext();
    const destination = await openMailchimp(server, { api_key: wrongKey }, {}, context);

    const error = await destination.write(upserts(1)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DestinationError);
    expect((error as DestinationError).message).toContain('HTTP 401');
    expect((error as DestinationError).message).not.toContain(wrongKey);
    expect((error as DestinationError).retryable).toBe(false);
    expect(JSON.stringify(context.logger.events)).not.toContain(wrongKey);
  });
});

describe('mailchimp config', () => {
  it('derives the API root from the key', async () => {
    const account = mailchimpDestinationType.accountSchema.parse({
      type: 'mailchimp',
      api_key: 'abc-us6',
    });
    expect(account.base_url).toBeUndefined();
    expect(mailchimpDestinationType.accountKey(account)).toMatch(
      /^mailchimp:us6\.api\.mailchimp\.com:/,
    );
  });

  it('rejects key without data center', () => {
    const result = mailchimpDestinationType.accountSchema.safeParse({
      type: 'mailchimp',
      api_key: 'abc',
    });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('data center');
  });

  it('requires a status for new members', () => {
    const result = mailchimpDestinationType.syncSchema.safeParse({ list_id: 'x' });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('status');
  });

  it('caps max_concurrency at 10', () => {
    const result = mailchimpDestinationType.accountSchema.safeParse({
      type: 'mailchimp',
      api_key: 'abc-us6',
      max_concurrency: 11,
    });
    expect(result.success).toBe(false);
  });
});
