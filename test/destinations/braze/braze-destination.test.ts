import { afterEach, describe, expect, it } from 'vitest';
import { DestinationError } from '../../../src/core/errors.js';
import type { Destination, RowOutcome } from '../../../src/destinations/destination.js';
import { brazeDestinationType } from '../../../src/destinations/braze/index.js';
import {
  BRAZE_IMITATION_API_KEY,
  type BrazeImitation,
  type BrazeImitationOptions,
  startBrazeImitation,
} from '../../../src/imitations/braze.js';
import { changeRecord, testContext } from '../change-records.js';

const imitations: BrazeImitation[] = [];
const destinations: Destination[] = [];

afterEach(async () => {
  await Promise.all(destinations.splice(0).map((destination) => destination.close()));
  await Promise.all(imitations.splice(0).map((imitation) => imitation.close()));
});

async function imitation(options: BrazeImitationOptions = {}): Promise<BrazeImitation> {
  const started = await startBrazeImitation(options);
  imitations.push(started);
  return started;
}

async function openBraze(
  server: BrazeImitation,
  account: Record<string, unknown> = {},
  options: Record<string, unknown> = {},
  context = testContext(),
): Promise<Destination> {
  const parsedAccount = brazeDestinationType.accountSchema.parse({
    type: 'braze',
    api_key: BRAZE_IMITATION_API_KEY,
    base_url: server.url,
    ...account,
  });
  const parsedOptions = brazeDestinationType.syncSchema.parse(options);
  const destination = await brazeDestinationType.open(parsedAccount, parsedOptions, context);
  destinations.push(destination);
  return destination;
}

function users(count: number) {
  return Array.from({ length: count }, (_unused, index) =>
    changeRecord(`u${index + 1}`, 'upsert', { external_id: `u${index + 1}`, plan: 'pro' }),
  );
}

function statuses(outcomes: RowOutcome[]): string[] {
  return outcomes.map((outcome) => outcome.status);
}

function reasonOf(outcome: RowOutcome | undefined): string {
  return outcome && 'reason' in outcome ? outcome.reason : '';
}

function requestsTo(server: BrazeImitation, path: string) {
  return server.requests.filter((request) => request.url.pathname === path);
}

function attributesOf(server: BrazeImitation, index: number): Record<string, unknown>[] {
  return (
    requestsTo(server, '/users/track')[index]!.json as { attributes: Record<string, unknown>[] }
  ).attributes;
}

