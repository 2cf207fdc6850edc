import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { explainIdentifier } from '../../src/identity/explain.js';
import { formatExplanation } from '../../src/identity/format-explanation.js';
import type { DuckDBAdapter } from '../../src/warehouse/duckdb/duckdb-adapter.js';
import { SCHEMA, at, build, identityConfig, loadTable, openWarehouse, partition, profileOf } from './identity-fixture.js';

/**
 * Two people log in on one device, so one anonymous id is seen with both user ids. Without a
 * limit the anonymous id joins them into one profile and one person's email reaches the other.
 */
const EVENTS = [
  { anonymous_id: 'a-1', user_id: 'u-1', email: null, seen_at: at(1) },
  { anonymous_id: 'a-1', user_id: 'u-2', email: null, seen_at: at(2) },
  { anonymous_id: 'a-2', user_id: 'u-2', email: null, seen_at: at(3) },
  { anonymous_id: null, user_id: 'u-1', email: 'k.mensah@example.com', seen_at: at(4) },
  { anonymous_id: null, user_id: 'u-2', email: 't.ito@example.com', seen_at: at(5) },
];

function config(maxUserIds: number | undefined) {
  return identityConfig({
    inputs: [
      {
        name: 'events',
        relation: { model: 'events' },
        timestamp: 'seen_at',
        identifiers: { anonymous_id: 'anonymous_id', user_id: 'user_id', email: 'email' },
      },
    ],
    types: maxUserIds === undefined ? {} : { user_id: { max_per_profile: maxUserIds } },
    traits: { email: { identifier: 'email', rule: 'most_recent' } },
  });
}

describe('shared anonymous id', () => {
  let warehouse: DuckDBAdapter;
  beforeEach(async () => {
    warehouse = await openWarehouse();
    await loadTable(warehouse, 'events', EVENTS);
  });
  afterEach(async () => warehouse.close());

  it('merges both users without a limit', async () => {
    await build(warehouse, config(undefined));
    expect(await partition(warehouse)).toHaveLength(1);
  });

  it('keeps two profiles with max 1 user_id', async () => {
    const result = await build(warehouse, config(1));

    expect(result.profiles).toBe(2);
    expect(result.limits).toEqual([expect.objectContaining({ identifierType: 'user_id', components: 1, cutEdges: 1 })]);
    expect(await partition(warehouse)).toEqual([
      ['anonymous_id:a-1', 'email:k.mensah@example.com', 'user_id:u-1'],
      ['anonymous_id:a-2', 'email:t.ito@example.com', 'user_id:u-2'],
    ]);
  });

  it('never gives u-2 the email of u-1', async () => {
    await build(warehouse, config(1));
    const profiles = await profileOf(warehouse);

    expect(profiles.get('email:k.mensah@example.com')).toBe(profiles.get('user_id:u-1'));
    expect(profiles.get('email:k.mensah@example.com')).not.toBe(profiles.get('user_id:u-2'));
    const rows = await warehouse.query(`SELECT profile_id, email FROM ${SCHEMA}.profiles`);
    const emailOf = new Map(rows.map((row) => [row.profile_id, row.email]));
    expect(emailOf.get(profiles.get('user_id:u-2'))).toBe('t.ito@example.com');
    expect(emailOf.get(profiles.get('user_id:u-1'))).toBe('k.mensah@example.com');
  });

  it('records the cut link in identity_edges', async () => {
    await build(warehouse, config(1));
    const cut = await warehouse.query(
      `SELECT identifier_type, identifier_value, status FROM ${SCHEMA}.identity_edges WHERE status <> 'active'`,
    );
    // a-1 was seen first with u-1, so the later link from a-1 to u-2 is the one cut.
    expect(cut).toEqual([{ identifier_type: 'anonymous_id', identifier_value: 'a-1', status: 'limit user_id' }]);
  });

  it('explains the chain from email to anonymous id', async () => {
    await build(warehouse, config(1));
    const explanation = await explainIdentifier(warehouse, SCHEMA, 'email', 'k.mensah@example.com');
    if (explanation.status !== 'found') throw new Error(`expected found, got ${explanation.status}`);

    const anonymous = explanation.identifiers.find((identifier) => identifier.value === 'a-1')!;
    expect(anonymous.path.map((hop) => [hop.from.value, hop.to.value, hop.link.source])).toEqual([
      ['k.mensah@example.com', 'u-1', 'events'],
      ['u-1', 'a-1', 'events'],
    ]);
    expect(explanation.identifiers.map((identifier) => identifier.value).sort()).toEqual(['a-1', 'k.mensah@example.com', 'u-1']);
    expect(explanation.removedLinks).toHaveLength(1);
    expect(explanation.removedLinks[0]!.reason).toBe('limit user_id');
    expect(explanation.removedLinks[0]!.linkIdentifiers).toEqual([{ type: 'user_id', value: 'u-2' }]);
  });

  it('formats an explanation as text', async () => {
    await build(warehouse, config(1));
    const explanation = await explainIdentifier(warehouse, SCHEMA, 'user_id', 'u-2');
    const text = formatExplanation(explanation).join('\n');

    expect(text).toContain('user_id "u-2" belongs to profile');
    expect(text).toContain('via events');
    expect(text).toContain('with user_id "u-2" no longer links anonymous_id "a-1"');
  });

  it('reports unknown identifiers', async () => {
    await build(warehouse, config(1));
    const explanation = await explainIdentifier(warehouse, SCHEMA, 'user_id', 'u-404');
    expect(explanation.status).toBe('not_found');
  });
});
