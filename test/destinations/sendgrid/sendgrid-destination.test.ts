import { afterEach, describe, expect, it } from 'vitest';
import { DestinationError } from '../../../src/core/errors.js';
import type { Row } from '../../../src/core/values.js';
import type { Destination, RowOutcome } from '../../../src/destinations/destination.js';
import { sendgridDestinationType } from '../../../src/destinations/sendgrid/index.js';
import {
  SENDGRID_IMITATION_API_KEY,
  type SendgridImitation,
  type SendgridImitationOptions,
  startSendgridImitation,
} from '../../../src/imitations/sendgrid.js';
import { changeRecord, testContext } from '../change-records.js';

const LIST_ID = 'sluice-demo-list';
const imitations: SendgridImitation[] = [];
const destinations: Destination[] = [];

afterEach(async () => {
  await Promise.all(destinations.splice(0).map((destination) => destination.close()));
  await Promise.all(imitations.splice(0).map((imitation) => imitation.close()));
});

async function imitation(options: SendgridImitationOptions = {}): Promise<SendgridImitation> {
  const started = await startSendgridImitation(options);
  imitations.push(started);
  return started;
}

async function openSendgrid(
  server: SendgridImitation,
  account: Record<string, unknown> = {},
  options: Record<string, unknown> = {},
  context = testContext(),
): Promise<Destination> {
  const parsedAccount = sendgridDestinationType.accountSchema.parse({
    type: 'sendgrid',
    api_key: SENDGRID_IMITATION_API_KEY,
    base_url: server.url,
    poll_interval_ms: 5,
    ...account,
  });
  const parsedOptions = sendgridDestinationType.syncSchema.parse(options);
  const destination = await sendgridDestinationType.open(parsedAccount, parsedOptions, context);
  destinations.push(destination);
  return destination;
}

function contacts(count: number, extra: Row = {}) {
  return Array.from({ length: count }, (_unused, index) =>
    changeRecord(`k${index + 1}`, 'upsert', { email: `user${index + 1}@example.com`, ...extra }),
  );
}

function statuses(outcomes: RowOutcome[]): string[] {
  return outcomes.map((outcome) => outcome.status);
}

function reasonOf(outcome: RowOutcome | undefined): string {
  return outcome && 'reason' in outcome ? outcome.reason : '';
}

function requestsTo(server: SendgridImitation, method: string, path: string) {
  return server.requests.filter(
    (request) => request.method === method && request.url.pathname === path,
  );
}

