import { afterEach, describe, expect, it } from 'vitest';
import { SENDGRID_IMITATION_API_KEY, startSendgridImitation, type SendgridImitation } from '../../src/imitations/sendgrid.js';
import { defaultRunOptions } from '../../src/run/run-context.js';
import { runProject } from '../../src/run/run-project.js';
import { baseProject, openTestContext, writeProject } from '../support/project-fixture.js';

let imitation: SendgridImitation | undefined;
afterEach(async () => {
  await imitation?.close();
  imitation = undefined;
});

async function listProject(url: string): Promise<string> {
  return writeProject({
    'sluice.yml': `${baseProject('unused', 'sources:\n  crm:\n    tables:\n      people: { file: data/people.csv, format: csv }\n')}  sendgrid:
    type: sendgrid
    api_key: ${SENDGRID_IMITATION_API_KEY}
    base_url: ${url}
    poll_interval_ms: 10
`,
    'data/people.csv': 'id,email\np1,ana@example.com\np2,Li@Example.com\np3,sam@example.com\n',
    'models/people.sql': 'SELECT CAST(id AS VARCHAR) AS id, CAST(email AS VARCHAR) AS email FROM {{source "crm" "people"}}',
    'models/people.yml': 'primary_key: id\npii: [email]\n',
    'syncs/newsletter.yml': `model: people
destination: sendgrid
mode: audience
mapping:
  email: email
destination_options: { list_ids: [sluice-demo-list] }
`,
  });
}

const listMembers = (server: SendgridImitation) =>
  [...(server.state.lists.get('sluice-demo-list') ?? [])].map((id) => String(server.state.contacts.get(id)?.email)).sort();

describe('email list syncs and the suppression list', () => {
  it('keep suppressed addresses off the list until the entry is lifted', async () => {
    imitation = await startSendgridImitation();
    const context = await openTestContext(await listProject(imitation.url));
    try {
      const entry = { channel: 'email' as const, address: 'li@example.com', sender: null, reason: 'asked by phone', source: 'manual' as const, createdAt: new Date().toISOString() };
      await context.store.suppressions.add([entry]);

      const first = await runProject(context, defaultRunOptions);
      expect(listMembers(imitation)).toEqual(['ana@example.com', 'sam@example.com']);
      expect(first.syncs[0]!.counts).toMatchObject({ added: 3, accepted: 2, rejected: 0, skipped: 1 });
      expect(first.syncs[0]!.status).toBe('success');

      await context.store.suppressions.remove({ channel: 'email', address: 'li@example.com', sender: null });
      const second = await runProject(context, defaultRunOptions);
      expect(listMembers(imitation)).toEqual(['ana@example.com', 'li@example.com', 'sam@example.com']);
      expect(second.syncs[0]!.counts).toMatchObject({ accepted: 1, skipped: 0 });
    } finally {
      await context.close();
    }
  });
});
