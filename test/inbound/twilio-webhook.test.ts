import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../src/core/logger.js';
import { EMPTY_TWIML, MAX_BODY_BYTES } from '../../src/inbound/twilio-webhook.js';
import { type InboundServer, startInboundServer } from '../../src/inbound/inbound-server.js';
import { computeTwilioSignature } from '../../src/inbound/twilio-signature.js';
import { IMITATION_AUTH_TOKEN, startTwilioImitation, type TwilioImitation } from '../../src/imitations/twilio.js';
import { defaultRunOptions } from '../../src/run/run-context.js';
import { runProject } from '../../src/run/run-project.js';
import { MemorySuppressionList } from '../../src/suppression/memory-suppression-list.js';
import type { SuppressionList } from '../../src/suppression/suppression-list.js';
import { baseProject, openTestContext, writeProject } from '../support/project-fixture.js';
import { smsSyncFiles } from '../support/sms-project.js';

const SENDER = '+12025550100';
const PERSON = '+12025550162';

let server: InboundServer | undefined;
let imitation: TwilioImitation | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
  await imitation?.close();
  imitation = undefined;
});

async function startWebhook(suppressions: SuppressionList, logger = new MemoryLogger(), publicUrl?: string) {
  server = await startInboundServer({
    host: '127.0.0.1',
    port: 0,
    path: '/twilio/inbound',
    publicUrl,
    authToken: IMITATION_AUTH_TOKEN,
    suppressions,
    logger,
  });
  return { url: server.url, logger };
}

function replyForm(from: string, body: string): Record<string, string> {
  return {
    MessageSid: 'SM0123456789abcdef0123456789abcdef',
    AccountSid: `AC${'0'.repeat(32)}`,
    From: from,
    To: SENDER,
    Body: body,
    NumMedia: '0',
  };
}

/** Posts the form as Twilio does, signed for `signedUrl` (the request's own URL by default). */
async function postReply(
  url: string,
  form: Record<string, string>,
  signature: string | null = computeTwilioSignature(IMITATION_AUTH_TOKEN, url, Object.entries(form)),
): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
  if (signature !== null) headers['X-Twilio-Signature'] = signature;
  return fetch(url, { method: 'POST', headers, body: new URLSearchParams(form).toString() });
}

async function smsProject(baseUrl: string): Promise<string> {
  return writeProject({
    'sluice.yml': `${baseProject('unused', 'sources:\n  crm:\n    tables:\n      people: { file: data/people.csv, format: csv }\n')}  sms:
    type: twilio
    account_sid: AC00000000000000000000000000000000
    auth_token: ${IMITATION_AUTH_TOKEN}
    from: '${SENDER}'
    base_url: ${baseUrl}
`,
    ...smsSyncFiles(`id,phone,first_name\np1,${PERSON},Ana\np2,+12025550163,Li\n`),
  });
}

