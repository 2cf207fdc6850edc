import { afterEach, describe, expect, it } from 'vitest';
import { DestinationError } from '../../../src/core/errors.js';
import type { Destination, RowOutcome } from '../../../src/destinations/destination.js';
import { klaviyoDestinationType } from '../../../src/destinations/klaviyo/index.js';
import {
  KLAVIYO_IMITATION_API_KEY,
  type KlaviyoImitation,
  type KlaviyoImitationOptions,
  startKlaviyoImitation,
} from '../../../src/imitations/klaviyo.js';
import { changeRecord, testContext, upserts } from '../change-records.js';

const LIST_ID = 'SluiceDemo';
const JOBS = '/api/profile-bulk-import-jobs';
const RELATIONSHIPS = `/api/lists/${LIST_ID}/relationships/profiles`;
const imitations: KlaviyoImitation[] = [];
const destinations: Destination[] = [];

afterEach(async () => {
  await Promise.all(destinations.splice(0).map((destination) => destination.close()));
  await Promise.all(imitations.splice(0).map((imitation) => imitation.close()));
});

async function imitation(options: KlaviyoImitationOptions = {}): Promise<KlaviyoImitation> {
  const started = await startKlaviyoImitation(options);
  imitations.push(started);
  return started;
}

async function openKlaviyo(
  server: KlaviyoImitation,
  account: Record<string, unknown> = {},
  options: Record<string, unknown> = {},
  context = testContext(),
): Promise<Destination> {
  const parsedAccount = klaviyoDestinationType.accountSchema.parse({
    type: 'klaviyo',
    api_key: KLAVIYO_IMITATION_API_KEY,
    base_url: server.url,
    poll_interval_ms: 5,
    max_requests_per_second: 1_000,
    ...account,
  });
  const parsedOptions = klaviyoDestinationType.syncSchema.parse(options);
  const destination = await klaviyoDestinationType.open(parsedAccount, parsedOptions, context);
  destinations.push(destination);
  return destination;
}

function statuses(outcomes: RowOutcome[]): string[] {
  return outcomes.map((outcome) => outcome.status);
}

function reasonOf(outcome: RowOutcome | undefined): string {
  return outcome && 'reason' in outcome ? outcome.reason : '';
}

function requestsTo(server: KlaviyoImitation, method: string, path: string) {
  return server.requests.filter(
    (request) => request.method === method && request.url.pathname === path,
  );
}

function submittedProfiles(
  server: KlaviyoImitation,
  index: number,
): { attributes: Record<string, unknown> }[] {
  const body = requestsTo(server, 'POST', JOBS)[index]!.json as {
    data: { attributes: { profiles: { data: { attributes: Record<string, unknown> }[] } } };
  };
  return body.data.attributes.profiles.data;
}

function memberEmails(server: KlaviyoImitation): string[] {
  return [...server.state.lists.get(LIST_ID)!]
    .map((id) => server.state.profiles.get(id)!.email!)
    .sort();
}

