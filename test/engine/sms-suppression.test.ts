import { afterEach, describe, expect, it } from 'vitest';
import { startTwilioImitation, type TwilioImitation } from '../../src/imitations/twilio.js';
import { applyInboundReplies } from '../../src/suppression/inbound-replies.js';
import { defaultRunOptions } from '../../src/run/run-context.js';
import { runProject } from '../../src/run/run-project.js';
import { openTestContext } from '../support/project-fixture.js';
import { writeSmsProject } from '../support/sms-project.js';

let imitation: TwilioImitation | undefined;
afterEach(async () => {
  await imitation?.close();
  imitation = undefined;
});

const smsProject = (url: string) => writeSmsProject(url, 'id,phone,first_name\np1,+12025550162,Ana\np2,+12025550163,Li\np3,+12025550164,Sam\np4,+12025550165,Kim\n');

describe('SMS sends and the suppression list', () => {
  it('never texts people who opted out, and remembers a 21610 for that sender', async () => {
    imitation = await startTwilioImitation({ optedOut: { '+12025550100': ['+12025550164'] } });
    const dir = await smsProject(imitation.url);
    const context = await openTestContext(dir);
    try {
      await applyInboundReplies(context.store.suppressions, [
        { from: '+12025550162', to: '+12025550100', body: '  OPTOUT ' },
        { from: '+12025550163', to: '+12025550100', body: 'Revoke' },
      ]);

      const first = await runProject(context, defaultRunOptions);
      const sentTo = imitation.state.messages.map((message) => message.to);
      expect(sentTo).toEqual(['+12025550165']);
      expect(first.syncs[0]!.counts).toMatchObject({ accepted: 1, rejected: 1, skipped: 2 });
      expect(first.syncs[0]!.status).toBe('partial');

      const afterError = await context.store.suppressions.isSuppressed('sms', '+12025550164', '+12025550100');
      expect(afterError).toBe(true);
      expect(await context.store.suppressions.isSuppressed('email', '+12025550164')).toBe(false);

      const requestsBefore = imitation.state.requests.length;
      const second = await runProject(context, defaultRunOptions);
      const createCalls = imitation.state.requests.slice(requestsBefore).filter((request) => request.method === 'POST');
      expect(createCalls).toEqual([]);
      expect(imitation.state.messages.map((message) => message.to)).toEqual(['+12025550165']);
      // Suppressed rows are skipped, not failures, so a run with only those succeeds.
      expect(second.syncs[0]!.counts).toMatchObject({ accepted: 0, rejected: 0, skipped: 3 });
      expect(second.syncs[0]!.status).toBe('success');

      await context.store.suppressions.remove({ channel: 'sms', address: '+12025550162', sender: null });
      const third = await runProject(context, defaultRunOptions);
      expect(imitation.state.messages.map((message) => message.to)).toEqual(['+12025550165', '+12025550162']);
      expect(third.syncs[0]!.counts).toMatchObject({ accepted: 1, rejected: 0, skipped: 2 });
    } finally {
      await context.close();
    }
  });
});