describe('sendgrid upsert', () => {
  it('upserts contacts and polls the job', async () => {
    const server = await imitation();
    const destination = await openSendgrid(server);
    const outcomes = await destination.write([
      changeRecord('a', 'upsert', { email: 'ana@example.com', first_name: 'Ana' }),
      changeRecord('b', 'update', { email: 'ben@example.com', postal_code: 12345 }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted']);
    expect(server.findContact('ana@example.com')?.fields.first_name).toBe('Ana');
    expect(server.findContact('ben@example.com')?.fields.postal_code).toBe('12345');
    const polls = server.requests.filter((request) => request.url.pathname.includes('/imports/'));
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect(requestsTo(server, 'PUT', '/v3/marketing/contacts')[0]!.headers.authorization).toBe(
      `Bearer ${SENDGRID_IMITATION_API_KEY}`,
    );
  });

  it('maps custom fields to their ids', async () => {
    const server = await imitation();
    const destination = await openSendgrid(server, {}, { custom_fields: { tier: 'w1' } });
    await destination.write([
      changeRecord('a', 'upsert', { email: 'ana@example.com', tier: 'gold' }),
    ]);

    expect(server.findContact('ana@example.com')?.custom_fields).toEqual({ w1: 'gold' });
  });

  it('sends one request per 30,000 rows', async () => {
    const server = await imitation();
    const destination = await openSendgrid(server);
    const outcomes = await destination.write(contacts(30_001));

    expect(destination.capabilities.maxBatchSize).toBe(30_000);
    const puts = requestsTo(server, 'PUT', '/v3/marketing/contacts');
    expect(puts).toHaveLength(2);
    expect((puts[0]!.json as { contacts: unknown[] }).contacts).toHaveLength(30_000);
    expect((puts[1]!.json as { contacts: unknown[] }).contacts).toHaveLength(1);
    expect(outcomes.every((outcome) => outcome.status === 'accepted')).toBe(true);
    expect(server.state.contacts.size).toBe(30_001);
  });

  it('splits requests at 6 MB', async () => {
    const server = await imitation();
    const destination = await openSendgrid(server);
    const outcomes = await destination.write(contacts(300, { address_line_1: 'x'.repeat(30_000) }));

    const puts = requestsTo(server, 'PUT', '/v3/marketing/contacts');
    expect(puts.length).toBe(2);
    expect(puts.every((request) => request.bodyBytes <= 6_000_000)).toBe(true);
    expect(statuses(outcomes).every((status) => status === 'accepted')).toBe(true);
  });
  it('defers rows of an unfinished job', async () => {
    const server = await imitation({ pendingPolls: 1_000 });
    const destination = await openSendgrid(server, { job_timeout_ms: 100 });
    const outcomes = await destination.write(contacts(2));

    expect(statuses(outcomes)).toEqual(['retry', 'retry']);
    expect(reasonOf(outcomes[0])).toMatch(/SendGrid job .+ had not finished after 100 ms/);
  });
});

describe('sendgrid per-row errors', () => {
  it('rejects only contacts in errors file', async () => {
    const server = await imitation();
    server.state.failingEmails.set('ben@example.com', 'contact is on a suppression list');
    const destination = await openSendgrid(server);
    const outcomes = await destination.write([
      changeRecord('a', 'upsert', { email: 'ana@example.com' }),
      changeRecord('b', 'upsert', { email: 'ben@example.com' }),
      changeRecord('c', 'upsert', { email: 'not-an-email' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'rejected', 'rejected']);
    expect(reasonOf(outcomes[1])).toContain('contact is on a suppression list');
    expect(reasonOf(outcomes[2])).toContain('not a valid email address');
    expect(reasonOf(outcomes[2])).not.toContain('not-an-email');
    expect(server.state.contacts.size).toBe(1);
    expect(server.requests.some((request) => request.url.pathname.endsWith('.csv'))).toBe(true);
  });

  it('rejects every row of a failed job', async () => {
    const server = await imitation();
    const destination = await openSendgrid(server);
    const outcomes = await destination.write([
      changeRecord('a', 'upsert', { email: 'bad-one' }),
      changeRecord('b', 'upsert', { email: 'bad-two' }),
    ]);

    expect(statuses(outcomes)).toEqual(['rejected', 'rejected']);
    expect(reasonOf(outcomes[0])).toContain('failed job');
  });

  it('resends rest after a contact 400', async () => {
    const server = await imitation();
    const destination = await openSendgrid(server, {}, { custom_fields: { tier: 'w9' } });
    const outcomes = await destination.write([
      changeRecord('a', 'upsert', { email: 'ana@example.com' }),
      changeRecord('b', 'upsert', { email: 'ben@example.com', tier: 'gold' }),
      changeRecord('c', 'upsert', { email: 'cy@example.com' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(reasonOf(outcomes[1])).toContain('custom_fields.w9');
    expect(requestsTo(server, 'PUT', '/v3/marketing/contacts')).toHaveLength(2);
    expect(server.state.contacts.size).toBe(2);
  });

  it('rejects an invalid phone before sending', async () => {
    const server = await imitation();
    const destination = await openSendgrid(server, {}, { default_phone_country: 'US' });
    const outcomes = await destination.write([
      changeRecord('a', 'upsert', { email: 'ana@example.com', phone_number_id: '(415) 555-0123' }),
      changeRecord('b', 'upsert', { email: 'ben@example.com', phone_number_id: '12' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'rejected']);
    expect(reasonOf(outcomes[1])).toBe('phone_number_id is not a valid phone number');
    expect(server.findContact('ana@example.com')?.phone_number_id).toBe('+14155550123');
  });

  it('rejects a row without email', async () => {
    const server = await imitation();
    const destination = await openSendgrid(server);
    const outcomes = await destination.write([changeRecord('a', 'upsert', { first_name: 'Ana' })]);

    expect(statuses(outcomes)).toEqual(['rejected']);
    expect(server.requests).toHaveLength(0);
  });

  it('fails the call for an unmapped field', async () => {
    const server = await imitation();
    const destination = await openSendgrid(server);
    const write = destination.write([
      changeRecord('a', 'upsert', { email: 'a@example.com', tier: 1 }),
    ]);

    await expect(write).rejects.toThrow(DestinationError);
    await expect(write).rejects.toThrow(/destination_options.custom_fields/);
  });
});

describe('sendgrid email normalisation', () => {
  it('merges email variants into one contact', async () => {
    const server = await imitation();
    const context = testContext();
    const destination = await openSendgrid(server, {}, {}, context);
    const outcomes = await destination.write([
      changeRecord('u1', 'upsert', { email: 'Ana.Reyes@Example.com' }),
      changeRecord('u2', 'upsert', { email: ' ana.reyes@example.com ' }),
    ]);

    expect(outcomes[0]).toEqual({ status: 'accepted' });
    expect(outcomes[1]?.status).toBe('rejected');
    expect(reasonOf(outcomes[1])).toContain('duplicate email');
    expect(reasonOf(outcomes[1])).toContain('"u1"');
    expect(server.state.contacts.size).toBe(1);
    expect(server.findContact('ana.reyes@example.com')?.email).toBe('ana.reyes@example.com');
    const sent = (
      requestsTo(server, 'PUT', '/v3/marketing/contacts')[0]!.json as {
        contacts: { email: string }[];
      }
    ).contacts;
    expect(sent).toEqual([{ email: 'ana.reyes@example.com' }]);
    const warnings = context.logger.events.filter(
      (event) => event.event === 'destination.duplicate_identifier',
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.fields).toMatchObject({ destination: 'sendgrid', rows: 1 });
  });

  it('updates one contact across writes', async () => {
    const server = await imitation();
    const destination = await openSendgrid(server);
    await destination.write([changeRecord('u1', 'upsert', { email: 'Ana.Reyes@Example.com' })]);
    await destination.write([changeRecord('u2', 'upsert', { email: ' ana.reyes@example.com ' })]);

    expect(server.state.contacts.size).toBe(1);
  });
});

describe('sendgrid removals', () => {
  it('deletes contacts found by their previous email', async () => {
    const server = await imitation();
    const destination = await openSendgrid(server);
    await destination.write(contacts(3));
    const outcomes = await destination.write([
      changeRecord('k1', 'delete', null, { email: 'USER1@example.com' }),
      changeRecord('k9', 'delete', null, { email: 'nobody@example.com' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted']);
    expect(server.findContact('user1@example.com')).toBeUndefined();
    expect(server.state.contacts.size).toBe(2);
    const deletes = requestsTo(server, 'DELETE', '/v3/marketing/contacts');
    expect(deletes).toHaveLength(1);
    expect(deletes[0]!.url.searchParams.get('ids')?.split(',')).toHaveLength(1);
  });

  it('accepts deletes when no contact matches', async () => {
    const server = await imitation();
    const destination = await openSendgrid(server);
    const outcomes = await destination.write([
      changeRecord('k1', 'delete', null, { email: 'nobody@example.com' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted']);
    expect(requestsTo(server, 'DELETE', '/v3/marketing/contacts')).toHaveLength(0);
  });

  it('searches at most 100 emails per request', async () => {
    const server = await imitation();
    const destination = await openSendgrid(server);
    const removals = Array.from({ length: 250 }, (_unused, index) =>
      changeRecord(`k${index}`, 'delete', null, { email: `user${index}@example.com` }),
    );
    await destination.write(removals);

    const searches = requestsTo(server, 'POST', '/v3/marketing/contacts/search/emails');
    expect(searches).toHaveLength(3);
    expect((searches[0]!.json as { emails: string[] }).emails).toHaveLength(100);
  });

  it('rejects only the invalid search address', async () => {
    const server = await imitation();
    const destination = await openSendgrid(server);
    await destination.write(contacts(4));
    const outcomes = await destination.write([
      changeRecord('k1', 'delete', null, { email: 'user1@example.com' }),
      changeRecord('k2', 'delete', null, { email: 'user2@example.com' }),
      changeRecord('k3', 'delete', null, { email: 'bad@@address' }),
      changeRecord('k4', 'delete', null, { email: 'user4@example.com' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted', 'rejected', 'accepted']);
    expect(server.state.contacts.size).toBe(1);
    expect(server.findContact('user3@example.com')).toBeDefined();
  });

  it('rejects a removal without a previous email', async () => {
    const server = await imitation();
    const destination = await openSendgrid(server);
    const outcomes = await destination.write([changeRecord('k1', 'delete', null, null)]);

    expect(statuses(outcomes)).toEqual(['rejected']);
    expect(reasonOf(outcomes[0])).toContain('no email');
  });
});

describe('sendgrid list membership', () => {
  it('adds to and removes from the lists', async () => {
    const server = await imitation();
    const destination = await openSendgrid(server, {}, { list_ids: [LIST_ID] });
    const added = await destination.write([
      changeRecord('a', 'add', { email: 'ana@example.com' }),
      changeRecord('b', 'add', { email: 'ben@example.com' }),
    ]);
    expect(statuses(added)).toEqual(['accepted', 'accepted']);
    expect(server.state.lists.get(LIST_ID)?.size).toBe(2);

    const removed = await destination.write([
      changeRecord('a', 'remove', null, { email: 'ana@example.com' }),
    ]);
    expect(statuses(removed)).toEqual(['accepted']);
    expect(server.state.lists.get(LIST_ID)?.size).toBe(1);
    expect(server.findContact('ana@example.com')?.list_ids.size).toBe(0);
    expect(server.state.contacts.size).toBe(2);
  });

  it('takes a changed email off the lists', async () => {
    const server = await imitation();
    const destination = await openSendgrid(server, {}, { list_ids: [LIST_ID] });
    await destination.write([changeRecord('a', 'add', { email: 'old@example.com' })]);
    const outcomes = await destination.write([
      changeRecord('a', 'add', { email: 'new@example.com' }, { email: 'old@example.com' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted']);
    const members = [...server.state.lists.get(LIST_ID)!];
    expect(members.map((id) => server.state.contacts.get(id)?.email)).toEqual(['new@example.com']);
  });

  it('fails the call without list_ids', async () => {
    const server = await imitation();
    const destination = await openSendgrid(server);
    const write = destination.write([changeRecord('a', 'add', { email: 'ana@example.com' })]);

    await expect(write).rejects.toThrow(/destination_options.list_ids/);
  });

  it('fails the call for an unknown list', async () => {
    const server = await imitation();
    const destination = await openSendgrid(server, {}, { list_ids: ['no-such-list'] });
    const write = destination.write([changeRecord('a', 'add', { email: 'ana@example.com' })]);

    await expect(write).rejects.toThrow(DestinationError);
  });
});

describe('sendgrid throttling', () => {
  it('waits until X-RateLimit-Reset without failing rows', async () => {
    const server = await imitation();
    server.throttle({ resetInSeconds: 2 });
    const context = testContext();
    const destination = await openSendgrid(server, {}, {}, context);
    const outcomes = await destination.write(contacts(2));

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted']);
    const puts = requestsTo(server, 'PUT', '/v3/marketing/contacts');
    expect(puts).toHaveLength(2);
    // The imitation sets X-RateLimit-Reset to the whole second two seconds after the request.
    const first = puts[0]!.receivedAt;
    const resetAt = (Math.floor(first / 1_000) + 2) * 1_000;
    expect(puts[1]!.receivedAt).toBeGreaterThanOrEqual(resetAt);
    const retries = context.logger.events.filter(
      (event) => event.event === 'destination.request_retrying',
    );
    expect(retries).toHaveLength(1);
    expect(Number(retries[0]!.fields.delay_ms)).toBeGreaterThanOrEqual(1_000);
  });

  it('defers rows when reset exceeds max wait', async () => {
    const server = await imitation();
    server.throttle({ resetInSeconds: 120 });
    const destination = await openSendgrid(server, { max_retry_wait_ms: 1_000 });
    const outcomes = await destination.write(contacts(1));

    expect(outcomes[0]?.status).toBe('retry');
    expect(outcomes[0]).toMatchObject({ retryAfterMs: expect.any(Number) });
    expect(reasonOf(outcomes[0])).toContain('HTTP 429');
  });
});

describe('sendgrid authentication', () => {
  it('fails the call without showing the key', async () => {
    const server = await imitation();
    const wrongKey = 'SG.wrong-key-0123456789';
    const context = testContext();
    const destination = await openSendgrid(server, { api_key: wrongKey }, {}, context);

    const error = await destination.write(contacts(1)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DestinationError);
    expect((error as DestinationError).retryable).toBe(false);
    expect((error as DestinationError).message).toContain('HTTP 401');
    expect((error as DestinationError).message).not.toContain(wrongKey);
    expect(JSON.stringify(context.logger.events)).not.toContain(wrongKey);
  });
});

describe('sendgrid config', () => {
  it('defaults base_url to the SendGrid API', () => {
    const account = sendgridDestinationType.accountSchema.parse({
      type: 'sendgrid',
      api_key: 'SG.x',
    });
    expect(account.base_url).toBe('https://api.sendgrid.com');
  });

  it.each([
    [{ api_key: '' }, 'api_key'],
    [{ api_key: 'SG.x', base_url: 'ftp://x' }, 'http:// or https://'],
    [{ api_key: 'SG.x', retries: 3 }, 'retries'],
  ])('rejects invalid account %#', (input, text) => {
    const result = sendgridDestinationType.accountSchema.safeParse({ type: 'sendgrid', ...input });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(text);
  });

  it('shares account key per API key', () => {
    const account = (key: string) =>
      sendgridDestinationType.accountSchema.parse({ type: 'sendgrid', api_key: key });
    const first = sendgridDestinationType.accountKey(account('SG.one'));
    expect(first).toBe(sendgridDestinationType.accountKey(account('SG.one')));
    expect(first).not.toBe(sendgridDestinationType.accountKey(account('SG.two')));
    expect(first).not.toContain('SG.one');
  });
});
