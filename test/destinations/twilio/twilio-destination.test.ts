import { afterEach, describe, expect, it } from 'vitest';
import { DestinationError } from '../../../src/core/errors.js';
import { twilioDestinationType } from '../../../src/destinations/twilio/index.js';
import { TwilioAccountError } from '../../../src/destinations/twilio/twilio-destination.js';
import { applyInboundReplies } from '../../../src/suppression/inbound-replies.js';
import { MemorySuppressionList } from '../../../src/suppression/memory-suppression-list.js';
import { TemplateError } from '../../../src/templates/message-template.js';
import { changeRecord } from '../change-records.js';
import { SENDER, TwilioFixture, cartSend, reasonOf, statuses } from './twilio-fixture.js';
import { findFreePort } from '../../support/free-port.js';

const fixture = new TwilioFixture();

afterEach(() => fixture.cleanup());

describe('Twilio destination sending', () => {
  it('posts one form-encoded message per record with Basic auth', async () => {
    const imitation = await fixture.imitation();
    const { destination } = await fixture.open(imitation);
    const outcomes = await destination.write([
      cartSend('c1', '+12025550164'),
      cartSend('c2', '+12025550165', { first_name: 'Tom & Jerry' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted']);
    expect(imitation.state.requests).toHaveLength(2);
    for (const request of imitation.state.requests) {
      expect(request.contentType).toBe('application/x-www-form-urlencoded');
      expect(request.authUser).toBe(imitation.accountSid);
      expect(request.params.From).toBe(SENDER);
    }
    const bodies = new Map(imitation.state.messages.map((message) => [message.to, message.body]));
    expect(bodies.get('+12025550164')).toBe(
      'Hi Ana, your basket of £42.50 is waiting. Reply STOP to opt out.',
    );
    expect(bodies.get('+12025550165')).toContain('Hi Tom & Jerry,');
  });

  it('declares non-idempotent sends only', async () => {
    const imitation = await fixture.imitation();
    const { destination } = await fixture.open(imitation, { account: { max_concurrency: 3 } });
    expect(destination.capabilities.idempotent).toBe(false);
    expect(destination.capabilities.operations).toEqual(['send']);
    expect(destination.capabilities.maxConcurrency).toBe(3);
    expect(destination.capabilities.maxBatchSize).toBeLessThanOrEqual(50);
  });

  it('sends through a Messaging Service when configured', async () => {
    const imitation = await fixture.imitation();
    const serviceSid = `MG${'a'.repeat(32)}`;
    const { destination } = await fixture.open(imitation, {
      account: { from: undefined, messaging_service_sid: serviceSid },
    });
    expect(statuses(await destination.write([cartSend('c1', '+12025550164')]))).toEqual([
      'accepted',
    ]);
    expect(imitation.state.requests[0]?.params.MessagingServiceSid).toBe(serviceSid);
    expect(imitation.state.requests[0]?.params.From).toBeUndefined();
  });

  it('normalises national numbers to E.164', async () => {
    const imitation = await fixture.imitation();
    const { destination } = await fixture.open(imitation, {
      options: { default_country: 'us', country_field: 'country' },
    });
    const outcomes = await destination.write([
      cartSend('c1', '(202) 555-0164'),
      cartSend('c2', '020 7946 0958', { country: 'gb' }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted']);
    const recipients = imitation.state.messages.map((message) => message.to).sort();
    expect(recipients).toEqual(['+12025550164', '+442079460958']);
  });

  it('rejects a non-send operation', async () => {
    const imitation = await fixture.imitation();
    const { destination } = await fixture.open(imitation);
    const outcomes = await destination.write([
      changeRecord('c1', 'upsert', { phone: '+12025550164' }),
    ]);
    expect(statuses(outcomes)).toEqual(['rejected']);
    expect(reasonOf(outcomes[0])).toContain('use mode: trigger');
    expect(imitation.state.requests).toHaveLength(0);
  });
});

describe('Twilio destination invalid numbers', () => {
  it('rejects an invalid number alone before calling Twilio', async () => {
    const imitation = await fixture.imitation();
    const { destination } = await fixture.open(imitation);
    const outcomes = await destination.write([
      cartSend('c1', '+12025550164'),
      cartSend('c2', '12345'),
      cartSend('c3', null),
      cartSend('c4', '+12025550165'),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'rejected', 'rejected', 'accepted']);
    expect(reasonOf(outcomes[1])).toContain('field "phone" is not a valid phone number');
    expect(reasonOf(outcomes[1])).toContain('21211');
    expect(reasonOf(outcomes[1])).not.toContain('12345');
    expect(reasonOf(outcomes[2])).toContain('field "phone" is missing or empty');
    expect(imitation.state.requests).toHaveLength(2);
  });

  it('rejects an invalid country code alone', async () => {
    const imitation = await fixture.imitation();
    const { destination } = await fixture.open(imitation, {
      options: { country_field: 'country' },
    });
    const outcomes = await destination.write([cartSend('c1', '020 7946 0958', { country: 'UK' })]);
    expect(statuses(outcomes)).toEqual(['rejected']);
    expect(reasonOf(outcomes[0])).toContain('field "country" is not an ISO 3166-1 alpha-2');
  });

  it('rejects Twilio number errors once', async () => {
    const imitation = await fixture.imitation({
      numberErrors: {
        '+12025550170': 21211,
        '+12025550171': 21408,
        '+12025550172': 21614,
        '+12025550173': 21635,
      },
    });
    const { destination } = await fixture.open(imitation);
    const outcomes = await destination.write([
      cartSend('c0', '+12025550170'),
      cartSend('c1', '+12025550171'),
      cartSend('c2', '+12025550172'),
      cartSend('c3', '+12025550173'),
      cartSend('c4', '+12025550174'),
    ]);

    expect(statuses(outcomes)).toEqual([
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'accepted',
    ]);
    expect(reasonOf(outcomes[0])).toContain('Twilio error 21211: the "To" number is not a valid');
    expect(reasonOf(outcomes[1])).toContain('Twilio error 21408');
    expect(reasonOf(outcomes[2])).toContain('Twilio error 21614: the "To" number is not a mobile');
    expect(reasonOf(outcomes[3])).toContain('Twilio error 21635: the "To" number is a landline');
    expect(reasonOf(outcomes[0])).not.toContain('+12025550170');
    expect(imitation.state.requests).toHaveLength(5);
  });
});

describe('Twilio destination opt-outs', () => {
  it('skips repliers and suppresses a 21610 pair without retrying', async () => {
    const list = new MemorySuppressionList();
    await applyInboundReplies(list, [
      { from: '+12025550162', body: 'OPTOUT' },
      { from: '+12025550163', body: 'Revoke' },
    ]);
    const imitation = await fixture.imitation({ optedOut: { [SENDER]: ['+12025550164'] } });
    const { destination } = await fixture.open(imitation, { suppressionList: list });
    const records = [
      cartSend('c2', '+12025550162'),
      cartSend('c3', '+12025550163'),
      cartSend('c4', '+12025550164'),
      cartSend('c5', '+12025550165'),
    ];

    const outcomes = await destination.write(records);

    expect(statuses(outcomes)).toEqual(['suppressed', 'suppressed', 'rejected', 'accepted']);
    expect(reasonOf(outcomes[0])).toContain('suppression list');
    expect(reasonOf(outcomes[1])).toContain('suppression list');
    expect(reasonOf(outcomes[2])).toContain('Twilio error 21610');
    const sentTo = imitation.state.requests.map((request) => request.params.To);
    expect(sentTo.sort()).toEqual(['+12025550164', '+12025550165']);

    expect(await list.isSuppressed('sms', '+12025550164', SENDER)).toBe(true);
    expect(await list.isSuppressed('sms', '+12025550164', '+12025550199')).toBe(false);
    expect(await list.isSuppressed('email', '+12025550164')).toBe(false);
    const [pair] = await list.list({ channel: 'sms', address: '+12025550164' });
    expect(pair).toMatchObject({ sender: SENDER, source: 'destination_error' });

    // The next run finds the pair on the list and sends no request.
    const again = await destination.write([cartSend('c4', '+12025550164')]);
    expect(statuses(again)).toEqual(['suppressed']);
    expect(reasonOf(again[0])).toContain('suppression list');
    expect(imitation.state.requests).toHaveLength(2);
  });

  it('sends nothing when the suppression lookup fails', async () => {
    const imitation = await fixture.imitation();
    const failingList = new MemorySuppressionList();
    failingList.isSuppressed = async () => {
      throw new Error('database is locked');
    };
    const { destination, context } = await fixture.open(imitation, {
      suppressionList: failingList,
    });
    const outcomes = await destination.write([cartSend('c1', '+12025550164')]);

    expect(statuses(outcomes)).toEqual(['retry']);
    expect(reasonOf(outcomes[0])).toContain('suppression list lookup failed (database is locked)');
    expect(imitation.state.requests).toHaveLength(0);
    const events = context.logger.events.map((event) => event.event);
    expect(events).toContain('twilio.suppression_check_failed');
  });

  it('still rejects a 21610 without a suppression list', async () => {
    const imitation = await fixture.imitation({ optedOut: { [SENDER]: ['+12025550164'] } });
    const { destination, context } = await fixture.open(imitation);
    const outcomes = await destination.write([cartSend('c4', '+12025550164')]);

    expect(statuses(outcomes)).toEqual(['rejected']);
    const events = context.logger.events.map((event) => event.event);
    expect(events).toContain('twilio.suppression_list_missing');
    expect(events).toContain('twilio.opt_out_not_recorded');
  });
});

describe('Twilio destination retries', () => {
  it('retries 429 / 20429 until Twilio has room', async () => {
    const imitation = await fixture.imitation({ maxConcurrency: 1, responseDelayMs: 150 });
    const { destination } = await fixture.open(imitation, {
      account: { max_concurrency: 2, max_retry_wait_ms: 300, max_attempts: 6 },
    });
    const outcomes = await destination.write([
      cartSend('c1', '+12025550164'),
      cartSend('c2', '+12025550165'),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'accepted']);
    const throttled = imitation.state.requests.filter((request) => request.errorCode === 20429);
    expect(throttled.length).toBeGreaterThan(0);
    expect(imitation.state.messages).toHaveLength(2);
  });

  it('returns retry, not unknown, when 429s outlast the attempts', async () => {
    const imitation = await fixture.imitation();
    const tooMany = { code: 20429, message: 'Too Many Requests', status: 429 };
    imitation.state.script({ status: 429, body: tooMany }, { status: 429, body: tooMany });
    const { destination } = await fixture.open(imitation, { account: { max_attempts: 2 } });
    const [outcome] = await destination.write([cartSend('c1', '+12025550164')]);

    expect(outcome?.status).toBe('retry');
    expect(outcome).not.toHaveProperty('outcomeUnknown', true);
    expect(reasonOf(outcome)).toContain('gave up after 2 attempts');
    expect(imitation.state.requests).toHaveLength(2);
    expect(imitation.state.messages).toHaveLength(0);
  });

  it('retries a refused connection', async () => {
    const port = await findFreePort();
    const imitation = await fixture.imitation();
    const { destination } = await fixture.open(imitation, {
      account: { base_url: `http://127.0.0.1:${port}`, max_attempts: 3 },
    });
    const [outcome] = await destination.write([cartSend('c1', '+12025550164')]);

    expect(outcome?.status).toBe('retry');
    expect(outcome).not.toHaveProperty('outcomeUnknown', true);
    expect(reasonOf(outcome)).toContain('gave up after 3 attempts');
  });
});

describe('Twilio destination unknown outcomes', () => {
  const cases = [
    {
      name: 'a dropped connection after create',
      fault: { dropConnection: 'after_create' },
      created: 1,
    },
    {
      name: 'a dropped connection before create',
      fault: { dropConnection: 'before_create' },
      created: 0,
    },
    { name: 'a timeout', fault: { delayMs: 500 }, created: 1 },
    { name: 'a 500', fault: { status: 500, body: { code: 20500 } }, created: 0 },
  ] as const;

  for (const { name, fault, created } of cases) {
    it(`never re-sends after ${name}`, async () => {
      const imitation = await fixture.imitation();
      imitation.state.script(fault);
      const { destination } = await fixture.open(imitation, { account: { timeout_ms: 200 } });
      const outcomes = await destination.write([cartSend('c1', '+12025550164')]);

      expect(outcomes[0]).toMatchObject({ status: 'retry', outcomeUnknown: true });
      expect(reasonOf(outcomes[0])).toContain('outcome unknown');
      expect(imitation.state.requests).toHaveLength(1);
      expect(imitation.state.messages).toHaveLength(created);
    });
  }

  it('keeps the other records of the batch', async () => {
    const imitation = await fixture.imitation();
    imitation.state.script({ dropConnection: 'after_create' });
    const { destination } = await fixture.open(imitation, { account: { max_concurrency: 1 } });
    const outcomes = await destination.write([
      cartSend('c1', '+12025550164'),
      cartSend('c2', '+12025550165'),
    ]);

    expect(statuses(outcomes)).toEqual(['retry', 'accepted']);
    expect(imitation.state.messages).toHaveLength(2);
  });
});

describe('Twilio destination authentication', () => {
  it('fails the call without showing the token', async () => {
    const imitation = await fixture.imitation();
    const wrongToken = 'wrong-token-0123456789abcdef';
    const { destination } = await fixture.open(imitation, {
      account: { auth_token: wrongToken, max_concurrency: 1 },
    });
    const records = [1, 2, 3, 4].map((n) => cartSend(`c${n}`, `+1202555016${n}`));

    const error = await destination.write(records).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(DestinationError);
    const message = (error as DestinationError).message;
    expect(message).toContain(imitation.accountSid);
    expect(message).toContain('check account_sid, auth_token and base_url');
    expect(message).not.toContain(wrongToken);
    const credentials = Buffer.from(`${imitation.accountSid}:${wrongToken}`).toString('base64');
    expect(message).not.toContain(credentials);
    expect((error as DestinationError).retryable).toBe(false);
    // After the first 401, the records still waiting for a slot are not sent.
    expect(imitation.state.requests).toHaveLength(1);
    expect(imitation.state.messages).toHaveLength(0);
    expect(error).toBeInstanceOf(TwilioAccountError);
    expect(statuses((error as TwilioAccountError).outcomes)).toEqual([
      'rejected',
      'retry',
      'retry',
      'retry',
    ]);
  });
});

describe('Twilio destination templates', () => {
  it('rejects a row missing a template field alone', async () => {
    const imitation = await fixture.imitation();
    const { destination } = await fixture.open(imitation);
    const outcomes = await destination.write([
      cartSend('c1', '+12025550164'),
      cartSend('c2', '+12025550165', { first_name: null }),
      cartSend('c3', '+12025550166'),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(reasonOf(outcomes[1])).toContain(
      'template cart_reminder.hbs uses "first_name", which row c2 does not have',
    );
    expect(imitation.state.requests).toHaveLength(2);
  });

  it('rejects messages over max_segments alone', async () => {
    const imitation = await fixture.imitation();
    const { destination } = await fixture.open(imitation, {
      options: { template: 'plain.hbs', max_segments: 1 },
    });
    const outcomes = await destination.write([
      changeRecord('c1', 'send', { phone: '+12025550164', text: 'a'.repeat(160) }),
      changeRecord('c2', 'send', { phone: '+12025550165', text: 'a'.repeat(161) }),
      changeRecord('c3', 'send', { phone: '+12025550166', text: `${'a'.repeat(69)}😀` }),
      changeRecord('c4', 'send', { phone: '+12025550167', text: `${'a'.repeat(68)}😀` }),
    ]);

    expect(statuses(outcomes)).toEqual(['accepted', 'rejected', 'rejected', 'accepted']);
    expect(reasonOf(outcomes[1])).toContain('2 segments (GSM-7), over max_segments 1');
    expect(reasonOf(outcomes[2])).toContain('2 segments (UCS-2), over max_segments 1');
    const segments = imitation.state.messages.map((message) => message.num_segments);
    expect(segments).toEqual(['1', '1']);
  });

  it('rejects bodies over 1,600 characters alone', async () => {
    const imitation = await fixture.imitation();
    const { destination } = await fixture.open(imitation, { options: { template: 'plain.hbs' } });
    const outcomes = await destination.write([
      changeRecord('c1', 'send', { phone: '+12025550164', text: 'a'.repeat(1_601) }),
      changeRecord('c2', 'send', { phone: '+12025550165', text: 'a'.repeat(1_600) }),
    ]);
    expect(statuses(outcomes)).toEqual(['rejected', 'accepted']);
    expect(reasonOf(outcomes[0])).toContain("over Twilio's maximum of 1600");
  });

  it('fails to open with a missing template', async () => {
    const imitation = await fixture.imitation();
    await expect(
      fixture.open(imitation, { options: { template: 'missing.hbs' } }),
    ).rejects.toThrow(TemplateError);
  });
});

describe('Twilio destination config', () => {
  const account = {
    type: 'twilio',
    account_sid: `AC${'0'.repeat(32)}`,
    auth_token: 'token-value',
    from: SENDER,
    base_url: 'http://127.0.0.1:9',
  };

  it('accepts a minimal account with defaults', () => {
    const parsed = twilioDestinationType.accountSchema.parse(account);
    expect(parsed.max_concurrency).toBe(4);
  });

  it('requires base_url', () => {
    const { base_url: _unused, ...withoutUrl } = account;
    expect(twilioDestinationType.accountSchema.safeParse(withoutUrl).success).toBe(false);
  });

  it('requires exactly one of from and messaging_service_sid', () => {
    const both = { ...account, messaging_service_sid: `MG${'0'.repeat(32)}` };
    const neither = { ...account, from: undefined };
    const bothResult = twilioDestinationType.accountSchema.safeParse(both);
    const neitherResult = twilioDestinationType.accountSchema.safeParse(neither);
    expect(bothResult.success).toBe(false);
    expect(neitherResult.success).toBe(false);
    expect(JSON.stringify(bothResult.error?.issues)).toContain('set exactly one of');
  });

  it('checks the Account SID format', () => {
    const result = twilioDestinationType.accountSchema.safeParse({ ...account, account_sid: 'x' });
    expect(result.success).toBe(false);
  });

  it('checks the sync options', () => {
    const parse = (options: Record<string, unknown>) =>
      twilioDestinationType.syncSchema.safeParse({
        template: 't.hbs',
        to_field: 'phone',
        ...options,
      });
    expect(parse({}).success).toBe(true);
    expect(parse({ default_country: 'XX' }).success).toBe(false);
    expect(parse({ time_zone: 'Mars/Base' }).success).toBe(false);
    expect(parse({ max_segments: 0 }).success).toBe(false);
  });
});

