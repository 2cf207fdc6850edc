import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DestinationError } from '../../src/core/errors.js';
import { redactor } from '../../src/core/redact.js';
import type { Destination, RowOutcome } from '../../src/destinations/destination.js';
import { webhookAccountSchema } from '../../src/destinations/webhook/webhook-config.js';
import { webhookDestinationType } from '../../src/destinations/webhook/webhook-type.js';
import { verifyWebhookSignature } from '../../src/destinations/webhook/signature.js';
import { type WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver.js';
import { changeRecord, testContext, upserts } from './change-records.js';

const SECRET = 'whsec-test-0123456789abcdef';
const receivers: WebhookReceiver[] = [];
const destinations: Destination[] = [];

afterEach(async () => {
  await Promise.all(destinations.splice(0).map((destination) => destination.close()));
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

async function receiver(options: Parameters<typeof startWebhookReceiver>[0] = {}) {
  const started = await startWebhookReceiver({ secret: SECRET, ...options });
  receivers.push(started);
  return started;
}

async function openWebhook(
  account: Record<string, unknown>,
  options: Record<string, unknown> = {},
  context = testContext(),
): Promise<Destination> {
  const parsedAccount = webhookDestinationType.accountSchema.parse({
    type: 'webhook',
    secret: SECRET,
    ...account,
  });
  const parsedOptions = webhookDestinationType.syncSchema.parse(options);
  const destination = await webhookDestinationType.open(parsedAccount, parsedOptions, context);
  destinations.push(destination);
  return destination;
}

function statuses(outcomes: RowOutcome[]): string[] {
  return outcomes.map((outcome) => outcome.status);
}

function reasonOf(outcome: RowOutcome | undefined): string {
  return outcome && 'reason' in outcome ? outcome.reason : '';
}

interface SentBody {
  sync: string;
  run_id: string;
  batch_id: string;
  event?: string;
  records: { key: string; operation: string; fields: unknown; previous: unknown }[];
}

describe('webhook requests', () => {
  it('posts signed JSON with the documented shape', async () => {
    const server = await receiver();
    const destination = await openWebhook(
      { url: server.url },
      { path: '/hooks/contacts', event: 'contact.changed' },
    );
    const outcomes = await destination.write([
      changeRecord('a', 'upsert', { email: 'a@example.com' }),
      changeRecord('b', 'delete', null, { email: 'b@example.com' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted']);
    expect(server.requests).toHaveLength(1);
    const request = server.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/hooks/contacts');
    expect(request.signatureValid).toBe(true);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['idempotency-key']).toMatch(/^[0-9a-f]{64}$/);
    expect(request.json).toEqual({
      sync: 'contacts',
      run_id: 'run-1',
      batch_id: 'run-1-1',
      event: 'contact.changed',
      records: [
        { key: 'a', operation: 'upsert', fields: { email: 'a@example.com' }, previous: null },
        { key: 'b', operation: 'delete', fields: null, previous: { email: 'b@example.com' } },
      ],
    });
  });

  it('signs the timestamp and body with HMAC-SHA256', async () => {
    const server = await receiver();
    const destination = await openWebhook({ url: server.url });
    await destination.write(upserts(1));

    const request = server.requests[0]!;
    const timestamp = String(request.headers['x-sluice-timestamp']);
    const signature = String(request.headers['x-sluice-signature']);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(SECRET, timestamp, request.body, signature)).toBe(true);
    expect(verifyWebhookSignature('other-secret', timestamp, request.body, signature)).toBe(false);
    expect(verifyWebhookSignature(SECRET, timestamp, `${request.body} `, signature)).toBe(false);
  });

  it('repeats Idempotency-Key across runs', async () => {
    const server = await receiver();
    const first = await openWebhook({ url: server.url }, {}, testContext({ runId: 'run-1' }));
    const second = await openWebhook({ url: server.url }, {}, testContext({ runId: 'run-2' }));
    await first.write(upserts(3));
    await second.write(upserts(3));
    await second.write(upserts(2));

    const keys = server.requests.map((request) => request.headers['idempotency-key']);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[0]);
  });

  it('sends without a signature when no secret is set', async () => {
    const server = await receiver({ secret: undefined });
    const destination = await openWebhook({ url: server.url, secret: undefined });
    await destination.write(upserts(1));

    expect(server.requests[0]!.headers['x-sluice-signature']).toBeUndefined();
    expect(server.requests[0]!.headers['x-sluice-timestamp']).toMatch(/^\d+$/);
  });

  it('keeps its own headers over configured ones', async () => {
    const server = await receiver();
    const destination = await openWebhook({
      url: server.url,
      headers: { Authorization: 'Bearer token-abcdef', 'content-type': 'text/plain' },
    });
    await destination.write(upserts(1));

    expect(server.requests[0]!.headers.authorization).toBe('Bearer token-abcdef');
    expect(server.requests[0]!.headers['content-type']).toBe('application/json');
  });
});

describe('webhook batching', () => {
  it('declares max_batch_size and splits larger writes', async () => {
    const server = await receiver();
    const destination = await openWebhook({ url: server.url, max_batch_size: 2 });
    const outcomes = await destination.write(upserts(5));

    expect(destination.capabilities.maxBatchSize).toBe(2);
    expect(statuses(outcomes)).toEqual(Array(5).fill('accepted'));
    const sizes = server.requests.map((request) => (request.json as SentBody).records.length);
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('splits a batch the receiver calls too large', async () => {
    const server = await receiver();
    server.script({ status: 413, body: 'payload too large' });
    const destination = await openWebhook({ url: server.url });
    const outcomes = await destination.write(upserts(4));

    expect(statuses(outcomes)).toEqual(Array(4).fill('accepted'));
    const sizes = server.requests.map((request) => (request.json as SentBody).records.length);
    expect(sizes).toEqual([4, 2, 2]);
  });
});

describe('webhook per-row results', () => {
  it('rejects only the row the receiver rejected', async () => {
    const server = await receiver();
    server.script({ rejectKeys: { k2: 'email is invalid' } });
    const destination = await openWebhook({ url: server.url });
    const outcomes = await destination.write(upserts(3));

    expect(outcomes).toEqual([
      { status: 'accepted' },
      { status: 'rejected', reason: 'email is invalid' },
      { status: 'accepted' },
    ]);
  });

  it('retries rows missing from the results', async () => {
    const server = await receiver();
    server.script({ omitKeys: ['k1'], retryKeys: ['k3'] });
    const destination = await openWebhook({ url: server.url });
    const outcomes = await destination.write(upserts(3));

    expect(outcomes[0]).toEqual({ status: 'retry', reason: 'receiver reported no outcome' });
    expect(outcomes[1]).toEqual({ status: 'accepted' });
    expect(outcomes[2]?.status).toBe('retry');
  });

  it('accepts every row for a 2xx without results', async () => {
    const server = await receiver();
    server.script({ status: 202, body: 'queued' }, { status: 200, body: { ok: true } });
    const destination = await openWebhook({ url: server.url });

    expect(statuses(await destination.write(upserts(2)))).toEqual(['accepted', 'accepted']);
    expect(statuses(await destination.write(upserts(2)))).toEqual(['accepted', 'accepted']);
  });

  it('rejects the batch for a 422 with the body as reason', async () => {
    const server = await receiver();
    server.script({ status: 422, body: { error: 'schema mismatch' } });
    const destination = await openWebhook({ url: server.url });
    const outcomes = await destination.write(upserts(2));

    expect(statuses(outcomes)).toEqual(['rejected', 'rejected']);
    expect(reasonOf(outcomes[0])).toBe(
      'receiver rejected the batch: HTTP 422: {"error":"schema mismatch"}',
    );
    expect(server.requests).toHaveLength(1);
  });
});

describe('webhook retries', () => {
  it('waits out a 429 Retry-After without failing rows', async () => {
    const server = await receiver();
    server.script({ retryAfter: 2 });
    const destination = await openWebhook({ url: server.url });
    const started = Date.now();
    const outcomes = await destination.write(upserts(2));

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted']);
    expect(server.requests).toHaveLength(2);
    const gap = server.requests[1]!.receivedAt - server.requests[0]!.receivedAt;
    expect(gap).toBeGreaterThanOrEqual(2_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
  });

  it('honours a Retry-After given as an HTTP-date', async () => {
    const server = await receiver();
    server.script(() => ({ retryAfter: new Date(Date.now() + 2_000).toUTCString() }));
    const destination = await openWebhook({ url: server.url });
    const outcomes = await destination.write(upserts(1));

    expect(statuses(outcomes)).toEqual(['accepted']);
    const gap = server.requests[1]!.receivedAt - server.requests[0]!.receivedAt;
    // HTTP-dates have whole seconds, so the wait may be up to 1 s shorter than asked.
    expect(gap).toBeGreaterThanOrEqual(1_000);
  });

  it('gives up on 5xx after max_attempts', async () => {
    const server = await receiver({ defaultResponse: { status: 503, body: 'upstream down' } });
    const destination = await openWebhook({ url: server.url, max_attempts: 3, max_retry_wait_ms: 20 });
    const outcomes = await destination.write(upserts(2));

    expect(server.requests).toHaveLength(3);
    expect(statuses(outcomes)).toEqual(['retry', 'retry']);
    expect(reasonOf(outcomes[0])).toBe(
      'gave up after 3 attempts; last error: HTTP 503: upstream down',
    );
    expect(outcomes[0]).not.toHaveProperty('outcomeUnknown');
  });

  it('recovers when a 5xx is followed by success', async () => {
    const server = await receiver();
    server.script({ status: 500 }, { status: 502 });
    const destination = await openWebhook({ url: server.url, max_retry_wait_ms: 20 });
    const outcomes = await destination.write(upserts(1));

    expect(statuses(outcomes)).toEqual(['accepted']);
    expect(server.requests).toHaveLength(3);
  });

  it('stops on Retry-After beyond max wait', async () => {
    const server = await receiver();
    server.script({ retryAfter: 120 });
    const destination = await openWebhook({ url: server.url, max_retry_wait_ms: 1_000 });
    const started = Date.now();
    const outcomes = await destination.write(upserts(1));

    expect(Date.now() - started).toBeLessThan(1_000);
    expect(outcomes[0]).toMatchObject({ status: 'retry', retryAfterMs: 120_000 });
    expect(reasonOf(outcomes[0])).toContain('HTTP 429');
    expect(server.requests).toHaveLength(1);
  });

  it('stops waiting when the run is cancelled', async () => {
    const server = await receiver();
    server.script({ retryAfter: 5 });
    const controller = new AbortController();
    const context = testContext({ signal: controller.signal });
    const destination = await openWebhook({ url: server.url }, {}, context);
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const outcomes = await destination.write(upserts(1));

    expect(Date.now() - started).toBeLessThan(2_000);
    expect(outcomes[0]).toEqual({ status: 'retry', reason: 'cancelled before the request was sent' });
    expect(server.requests).toHaveLength(1);
  });

  it('retries a refused connection', async () => {
    const port = await closedPort();
    const destination = await openWebhook({
      url: `http://127.0.0.1:${port}`,
      max_attempts: 2,
      max_retry_wait_ms: 10,
    });
    const outcomes = await destination.write(upserts(1));

    expect(outcomes[0]?.status).toBe('retry');
    expect(reasonOf(outcomes[0])).toContain('gave up after 2 attempts');
    expect(reasonOf(outcomes[0])).toContain('connection refused (ECONNREFUSED)');
    expect(outcomes[0]).not.toHaveProperty('outcomeUnknown');
  });
});

describe('webhook unknown outcomes', () => {
  it('does not resend after a dropped connection', async () => {
    const server = await receiver();
    server.script({ dropConnection: true });
    const destination = await openWebhook({ url: server.url, max_retry_wait_ms: 10 });
    const outcomes = await destination.write(upserts(2));

    expect(server.requests).toHaveLength(1);
    expect(statuses(outcomes)).toEqual(['retry', 'retry']);
    expect(outcomes[0]).toMatchObject({ outcomeUnknown: true });
    expect(reasonOf(outcomes[0])).toContain('outcome unknown');
  });

  it('does not resend after a timeout', async () => {
    const server = await receiver();
    server.script({ delayMs: 500 });
    const destination = await openWebhook({ url: server.url, timeout_ms: 100, max_retry_wait_ms: 10 });
    const outcomes = await destination.write(upserts(1));
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(server.requests).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ status: 'retry', outcomeUnknown: true });
    expect(reasonOf(outcomes[0])).toContain('timed out after 100 ms');
  });

  it('resends to an idempotent receiver', async () => {
    const server = await receiver();
    server.script({ dropConnection: true });
    const destination = await openWebhook({ url: server.url, idempotent: true, max_retry_wait_ms: 10 });
    const outcomes = await destination.write(upserts(2));

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted']);
    expect(server.requests).toHaveLength(2);
    const keys = server.requests.map((request) => request.headers['idempotency-key']);
    expect(keys[1]).toBe(keys[0]);
    expect(destination.capabilities.idempotent).toBe(true);
  });
});

describe('webhook authentication failures', () => {
  it('fails the call on 401 without showing secrets', async () => {
    const token = 'tok-live-abcdef0123456789';
    redactor.add(SECRET);
    const server = await receiver({ secret: undefined });
    server.script({
      status: 401,
      body: `invalid credentials: Bearer ${token}, signing key ${SECRET}`,
    });
    const context = testContext();
    const destination = await openWebhook(
      { url: server.url, headers: { Authorization: `Bearer ${token}` } },
      {},
      context,
    );

    const error = await destination.write(upserts(1)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DestinationError);
    const message = (error as DestinationError).message;
    expect(message).toContain('HTTP 401');
    expect(message).toContain('invalid credentials');
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain(token);
    expect((error as DestinationError).retryable).toBe(false);
    expect(JSON.stringify(context.logger.events)).not.toContain(token);
  });

  it('fails on a wrong signature', async () => {
    const server = await receiver({ secret: 'a-different-secret' });
    const destination = await openWebhook({ url: server.url });

    await expect(destination.write(upserts(1))).rejects.toThrow(/HTTP 401/);
    expect(server.requests[0]!.signatureValid).toBe(false);
  });
});

describe('webhook shared account limits', () => {
  it('spaces requests from two syncs by one rate limit', async () => {
    const server = await receiver();
    const account = { url: server.url, max_requests_per_second: 5, max_batch_size: 1 };
    const first = await openWebhook(account, {}, testContext({ syncName: 'first' }));
    const second = await openWebhook(account, {}, testContext({ syncName: 'second' }));

    await Promise.all([first.write(upserts(3)), second.write(upserts(3))]);

    const times = server.requests.map((request) => request.receivedAt).sort((a, b) => a - b);
    expect(times).toHaveLength(6);
    expect(times[5]! - times[0]!).toBeGreaterThanOrEqual(5 * 200 - 50);
    const syncs = new Set(server.requests.map((request) => (request.json as SentBody).sync));
    expect(syncs).toEqual(new Set(['first', 'second']));
  });

  it('shares max_concurrency across syncs', async () => {
    const server = await receiver({ defaultResponse: { delayMs: 100 } });
    const account = { url: `${server.url}/concurrency`, max_concurrency: 1, max_batch_size: 1 };
    const first = await openWebhook(account, {}, testContext({ syncName: 'first' }));
    const second = await openWebhook(account, {}, testContext({ syncName: 'second' }));

    await Promise.all([first.write(upserts(2)), second.write(upserts(2))]);

    expect(server.requests).toHaveLength(4);
    expect(server.maxInFlight).toBe(1);
  });
});

describe('webhook config', () => {
  it('fills defaults', () => {
    const account = webhookAccountSchema.parse({ type: 'webhook', url: 'http://127.0.0.1:9/hook' });
    expect(account).toMatchObject({
      max_batch_size: 500,
      max_concurrency: 4,
      max_attempts: 5,
      idempotent: false,
      headers: {},
    });
  });

  it.each([
    [{ url: 'ftp://127.0.0.1/x' }, 'http:// or https://'],
    [{ url: 'http://127.0.0.1', headers: { 'X-A': 'a\r\nX-B: b' } }, 'line breaks'],
    [{ url: 'http://127.0.0.1', max_batch_size: 0 }, 'max_batch_size'],
    [{ url: 'http://127.0.0.1', retries: 3 }, 'retries'],
  ])('rejects invalid account %#', (input, text) => {
    const result = webhookAccountSchema.safeParse({ type: 'webhook', ...input });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(text);
  });
});

/** Returns a loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