describe('braze track', () => {
  it('sends attributes with normalised email and phone', async () => {
    const server = await imitation();
    const destination = await openBraze(server, {}, { default_phone_country: 'US' });
    const outcomes = await destination.write([
      changeRecord('a', 'upsert', {
        external_id: 'a',
        email: ' Ana@Example.com ',
        phone: '(415) 555-0123',
        first_name: 'Ana',
      }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted']);
    const user = server.findUser('external_id', 'a');
    expect(user?.email).toBe('ana@example.com');
    expect(user?.phone).toBe('+14155550123');
    expect(user?.attributes.first_name).toBe('Ana');
    expect(attributesOf(server, 0)[0]).toMatchObject({ _update_existing_only: false });
    expect(requestsTo(server, '/users/track')[0]!.headers.authorization).toBe(
      `Bearer ${BRAZE_IMITATION_API_KEY}`,
    );
  });

  it('sends at most 75 objects per request', async () => {
    const server = await imitation();
    const destination = await openBraze(server);
    const outcomes = await destination.write(users(151));

    expect(destination.capabilities.maxBatchSize).toBe(75);
    const sizes = requestsTo(server, '/users/track').map(
      (_request, index) => attributesOf(server, index).length,
    );
    expect(sizes).toEqual([75, 75, 1]);
    expect(outcomes.every((outcome) => outcome.status === 'accepted')).toBe(true);
    expect(server.state.users).toHaveLength(151);
  });

  it('uses a lower max_objects_per_request', async () => {
    const server = await imitation({ maxObjects: 50 });
    const destination = await openBraze(server, { max_objects_per_request: 50 });
    await destination.write(users(120));

    expect(requestsTo(server, '/users/track')).toHaveLength(3);
  });

  it('does not create users on update', async () => {
    const server = await imitation();
    const destination = await openBraze(server);
    await destination.write([changeRecord('a', 'upsert', { external_id: 'a', plan: 'pro' })]);
    const outcomes = await destination.write([
      changeRecord('a', 'update', { external_id: 'a', plan: 'team' }),
      changeRecord('b', 'update', { external_id: 'b', plan: 'team' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted']);
    expect(server.findUser('external_id', 'a')?.attributes.plan).toBe('team');
    expect(server.findUser('external_id', 'b')).toBeUndefined();
  });

  it('clears an attribute sent as null', async () => {
    const server = await imitation();
    const destination = await openBraze(server);
    await destination.write([changeRecord('a', 'upsert', { external_id: 'a', plan: 'pro' })]);
    await destination.write([changeRecord('a', 'upsert', { external_id: 'a', plan: null })]);

    expect(server.findUser('external_id', 'a')?.attributes).not.toHaveProperty('plan');
  });
});

describe('braze per-row errors', () => {
  it('rejects only the indexed object in 201', async () => {
    const server = await imitation();
    server.state.failingIdentifiers.set('u2', 'invalid value');
    const destination = await openBraze(server);
    const outcomes = await destination.write(users(3));

    expect(statuses(outcomes)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(reasonOf(outcomes[1])).toBe('Braze rejected the user: invalid value');
    expect(requestsTo(server, '/users/track')).toHaveLength(1);
    expect(server.findUser('external_id', 'u1')).toBeDefined();
    expect(server.findUser('external_id', 'u2')).toBeUndefined();
    expect(server.findUser('external_id', 'u3')).toBeDefined();
  });

  it('rejects an invalid email reported by Braze', async () => {
    const server = await imitation();
    const destination = await openBraze(server);
    const outcomes = await destination.write([
      changeRecord('a', 'upsert', { external_id: 'a', email: 'not-an-email' }),
      changeRecord('b', 'upsert', { external_id: 'b', email: 'ben@example.com' }),
    ]);

    expect(statuses(outcomes)).toEqual(['rejected', 'accepted']);
    expect(reasonOf(outcomes[0])).toContain('not a valid email');
  });

  it('rejects a phone without country before sending', async () => {
    const server = await imitation();
    const destination = await openBraze(server);
    const outcomes = await destination.write([
      changeRecord('a', 'upsert', { external_id: 'a', phone: '4155550123' }),
      changeRecord('b', 'upsert', { external_id: 'b', phone: '+44 20 7946 0958' }),
    ]);

    expect(statuses(outcomes)).toEqual(['rejected', 'accepted']);
    expect(reasonOf(outcomes[0])).toContain('default_phone_country');
    expect(server.findUser('external_id', 'b')?.phone).toBe('+442079460958');
  });

  it('rejects a row without the identifier', async () => {
    const server = await imitation();
    const destination = await openBraze(server);
    const outcomes = await destination.write([changeRecord('a', 'upsert', { plan: 'pro' })]);

    expect(statuses(outcomes)).toEqual(['rejected']);
    expect(reasonOf(outcomes[0])).toContain('external_id is missing');
    expect(server.requests).toHaveLength(0);
  });

  it('rejects every row of a fatal 400', async () => {
    const server = await imitation({ maxObjects: 2 });
    const destination = await openBraze(server);
    const outcomes = await destination.write(users(3));

    expect(statuses(outcomes)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(reasonOf(outcomes[0])).toContain('HTTP 400');
  });
});

describe('braze email identity', () => {
  it('merges email variants into one user', async () => {
    const server = await imitation();
    const context = testContext();
    const destination = await openBraze(server, {}, { identify_by: 'email' }, context);
    const outcomes = await destination.write([
      changeRecord('u1', 'upsert', { email: 'Ana.Reyes@Example.com', plan: 'pro' }),
      changeRecord('u2', 'upsert', { email: ' ana.reyes@example.com ', plan: 'pro' }),
    ]);

    expect(outcomes[0]).toEqual({ status: 'accepted' });
    expect(outcomes[1]?.status).toBe('rejected');
    expect(reasonOf(outcomes[1])).toContain('duplicate email');
    expect(server.state.users).toHaveLength(1);
    expect(server.state.users[0]?.email).toBe('ana.reyes@example.com');
    const warnings = context.logger.events.filter(
      (event) => event.event === 'destination.duplicate_identifier',
    );
    expect(warnings[0]?.fields).toMatchObject({
      destination: 'braze',
      identifier: 'email',
      rows: 1,
    });
  });

  it('deletes by email_addresses', async () => {
    const server = await imitation();
    const destination = await openBraze(server, {}, { identify_by: 'email' });
    await destination.write([changeRecord('a', 'upsert', { email: 'ana@example.com' })]);
    const outcomes = await destination.write([
      changeRecord('a', 'delete', null, { email: 'ANA@example.com' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted']);
    expect(requestsTo(server, '/users/delete')[0]!.json).toEqual({
      email_addresses: ['ana@example.com'],
    });
    expect(server.state.users).toHaveLength(0);
  });
});

describe('braze delete', () => {
  it('deletes at most 50 users per request', async () => {
    const server = await imitation();
    const destination = await openBraze(server);
    await destination.write(users(60));
    const deletes = Array.from({ length: 60 }, (_unused, index) =>
      changeRecord(`u${index + 1}`, 'delete', null, { external_id: `u${index + 1}` }),
    );
    const outcomes = await destination.write(deletes);

    expect(outcomes.every((outcome) => outcome.status === 'accepted')).toBe(true);
    const sizes = requestsTo(server, '/users/delete').map(
      (request) => (request.json as { external_ids: string[] }).external_ids.length,
    );
    expect(sizes).toEqual([50, 10]);
    expect(server.state.users).toHaveLength(0);
  });
});

describe('braze subscription groups', () => {
  it('sets mapped groups for accepted users only', async () => {
    const server = await imitation();
    server.state.failingIdentifiers.set('b', 'invalid value');
    const destination = await openBraze(
      server,
      {},
      { subscription_groups: { newsletter: 'group-1' } },
    );
    const outcomes = await destination.write([
      changeRecord('a', 'upsert', { external_id: 'a', newsletter: true }),
      changeRecord('b', 'upsert', { external_id: 'b', newsletter: true }),
      changeRecord('c', 'upsert', { external_id: 'c', newsletter: 'unsubscribed' }),
      changeRecord('d', 'upsert', { external_id: 'd', newsletter: 'maybe' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'rejected', 'accepted', 'rejected']);
    expect(reasonOf(outcomes[3])).toContain('subscription group');
    expect(server.findUser('external_id', 'a')?.subscriptions.get('group-1')).toBe('subscribed');
    expect(server.findUser('external_id', 'c')?.subscriptions.get('group-1')).toBe('unsubscribed');
    expect(server.findUser('external_id', 'a')?.attributes).not.toHaveProperty('newsletter');
    const bodies = requestsTo(server, '/v2/subscription/status/set').map((request) => request.json);
    expect(bodies).toEqual([
      {
        subscription_groups: [
          {
            subscription_group_id: 'group-1',
            subscription_state: 'subscribed',
            external_ids: ['a'],
          },
        ],
      },
      {
        subscription_groups: [
          {
            subscription_group_id: 'group-1',
            subscription_state: 'unsubscribed',
            external_ids: ['c'],
          },
        ],
      },
    ]);
  });
});

describe('braze audiences', () => {
  it('marks members with the audience attribute', async () => {
    const server = await imitation();
    const destination = await openBraze(server, {}, { audience_attribute: 'in_winback' });
    await destination.write([
      changeRecord('a', 'add', { external_id: 'a' }),
      changeRecord('b', 'add', { external_id: 'b' }),
    ]);
    const outcomes = await destination.write([
      changeRecord('a', 'remove', null, { external_id: 'a' }),
      changeRecord('z', 'remove', null, { external_id: 'z' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted']);
    expect(server.findUser('external_id', 'a')?.attributes.in_winback).toBe(false);
    expect(server.findUser('external_id', 'b')?.attributes.in_winback).toBe(true);
    expect(server.findUser('external_id', 'z')).toBeUndefined();
  });

  it('fails the call without audience_attribute', async () => {
    const server = await imitation();
    const destination = await openBraze(server);

    await expect(
      destination.write([changeRecord('a', 'add', { external_id: 'a' })]),
    ).rejects.toThrow(/audience_attribute/);
  });
});

describe('braze throttling', () => {
  it('waits until x-ratelimit-reset without failing rows', async () => {
    const server = await imitation();
    server.throttle({ resetInSeconds: 2 });
    const destination = await openBraze(server);
    const outcomes = await destination.write(users(2));

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted']);
    const tracks = requestsTo(server, '/users/track');
    expect(tracks).toHaveLength(2);
    // The imitation sets the reset to the whole second two seconds after the request.
    const resetAt = (Math.floor(tracks[0]!.receivedAt / 1_000) + 2) * 1_000;
    expect(tracks[1]!.receivedAt).toBeGreaterThanOrEqual(resetAt);
  });
});

describe('braze authentication', () => {
  it('fails the call without showing the key', async () => {
    const server = await imitation();
    const wrongKey = 'braze-wrong-key-0123456789';
    const context = testContext();
    const destination = await openBraze(server, { api_key: wrongKey }, {}, context);

    const error = await destination.write(users(1)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DestinationError);
    expect((error as DestinationError).message).toContain('HTTP 401');
    expect((error as DestinationError).message).not.toContain(wrongKey);
    expect(JSON.stringify(context.logger.events)).not.toContain(wrongKey);
  });
});

describe('braze config', () => {
  it('defaults to US-01 and 75 objects', () => {
    const account = brazeDestinationType.accountSchema.parse({ type: 'braze', api_key: 'k' });
    expect(account.base_url).toBe('https://rest.iad-01.braze.com');
    expect(account.max_objects_per_request).toBe(75);
  });

  it('rejects more than 75 objects per request', () => {
    const result = brazeDestinationType.accountSchema.safeParse({
      type: 'braze',
      api_key: 'k',
      max_objects_per_request: 100,
    });
    expect(result.success).toBe(false);
  });
});