describe('klaviyo bulk import', () => {
  it('imports profiles and polls the job', async () => {
    const server = await imitation();
    const destination = await openKlaviyo(server);
    const outcomes = await destination.write([
      changeRecord('a', 'upsert', {
        email: 'Ana@Example.com',
        first_name: 'Ana',
        city: 'Lyon',
        tier: 'gold',
      }),
      changeRecord('b', 'update', { external_id: 'b-1', last_name: 'Bell' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted']);
    const ana = server.findProfile('ana@example.com');
    expect(ana?.attributes.first_name).toBe('Ana');
    expect(ana?.location).toEqual({ city: 'Lyon' });
    expect(ana?.properties).toEqual({ tier: 'gold' });
    const polls = server.requests.filter((request) => request.method === 'GET');
    expect(polls.length).toBeGreaterThanOrEqual(2);

    const create = requestsTo(server, 'POST', JOBS)[0]!;
    expect(create.headers.authorization).toBe(`Klaviyo-API-Key ${KLAVIYO_IMITATION_API_KEY}`);
    expect(create.headers.revision).toBe('2026-07-15');
    expect(create.headers['content-type']).toBe('application/vnd.api+json');
    expect(create.headers.accept).toBe('application/vnd.api+json');
  });

  it('sends one job per 10,000 profiles', async () => {
    const server = await imitation();
    const destination = await openKlaviyo(server);
    const outcomes = await destination.write(upserts(10_001));

    expect(destination.capabilities.maxBatchSize).toBe(10_000);
    expect(requestsTo(server, 'POST', JOBS)).toHaveLength(2);
    expect(submittedProfiles(server, 0)).toHaveLength(10_000);
    expect(submittedProfiles(server, 1)).toHaveLength(1);
    expect(outcomes.every((outcome) => outcome.status === 'accepted')).toBe(true);
    expect(server.state.profiles.size).toBe(10_001);
  });

  it('unsets null custom properties and clears attributes', async () => {
    const server = await imitation();
    const destination = await openKlaviyo(server);
    await destination.write([
      changeRecord('a', 'upsert', { email: 'a@example.com', first_name: 'Ana', tier: 'gold' }),
    ]);
    await destination.write([
      changeRecord('a', 'upsert', { email: 'a@example.com', first_name: null, tier: null }),
    ]);

    expect(submittedProfiles(server, 1)[0]).toEqual({
      type: 'profile',
      attributes: { email: 'a@example.com', first_name: null },
      meta: { patch_properties: { unset: ['tier'] } },
    });
    const profile = server.findProfile('a@example.com');
    expect(profile?.properties).toEqual({});
    expect(profile?.attributes).not.toHaveProperty('first_name');
  });

  it('normalises phones to E.164 before sending', async () => {
    const server = await imitation();
    const destination = await openKlaviyo(server, {}, { default_phone_country: 'US' });
    const outcomes = await destination.write([
      changeRecord('a', 'upsert', { phone_number: '(415) 555-0123' }),
      changeRecord('b', 'upsert', { phone_number: '555' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'rejected']);
    expect(reasonOf(outcomes[1])).toBe('phone_number is not a valid phone number');
    expect(submittedProfiles(server, 0)).toEqual([
      { type: 'profile', attributes: { phone_number: '+14155550123' } },
    ]);
  });
  it('defers rows of an unfinished job', async () => {
    const server = await imitation({ pendingPolls: 1_000 });
    const destination = await openKlaviyo(server, { job_timeout_ms: 100 });
    const outcomes = await destination.write(upserts(2));

    expect(statuses(outcomes)).toEqual(['retry', 'retry']);
    expect(reasonOf(outcomes[0])).toMatch(/Klaviyo job .+ had not finished after 100 ms/);
  });
});

describe('klaviyo per-row errors', () => {
  it('rejects only profiles in import errors', async () => {
    const server = await imitation({ pageSize: 1 });
    server.state.failingEmails.set('cy@example.com', 'cy@example.com is suppressed');
    const destination = await openKlaviyo(server);
    const outcomes = await destination.write([
      changeRecord('a', 'upsert', { email: 'ana@example.com' }),
      changeRecord('b', 'upsert', { email: 'not-an-email' }),
      changeRecord('c', 'upsert', { email: 'cy@example.com' }),
      changeRecord('d', 'upsert', { email: 'dee@example.com' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'rejected', 'rejected', 'accepted']);
    expect(reasonOf(outcomes[1])).toContain('Invalid input. (invalid) in email');
    expect(reasonOf(outcomes[1])).not.toContain('not-an-email');
    expect(reasonOf(outcomes[2])).toContain('[identifier] is suppressed');
    const errorPages = server.requests.filter((request) =>
      request.url.pathname.endsWith('/import-errors'),
    );
    expect(errorPages).toHaveLength(2);
    expect(server.state.profiles.size).toBe(2);
  });

  it('resubmits rest after a profile 400', async () => {
    const server = await imitation();
    server.state.rejectedOnSubmit.set('ben@example.com', 'Profile is too large.');
    const destination = await openKlaviyo(server);
    const outcomes = await destination.write([
      changeRecord('a', 'upsert', { email: 'ana@example.com' }),
      changeRecord('b', 'upsert', { email: 'ben@example.com' }),
      changeRecord('c', 'upsert', { email: 'cy@example.com' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(reasonOf(outcomes[1])).toContain('Invalid input.');
    expect(requestsTo(server, 'POST', JOBS)).toHaveLength(2);
    expect(submittedProfiles(server, 1)).toHaveLength(2);
  });

  it('rejects a row without an identifier', async () => {
    const server = await imitation();
    const destination = await openKlaviyo(server);
    const outcomes = await destination.write([changeRecord('a', 'upsert', { first_name: 'Ana' })]);

    expect(statuses(outcomes)).toEqual(['rejected']);
    expect(server.requests).toHaveLength(0);
  });
});

describe('klaviyo email normalisation', () => {
  it('merges email variants into one profile', async () => {
    const server = await imitation();
    const context = testContext();
    const destination = await openKlaviyo(server, {}, {}, context);
    const outcomes = await destination.write([
      changeRecord('u1', 'upsert', { email: 'Ana.Reyes@Example.com' }),
      changeRecord('u2', 'upsert', { email: ' ana.reyes@example.com ' }),
    ]);

    expect(outcomes[0]).toEqual({ status: 'accepted' });
    expect(outcomes[1]?.status).toBe('rejected');
    expect(reasonOf(outcomes[1])).toContain('duplicate email');
    expect(submittedProfiles(server, 0)).toEqual([
      { type: 'profile', attributes: { email: 'ana.reyes@example.com' } },
    ]);
    expect(server.state.profiles.size).toBe(1);
    const warnings = context.logger.events.filter(
      (event) => event.event === 'destination.duplicate_identifier',
    );
    expect(warnings[0]?.fields).toMatchObject({ destination: 'klaviyo', rows: 1 });
  });
});

describe('klaviyo lists', () => {
  it('adds imported profiles by id', async () => {
    const server = await imitation({ pageSize: 2 });
    const destination = await openKlaviyo(server, {}, { list_id: LIST_ID });
    const outcomes = await destination.write([
      changeRecord('a', 'add', { email: 'ana@example.com' }),
      changeRecord('b', 'add', { email: 'bad-address' }),
      changeRecord('c', 'add', { email: 'cy@example.com' }),
      changeRecord('d', 'add', { phone_number: '+14155550100' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'rejected', 'accepted', 'accepted']);
    expect(server.state.lists.get(LIST_ID)?.size).toBe(3);
    const adds = requestsTo(server, 'POST', RELATIONSHIPS);
    expect(adds).toHaveLength(1);
    const sent = (adds[0]!.json as { data: { type: string; id: string }[] }).data;
    expect(
      sent.every((item) => item.type === 'profile' && server.state.profiles.has(item.id)),
    ).toBe(true);
    const profilePages = server.requests.filter((request) =>
      request.url.pathname.endsWith('/profiles'),
    );
    expect(profilePages.length).toBeGreaterThanOrEqual(2);
  });

  it('sends 1,000 ids per list request', async () => {
    const server = await imitation({ pageSize: 500 });
    const destination = await openKlaviyo(server, {}, { list_id: LIST_ID });
    const adds = Array.from({ length: 1_001 }, (_unused, index) =>
      changeRecord(`k${index}`, 'add', { email: `user${index}@example.com` }),
    );
    const outcomes = await destination.write(adds);

    expect(outcomes.every((outcome) => outcome.status === 'accepted')).toBe(true);
    const sizes = requestsTo(server, 'POST', RELATIONSHIPS).map(
      (request) => (request.json as { data: unknown[] }).data.length,
    );
    expect(sizes).toEqual([1_000, 1]);
  });

  it('removes profiles found by their previous email', async () => {
    const server = await imitation();
    const destination = await openKlaviyo(server, {}, { list_id: LIST_ID });
    await destination.write([
      changeRecord('a', 'add', { email: 'ana@example.com' }),
      changeRecord('b', 'add', { email: 'ben@example.com' }),
    ]);
    const outcomes = await destination.write([
      changeRecord('a', 'remove', null, { email: 'ANA@example.com ' }),
      changeRecord('z', 'remove', null, { email: 'nobody@example.com' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted']);
    expect(memberEmails(server)).toEqual(['ben@example.com']);
    expect(server.state.profiles.size).toBe(2);
    const lookup = requestsTo(server, 'GET', '/api/profiles')[0]!;
    expect(lookup.url.searchParams.get('filter')).toBe(
      'any(email,["ana@example.com","nobody@example.com"])',
    );
  });

  it('takes a changed email off the list', async () => {
    const server = await imitation();
    const destination = await openKlaviyo(server, {}, { list_id: LIST_ID });
    await destination.write([changeRecord('a', 'add', { email: 'old@example.com' })]);
    const outcomes = await destination.write([
      changeRecord('a', 'add', { email: 'new@example.com' }, { email: 'old@example.com' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted']);
    expect(memberEmails(server)).toEqual(['new@example.com']);
  });

  it('fails the call without list_id', async () => {
    const server = await imitation();
    const destination = await openKlaviyo(server);

    await expect(
      destination.write([changeRecord('a', 'add', { email: 'a@example.com' })]),
    ).rejects.toThrow(/destination_options.list_id/);
  });

  it('fails the call for an unknown list', async () => {
    const server = await imitation();
    const destination = await openKlaviyo(server, {}, { list_id: 'Missing' });

    await expect(
      destination.write([changeRecord('a', 'add', { email: 'a@example.com' })]),
    ).rejects.toThrow(DestinationError);
  });
});

describe('klaviyo delete', () => {
  it('requests deletion of each profile by id', async () => {
    const server = await imitation();
    const destination = await openKlaviyo(server);
    await destination.write(upserts(2));
    const outcomes = await destination.write([
      changeRecord('k1', 'delete', null, { email: 'user1@example.com' }),
      changeRecord('k2', 'delete', null, { email: 'user2@example.com' }),
      changeRecord('k3', 'delete', null, { email: 'user3@example.com' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(server.state.profiles.size).toBe(0);
    const deletions = requestsTo(server, 'POST', '/api/data-privacy-deletion-jobs');
    expect(deletions).toHaveLength(2);
    expect(deletions[0]!.json).toMatchObject({
      data: {
        type: 'data-privacy-deletion-job',
        attributes: { profile: { data: { type: 'profile' } } },
      },
    });
  });

  it('rejects a removal without previous identifiers', async () => {
    const server = await imitation();
    const destination = await openKlaviyo(server);
    const outcomes = await destination.write([
      changeRecord('k1', 'delete', null, { first_name: 'Ana' }),
    ]);

    expect(statuses(outcomes)).toEqual(['rejected']);
    expect(reasonOf(outcomes[0])).toContain('cannot be found');
  });
});

describe('klaviyo throttling', () => {
  it('waits for Retry-After without failing rows', async () => {
    const server = await imitation();
    server.throttle({ retryAfterSeconds: 2 });
    const destination = await openKlaviyo(server);
    const outcomes = await destination.write(upserts(2));

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted']);
    const creates = requestsTo(server, 'POST', JOBS);
    expect(creates).toHaveLength(2);
    expect(creates[1]!.receivedAt - creates[0]!.receivedAt).toBeGreaterThanOrEqual(2_000);
  });

  it('defers rows when Retry-After exceeds max wait', async () => {
    const server = await imitation();
    server.throttle({ retryAfterSeconds: 90 });
    const destination = await openKlaviyo(server, { max_retry_wait_ms: 1_000 });
    const outcomes = await destination.write(upserts(1));

    expect(outcomes[0]).toMatchObject({ status: 'retry', retryAfterMs: 90_000 });
  });
});

describe('klaviyo authentication', () => {
  it('fails the call without showing the key', async () => {
    const server = await imitation();
    const wrongKey = 'pk_wrong_0123456789abcdef';
    const context = testContext();
    const destination = await openKlaviyo(server, { api_key: wrongKey }, {}, context);

    const error = await destination.write(upserts(1)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DestinationError);
    expect((error as DestinationError).message).toContain('HTTP 401');
    expect((error as DestinationError).message).not.toContain(wrongKey);
    expect(JSON.stringify(context.logger.events)).not.toContain(wrongKey);
  });
});

describe('klaviyo config', () => {
  it('pins a revision and defaults base_url', () => {
    const account = klaviyoDestinationType.accountSchema.parse({
      type: 'klaviyo',
      api_key: 'pk_x',
    });
    expect(account.base_url).toBe('https://a.klaviyo.com');
    expect(account.revision).toBe('2026-07-15');
  });

  it('rejects an invalid revision', () => {
    const result = klaviyoDestinationType.accountSchema.safeParse({
      type: 'klaviyo',
      api_key: 'pk_x',
      revision: 'latest',
    });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('revision');
  });
});
