import { afterEach, describe, expect, it } from 'vitest';
import { startTwilioImitation, type TwilioImitation } from '../../src/imitations/twilio.js';
import { applyInboundReplies } from '../../src/suppression/inbound-replies.js';
import { defaultRunOptions } from '../../src/run/run-context.js';
import { runProject } from '../../src/run/run-project.js';
import { baseProject, openTestContext, writeProject } from '../support/project-fixture.js';
import { smsSyncFiles } from '../support/sms-project.js';

let imitation: TwilioImitation | undefined;
afterEach(async () => {
  await imitation?.close();
  imitation = undefined;
});

async function smsProject(url: string): Promise<string> {
  return writeProject({
    'sluice.yml': `${baseProject('unused', 'sources:\n  crm:\n    tables:\n      people: { file: data/people.csv, format: csv }\n')}  sms:
    type: twilio
    account_sid: AC00000000000000000000000000000000
    auth_token: imitation-auth-token
    from: '+12025550100'
    base_url: ${url}
`,
    ...smsSyncFiles('id,phone,first_name\np1,+12025550162,Ana\np2,+12025550163,Li\np3,+12025550164,Sam\np4,+12025550165,Kim\n'),
  });
}

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
      expect(first.syncs[0]!.counts.accepted).toBe(1);

      const afterError = await context.store.suppressions.isSuppressed('sms', '+12025550164', '+12025550100');
      expect(afterError).toBe(true);
      expect(await context.store.suppressions.isSuppressed('email', '+12025550164')).toBe(false);

      const requestsBefore = imitation.state.requests.length;
      await runProject(context, defaultRunOptions);
      const createCalls = imitation.state.requests.slice(requestsBefore).filter((request) => request.method === 'POST');
      expect(createCalls).toEqual([]);
      expect(imitation.state.messages.map((message) => message.to)).toEqual(['+12025550165']);
    } finally {
      await context.close();
    }
  });
});
