import { afterEach, describe, expect, it } from 'vitest';
import { loadProject } from '../../src/config/load-project.js';
import { destinationTypes } from '../../src/destinations/registry.js';
import { startTwilioImitation, type TwilioImitation } from '../../src/imitations/twilio.js';
import { checkSyncDestinations } from '../../src/run/check-sync-destinations.js';
import { defaultRunOptions } from '../../src/run/run-context.js';
import { runProject } from '../../src/run/run-project.js';
import { openTestContext, writeFiles } from '../support/project-fixture.js';
import { writeSmsProject } from '../support/sms-project.js';

let imitation: TwilioImitation | undefined;
afterEach(async () => {
  await imitation?.close();
  imitation = undefined;
});

const smsProject = (url: string) => writeSmsProject(url, 'id,phone,first_name\np1,+12025550162,Ana\np2,+12025550163,Li\n');

async function checkProject(dir: string) {
  const project = await loadProject(dir, { env: {} });
  return checkSyncDestinations(project.dir, project.config.destinations, project.syncs.values(), destinationTypes);
}

describe('template checks before sending', () => {
  it('stop a sync whose template reads an unmapped field', async () => {
    imitation = await startTwilioImitation();
    const dir = await smsProject(imitation.url);
    await writeFiles(dir, { 'templates/hello.hbs': 'Hi {{first_name}}, your {{order_id}} shipped.\n' });
    const context = await openTestContext(dir);
    try {
      const summary = await runProject(context, defaultRunOptions);

      expect(summary.syncs[0]!.status).toBe('failed');
      expect(summary.syncs[0]!.error).toContain('template hello.hbs reads order_id, which the mapping does not provide');
      expect(summary.syncs[0]!.counts.rejected).toBe(0);
      expect(imitation.state.requests).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('report a missing template file and unmapped fields', async () => {
    const dir = await smsProject('http://127.0.0.1:9');
    expect(await checkProject(dir)).toEqual([]);

    await writeFiles(dir, { 'templates/hello.hbs': 'Hi {{first_name}} {{last_name}}\n' });
    const unmapped = await checkProject(dir);
    expect(unmapped).toEqual([{ file: 'syncs/hello_sms.yml', path: 'destination_options.template', message: expect.stringContaining('reads last_name') }]);

    await writeFiles(dir, {
      'syncs/hello_sms.yml': 'model: people\ndestination: sms\nmode: trigger\nmapping: { phone: phone }\ndestination_options: { template: helo.hbs, to_field: phone }\n',
    });
    const missing = await checkProject(dir);
    expect(missing).toEqual([{ file: 'syncs/hello_sms.yml', path: 'destination_options.template', message: expect.stringContaining('templates/helo.hbs is not found') }]);
  });
});
