import { afterEach, describe, expect, it } from 'vitest';
import type { TwilioImitation } from '../../../src/imitations/twilio.js';
import { SENDER, TwilioFixture } from './twilio-fixture.js';

const fixture = new TwilioFixture();

afterEach(() => fixture.cleanup());

interface PostOptions {
  body: string;
  contentType?: string;
  authorization?: string;
  path?: string;
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

async function post(imitation: TwilioImitation, options: PostOptions) {
  const path = options.path ?? `/2010-04-01/Accounts/${imitation.accountSid}/Messages.json`;
  const response = await fetch(`${imitation.url}${path}`, {
    method: 'POST',
    headers: {
      'Content-Type': options.contentType ?? 'application/x-www-form-urlencoded',
      Authorization: options.authorization ?? basic(imitation.accountSid, imitation.authToken),
    },
    body: options.body,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function form(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

describe('Twilio imitation', () => {
  it('creates a message with its segment count', async () => {
    const imitation = await fixture.imitation();
    const { status, json } = await post(imitation, {
      body: form({ To: '+12025550164', From: SENDER, Body: `${'a'.repeat(160)}€` }),
    });

    expect(status).toBe(201);
    expect(json.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(json.status).toBe('queued');
    expect(json.num_segments).toBe('2');
    expect(imitation.state.messages).toHaveLength(1);
    expect(imitation.state.messages[0]?.to).toBe('+12025550164');
  });

  it('rejects wrong credentials with 20003', async () => {
    const imitation = await fixture.imitation();
    const { status, json } = await post(imitation, {
      body: form({ To: '+12025550164', From: SENDER, Body: 'Hi' }),
      authorization: basic(imitation.accountSid, 'wrong-token'),
    });
    expect(status).toBe(401);
    expect(json.code).toBe(20003);
    expect(imitation.state.messages).toHaveLength(0);
  });

  it('ignores JSON bodies as Twilio does', async () => {
    const imitation = await fixture.imitation();
    const { status, json } = await post(imitation, {
      body: JSON.stringify({ To: '+12025550164', From: SENDER, Body: 'Hi' }),
      contentType: 'application/json',
    });
    expect(status).toBe(400);
    expect(json.code).toBe(21604);
    expect(imitation.state.messages).toHaveLength(0);
  });

  it('requires To in E.164', async () => {
    const imitation = await fixture.imitation();
    const { status, json } = await post(imitation, {
      body: form({ To: '(202) 555-0164', From: SENDER, Body: 'Hi' }),
    });
    expect(status).toBe(400);
    expect(json.code).toBe(21211);
    expect(json.more_info).toBe('https://www.twilio.com/docs/errors/21211');
  });

  it('rejects opted-out pairs per sender', async () => {
    const imitation = await fixture.imitation({ optedOut: { [SENDER]: ['+12025550164'] } });
    const blocked = await post(imitation, {
      body: form({ To: '+12025550164', From: SENDER, Body: 'Hi' }),
    });
    const otherSender = await post(imitation, {
      body: form({ To: '+12025550164', From: '+12025550199', Body: 'Hi' }),
    });

    expect(blocked.status).toBe(400);
    expect(blocked.json.code).toBe(21610);
    expect(otherSender.status).toBe(201);
  });

  it('returns scripted number errors', async () => {
    const imitation = await fixture.imitation({ numberErrors: { '+12025550180': 21614 } });
    const { status, json } = await post(imitation, {
      body: form({ To: '+12025550180', From: SENDER, Body: 'Hi' }),
    });
    expect(status).toBe(400);
    expect(json.code).toBe(21614);
  });

  it('responds 20429 beyond its concurrency', async () => {
    const imitation = await fixture.imitation({ maxConcurrency: 1, responseDelayMs: 200 });
    const body = form({ To: '+12025550164', From: SENDER, Body: 'Hi' });
    const results = await Promise.all([post(imitation, { body }), post(imitation, { body })]);

    const sorted = results.map((result) => result.status).sort();
    expect(sorted).toEqual([201, 429]);
    expect(results.find((result) => result.status === 429)?.json.code).toBe(20429);
    expect(imitation.state.messages).toHaveLength(1);
  });

  it('lists and fetches created messages', async () => {
    const imitation = await fixture.imitation();
    await post(imitation, { body: form({ To: '+12025550164', From: SENDER, Body: 'One' }) });
    await post(imitation, { body: form({ To: '+12025550165', From: SENDER, Body: 'Two' }) });
    const headers = { Authorization: basic(imitation.accountSid, imitation.authToken) };
    const base = `${imitation.url}/2010-04-01/Accounts/${imitation.accountSid}`;

    const list = await fetch(`${base}/Messages.json?To=%2B12025550165`, { headers });
    const listed = (await list.json()) as { messages: { body: string; sid: string }[] };
    expect(listed.messages.map((message) => message.body)).toEqual(['Two']);

    const sid = listed.messages[0]!.sid;
    const fetched = await fetch(`${base}/Messages/${sid}.json`, { headers });
    expect(((await fetched.json()) as { body: string }).body).toBe('Two');
  });

  it('responds 20404 for unknown paths', async () => {
    const imitation = await fixture.imitation();
    const { status, json } = await post(imitation, { body: '', path: '/2010-04-01/Calls.json' });
    expect(status).toBe(404);
    expect(json.code).toBe(20404);
  });
});