describe('Twilio inbound webhook', () => {
  it('suppresses a signed STOP so the next sync skips the number', async () => {
    imitation = await startTwilioImitation();
    const context = await openTestContext(await smsProject(imitation.url));
    try {
      const { url, logger } = await startWebhook(context.store.suppressions);
      const response = await postReply(url, replyForm(PERSON, 'Stop'));

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/xml');
      expect(await response.text()).toBe(EMPTY_TWIML);
      expect(await context.store.suppressions.isSuppressed('sms', PERSON, SENDER)).toBe(true);
      expect(await context.store.suppressions.isSuppressed('sms', PERSON, '+12025550199')).toBe(true);

      const summary = await runProject(context, defaultRunOptions);
      expect(summary.syncs[0]!.counts.accepted).toBe(1);
      expect(imitation.state.messages.map((message) => message.to)).toEqual(['+12025550163']);

      const logged = JSON.stringify(logger.events);
      expect(logger.events.map((event) => event.event)).toContain('inbound.reply_applied');
      expect(logged).not.toContain('5550162');
      expect(logged).not.toContain(SENDER.slice(1));
      expect(logged).not.toContain('Stop');
    } finally {
      await context.close();
    }
  });

  it('rejects a wrong signature and changes nothing', async () => {
    const suppressions = new MemorySuppressionList();
    const { url, logger } = await startWebhook(suppressions);
    const form = replyForm(PERSON, 'STOP');

    const forged = computeTwilioSignature('another-accounts-token', url, Object.entries(form));
    const wrong = await postReply(url, form, forged);
    expect(wrong.status).toBe(403);

    const missing = await postReply(url, form, null);
    expect(missing.status).toBe(403);

    // A valid signature over other parameters: the body was changed on the way.
    const signedForOtherBody = computeTwilioSignature(IMITATION_AUTH_TOKEN, url, Object.entries(replyForm(PERSON, 'hello')));
    const tampered = await postReply(url, form, signedForOtherBody);
    expect(tampered.status).toBe(403);

    expect(await suppressions.list()).toEqual([]);
    const rejections = logger.events.filter((event) => event.event === 'inbound.signature_rejected');
    expect(rejections).toHaveLength(1);
    expect(JSON.stringify(logger.events)).not.toContain('5550162');
  });

  it('lifts an opt-out on START', async () => {
    const suppressions = new MemorySuppressionList();
    const { url } = await startWebhook(suppressions);

    expect((await postReply(url, replyForm(PERSON, 'STOP'))).status).toBe(200);
    expect(await suppressions.isSuppressed('sms', PERSON)).toBe(true);

    expect((await postReply(url, replyForm(PERSON, 'start'))).status).toBe(200);
    expect(await suppressions.isSuppressed('sms', PERSON)).toBe(false);
  });

  it('keeps an operator entry on START', async () => {
    const suppressions = new MemorySuppressionList();
    await suppressions.add([
      { channel: 'sms', address: PERSON, sender: null, reason: 'asked by phone', source: 'manual', createdAt: new Date().toISOString() },
    ]);
    const { url } = await startWebhook(suppressions);

    expect((await postReply(url, replyForm(PERSON, 'START'))).status).toBe(200);
    expect(await suppressions.isSuppressed('sms', PERSON)).toBe(true);
  });

  it('ignores a message that is no keyword', async () => {
    const suppressions = new MemorySuppressionList();
    const { url } = await startWebhook(suppressions);

    const response = await postReply(url, replyForm(PERSON, 'please stop by tomorrow'));
    expect(response.status).toBe(200);
    expect(await suppressions.list()).toEqual([]);
  });

  it('validates against the configured public URL', async () => {
    const suppressions = new MemorySuppressionList();
    const publicUrl = 'https://hooks.example.com/twilio/inbound';
    const { url } = await startWebhook(suppressions, new MemoryLogger(), publicUrl);
    const form = replyForm(PERSON, 'STOP');

    const signedForLocal = await postReply(url, form);
    expect(signedForLocal.status).toBe(403);

    const signature = computeTwilioSignature(IMITATION_AUTH_TOKEN, `${publicUrl}?site=eu`, Object.entries(form));
    const signedForPublic = await postReply(`${url}?site=eu`, form, signature);
    expect(signedForPublic.status).toBe(200);
    expect(await suppressions.isSuppressed('sms', PERSON)).toBe(true);
  });

  it('answers other paths, methods and bodies with errors', async () => {
    const suppressions = new MemorySuppressionList();
    const { url } = await startWebhook(suppressions);
    const origin = new URL(url).origin;

    expect((await fetch(`${origin}/other`, { method: 'POST' })).status).toBe(404);

    const get = await fetch(url);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');

    const json = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(415);

    const large = await postReply(url, replyForm(PERSON, 'x'.repeat(MAX_BODY_BYTES)));
    expect(large.status).toBe(413);
    expect(await suppressions.list()).toEqual([]);
  });
});
