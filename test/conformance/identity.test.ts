import { createHash } from 'node:crypto';
import { beforeEach, expect, it } from 'vitest';
import type { Row } from '../../src/core/values.js';
import { resetInboxes, sentRecords } from '../support/memory-destination.js';
import { at } from '../identity/identity-fixture.js';
import { describeEachWarehouse, loadSource, runProjectOnce, syncOf, writeTargetProject, type TargetProject } from './conformance-fixture.js';
import type { WarehouseTarget } from '../support/targets/index.js';

beforeEach(() => resetInboxes());

const IDENTITY_SECTION = `identity:
  name: people
  inputs:
    - name: signups
      relation: { model: signups }
      timestamp: seen_at
      identifiers: { anonymous_id: anonymous_id, user_id: user_id, email: email }
`;

const SIGNUP_COLUMNS = [
  { name: 'anonymous_id', type: 'string' },
  { name: 'user_id', type: 'string' },
  { name: 'email', type: 'string' },
  { name: 'seen_at', type: 'timestamp' },
] as const;

const signup = (minutes: number, ids: { anonymous_id: string; user_id?: string; email?: string }): Row => ({
  anonymous_id: ids.anonymous_id,
  user_id: ids.user_id ?? null,
  email: ids.email ?? null,
  seen_at: at(minutes),
});

/**
 * Two people, each with a cookie and an email, two visitors whose user id is a placeholder, and
 * an email written in Unicode NFD (e and a combining acute accent), which normalises to NFC.
 */
const BEFORE_LOGIN = [
  signup(1, { anonymous_id: 'a-1', email: ' Ana@Example.COM ' }),
  signup(2, { anonymous_id: 'a-2', email: 'ana.k@example.com' }),
  signup(3, { anonymous_id: 'a-3', user_id: 'anonymous' }),
  signup(4, { anonymous_id: 'a-4', user_id: 'Anonymous' }),
  signup(5, { anonymous_id: 'a-5', email: 'JOSE\u0301@Example.com' }),
];

/** One user id seen with both cookies, which chains the two people into one. */
const LOGINS = [signup(6, { anonymous_id: 'a-1', user_id: 'u-1' }), signup(7, { anonymous_id: 'a-2', user_id: 'u-1' })];

/** A new profile's id is the MD5 of its earliest identifier as `type:value`. */
const idOf = (identifier: string) => createHash('md5').update(identifier, 'utf8').digest('hex');

async function identityProject(target: WarehouseTarget, inboxName: string): Promise<TargetProject> {
  return writeTargetProject(target, {
    inbox: inboxName,
    sources: ['signups'],
    sections: IDENTITY_SECTION,
    accounts: { merges_account: `${inboxName}_merges` },
    files: {
      'models/signups.sql': 'SELECT anonymous_id, user_id, email, seen_at FROM {{source "crm" "signups"}}',
      // Syncs read models, so two thin models expose the identity outputs.
      'models/graph_rows.sql': 'SELECT identifier_type, identifier_value, profile_id FROM {{ref "identity_graph"}}',
      'models/merge_rows.sql': 'SELECT absorbed_profile_id, surviving_profile_id FROM {{ref "profile_merges"}}',
      'syncs/graph.yml': `model: graph_rows
destination: memory
mode: upsert
primary_key: [identifier_type, identifier_value]
mapping: { profile_id: profile_id }
`,
      'syncs/merges.yml': `model: merge_rows
destination: merges_account
mode: insert
primary_key: absorbed_profile_id
mapping: { surviving_profile_id: surviving_profile_id }
`,
    },
  });
}

/** Profile id by `type:value`, from every identity_graph row the sync delivered. */
function deliveredProfiles(inboxName: string): Map<string, string> {
  const profiles = new Map<string, string>();
  for (const record of sentRecords(inboxName)) {
    const identifier = record.key.replace(/^\d+:/, '').replace(/\|\d+:/, ':');
    profiles.set(identifier, record.fields!.profile_id as string);
  }
  return profiles;
}

describeEachWarehouse('identity resolution', (target) => {
  it('merges a chain, blocks placeholders and keeps ids on rebuild', async () => {
    const name = `${target.name}_graph`;
    const project = await identityProject(target, name);
    await loadSource(project, 'signups', [...SIGNUP_COLUMNS], BEFORE_LOGIN);
    const first = await runProjectOnce(project);
    expect(first.status).toBe('success');

    const before = deliveredProfiles(name);
    expect([...before.keys()].sort()).toEqual([
      'anonymous_id:a-1',
      'anonymous_id:a-2',
      'anonymous_id:a-3',
      'anonymous_id:a-4',
      'anonymous_id:a-5',
      'email:ana.k@example.com',
      'email:ana@example.com',
      'email:jos\u00e9@example.com',
    ]);
    expect(before.get('email:ana@example.com')).toBe(idOf('anonymous_id:a-1'));
    expect(before.get('anonymous_id:a-1')).toBe(idOf('anonymous_id:a-1'));
    expect(before.get('email:ana.k@example.com')).toBe(idOf('anonymous_id:a-2'));
    expect(before.get('anonymous_id:a-3')).toBe(idOf('anonymous_id:a-3'));
    expect(before.get('anonymous_id:a-4')).toBe(idOf('anonymous_id:a-4'));
    expect(before.get('email:jos\u00e9@example.com')).toBe(idOf('anonymous_id:a-5'));

    await loadSource(project, 'signups', [...SIGNUP_COLUMNS], [...BEFORE_LOGIN, ...LOGINS]);
    const merged = await runProjectOnce(project);
    // The new user id is added; the younger profile's two identifiers move to the older one.
    expect(syncOf(merged, 'graph').counts).toMatchObject({ added: 1, changed: 2, removed: 0 });
    const after = deliveredProfiles(name);
    const ana = idOf('anonymous_id:a-1');
    for (const identifier of ['anonymous_id:a-1', 'anonymous_id:a-2', 'email:ana@example.com', 'email:ana.k@example.com', 'user_id:u-1']) {
      expect(after.get(identifier), identifier).toBe(ana);
    }
    expect(after.get('anonymous_id:a-3')).not.toBe(after.get('anonymous_id:a-4'));
    expect(sentRecords(`${name}_merges`)).toEqual([
      expect.objectContaining({ key: idOf('anonymous_id:a-2'), fields: { surviving_profile_id: ana } }),
    ]);

    // A full rebuild: the same rows in a new, empty warehouse give every identifier the same id.
    const rebuiltName = `${target.name}_rebuilt`;
    const rebuilt = await identityProject(target, rebuiltName);
    await loadSource(rebuilt, 'signups', [...SIGNUP_COLUMNS], [...BEFORE_LOGIN, ...LOGINS]);
    await runProjectOnce(rebuilt);
    expect(deliveredProfiles(rebuiltName)).toEqual(after);
  });
});
