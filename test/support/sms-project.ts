import { baseProject, writeProject } from './project-fixture.js';

/**
 * Returns the files of a small SMS project without its sluice.yml: a `people` model over
 * `data/people.csv` (id, phone, first_name), a template, and the trigger sync `hello_sms`, which
 * texts each new person through the destination named `sms`.
 */
export function smsSyncFiles(peopleCsv: string): Record<string, string> {
  return {
    'data/people.csv': peopleCsv,
    'models/people.sql': 'SELECT CAST(id AS VARCHAR) AS id, CAST(phone AS VARCHAR) AS phone, first_name FROM {{source "crm" "people"}}',
    'models/people.yml': 'primary_key: id\npii: [phone, first_name]\n',
    'templates/hello.hbs': 'Hi {{first_name}}, your order shipped. Reply STOP to opt out.\n',
    'syncs/hello_sms.yml': `model: people
destination: sms
mode: trigger
mapping:
  phone: phone
  first_name: first_name
destination_options: { template: hello.hbs, to_field: phone }
`,
  };
}

/**
 * Writes a whole SMS project into a new temporary folder: smsSyncFiles and a sluice.yml whose
 * `sms` destination is a Twilio account at `twilioUrl`. Returns the folder.
 */
export async function writeSmsProject(twilioUrl: string, peopleCsv: string): Promise<string> {
  return writeProject({
    'sluice.yml': `${baseProject('unused', 'sources:\n  crm:\n    tables:\n      people: { file: data/people.csv, format: csv }\n')}  sms:
    type: twilio
    account_sid: AC00000000000000000000000000000000
    auth_token: imitation-auth-token
    from: '+12025550100'
    base_url: ${twilioUrl}
`,
    ...smsSyncFiles(peopleCsv),
  });
}
