import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startGoogleImitation } from '../../../src/imitations/google.js';

const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', body, headers });
  return { status: response.status, json: (await response.json()) as Record<string, any> };
}

describe('Google imitation', () => {
  const destination = {
    operatingAccount: { accountType: 'GOOGLE_ADS', accountId: '1' },
    productDestinationId: '9',
  };

  async function ingest(body: unknown) {
    const google = await startGoogleImitation({ accessToken: 'token' });
    closers.push(google.close);
    const response = await post(`${google.url}/v1/audienceMembers:ingest`, JSON.stringify(body), {
      Authorization: 'Bearer token',
    });
    return { google, response };
  }

  it('enforces one field per user identifier', async () => {
    const member = {
      userData: { userIdentifiers: [{ emailAddress: sha256('a'), phoneNumber: sha256('b') }] },
    };
    const { google, response } = await ingest({
      destinations: [destination],
      audienceMembers: [member],
      encoding: 'HEX',
    });

    expect(response.status).toBe(400);
    const violations = response.json.error.details[1].fieldViolations;
    expect(violations).toEqual([
      {
        field: 'audience_members.audience_members[0].user_data.user_identifiers[0]',
        description: 'set exactly one of emailAddress, phoneNumber and address',
        reason: 'INVALID_USER_IDENTIFIER',
      },
    ]);
    expect(google.state.uploads).toHaveLength(0);
  });

  it('rejects unhashed emails and a missing encoding', async () => {
    const member = { userData: { userIdentifiers: [{ emailAddress: 'a@example.com' }] } };
    const { response } = await ingest({ destinations: [destination], audienceMembers: [member] });

    const reasons = response.json.error.details[1].fieldViolations.map(
      (violation: { reason: string }) => violation.reason,
    );
    expect(reasons).toEqual(['INVALID_ENCODING', 'INVALID_SHA256_FORMAT']);
  });

  it('enforces the request quota with RetryInfo', async () => {
    const google = await startGoogleImitation({
      accessToken: 'token',
      rateLimit: { limit: 2, windowMs: 60_000 },
    });
    closers.push(google.close);
    const body = JSON.stringify({
      destinations: [destination],
      audienceMembers: [{ userData: { userIdentifiers: [{ emailAddress: sha256('a') }] } }],
      encoding: 'HEX',
    });
    const headers = { Authorization: 'Bearer token' };
    const url = `${google.url}/v1/audienceMembers:ingest`;

    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await post(url, body, headers)).status);
    const refused = await post(url, body, headers);

    expect(statuses).toEqual([200, 200, 429]);
    expect(refused.json.error.status).toBe('RESOURCE_EXHAUSTED');
    const delay = refused.json.error.details[0].retryDelay as string;
    expect(delay).toMatch(/^\d+(\.\d+)?s$/);
    expect(Number(delay.slice(0, -1))).toBeGreaterThan(55);
    expect(Number(delay.slice(0, -1))).toBeLessThanOrEqual(60);
    expect(google.state.uploads).toHaveLength(2);
    expect(google.state.rateLimited).toHaveLength(2);
  });

  it('reports request status after processing', async () => {
    const google = await startGoogleImitation({ accessToken: 'token', processingPolls: 1 });
    closers.push(google.close);
    google.failProcessing(1, 'PROCESSING_ERROR_REASON_INVALID_HASH');
    const body = JSON.stringify({
      destinations: [destination],
      audienceMembers: [{ userData: { userIdentifiers: [{ emailAddress: sha256('a') }] } }],
      encoding: 'HEX',
    });
    const headers = { Authorization: 'Bearer token' };
    const ingested = await post(`${google.url}/v1/audienceMembers:ingest`, body, headers);
    const statusUrl = `${google.url}/v1/requestStatus:retrieve?requestId=${ingested.json.requestId}`;
    const read = async () => (await (await fetch(statusUrl, { headers })).json()) as Record<string, any>;

    const first = await read();
    const second = await read();
    expect(first.requestStatusPerDestination[0].requestStatus).toBe('PROCESSING');
    expect(second.requestStatusPerDestination[0]).toMatchObject({
      destination: { productDestinationId: '9' },
      requestStatus: 'FAILED',
      errorInfo: { errorCounts: [{ recordCount: '1', reason: 'PROCESSING_ERROR_REASON_INVALID_HASH' }] },
    });
    expect(google.state.audiences.members('9')).toEqual([]);
    const unknown = await fetch(`${google.url}/v1/requestStatus:retrieve?requestId=nope`, { headers });
    expect(unknown.status).toBe(404);
  });

  it('rejects an unknown OAuth client', async () => {
    const google = await startGoogleImitation();
    closers.push(google.close);
    const form = 'grant_type=refresh_token&client_id=x&client_secret=y&refresh_token=z';
    const response = await post(`${google.url}/token`, form);

    expect(response.status).toBe(401);
    expect(response.json.error).toBe('invalid_client');
  });
});
