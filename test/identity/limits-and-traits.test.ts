import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DuckDBAdapter } from '../../src/warehouse/duckdb/duckdb-adapter.js';
import { SCHEMA, at, build, identityConfig, loadTable, openWarehouse, partition } from './identity-fixture.js';

describe('limits', () => {
  let warehouse: DuckDBAdapter;
  beforeEach(async () => {
    warehouse = await openWarehouse();
  });
  afterEach(async () => warehouse.close());

  it('keep at most two emails and regroup the rest', async () => {
    await loadTable(warehouse, 'accounts', [
      { user_id: 'u-1', email: 'first@example.com', seen_at: at(1) },
      { user_id: 'u-1', email: 'second@example.com', seen_at: at(2) },
      { user_id: 'u-1', email: 'third@example.com', seen_at: at(3) },
    ]);
    const config = identityConfig({
      inputs: [{ name: 'accounts', relation: { model: 'accounts' }, timestamp: 'seen_at', identifiers: { user_id: 'user_id', email: 'email' } }],
      types: { email: { max_per_profile: 2 } },
    });
    const result = await build(warehouse, config);

    expect(await partition(warehouse)).toEqual([
      ['email:first@example.com', 'email:second@example.com', 'user_id:u-1'],
      ['email:third@example.com'],
    ]);
    expect(result.limits).toEqual([expect.objectContaining({ identifierType: 'email', components: 1, cutEdges: 1 })]);
  });

  it('enforce every limit together', async () => {
    await loadTable(warehouse, 'accounts', [
      { user_id: 'u-1', email: 'a@example.com', seen_at: at(1) },
      { user_id: 'u-1', email: 'b@example.com', seen_at: at(2) },
      { user_id: 'u-2', email: 'b@example.com', seen_at: at(3) },
      { user_id: 'u-2', email: 'c@example.com', seen_at: at(4) },
      { user_id: 'u-2', email: 'd@example.com', seen_at: at(5) },
    ]);
    const config = identityConfig({
      inputs: [{ name: 'accounts', relation: { model: 'accounts' }, timestamp: 'seen_at', identifiers: { user_id: 'user_id', email: 'email' } }],
      types: { user_id: { max_per_profile: 1 }, email: { max_per_profile: 2 } },
    });
    await build(warehouse, config);
    const groups = await partition(warehouse);

    for (const group of groups) {
      expect(group.filter((identifier) => identifier.startsWith('user_id:')).length, group.join()).toBeLessThanOrEqual(1);
      expect(group.filter((identifier) => identifier.startsWith('email:')).length, group.join()).toBeLessThanOrEqual(2);
    }
    expect(groups).toContainEqual(['email:a@example.com', 'email:b@example.com', 'user_id:u-1']);
  });

  it('let the more trusted source keep a shared id', async () => {
    await loadTable(warehouse, 'web', [{ anonymous_id: 'a-1', user_id: 'u-1', seen_at: at(1) }]);
    await loadTable(warehouse, 'app', [{ anonymous_id: 'a-1', user_id: 'u-2', seen_at: at(2) }]);
    const input = (name: string, priority: number) => ({
      name,
      relation: { model: name },
      priority,
      timestamp: 'seen_at',
      identifiers: { anonymous_id: 'anonymous_id', user_id: 'user_id' },
    });
    const config = identityConfig({ inputs: [input('web', 50), input('app', 10)], types: { user_id: { max_per_profile: 1 } } });
    await build(warehouse, config);

    // The web link is older, but the app is the more trusted source.
    expect(await partition(warehouse)).toEqual([['anonymous_id:a-1', 'user_id:u-2'], ['user_id:u-1']]);
  });
});

describe('traits', () => {
  let warehouse: DuckDBAdapter;
  beforeEach(async () => {
    warehouse = await openWarehouse();
    await loadTable(warehouse, 'crm', [{ user_id: 'u-1', email: 'old@example.com', first_name: 'Robert', seen_at: at(1) }]);
    await loadTable(warehouse, 'web', [
      { user_id: 'u-1', email: 'new@example.com', first_name: 'Bob', seen_at: at(2) },
      { user_id: 'u-1', email: 'new@example.com', first_name: 'Bob', seen_at: at(3) },
      { user_id: 'u-1', email: 'new@example.com', first_name: 'Rob', seen_at: at(4) },
      { user_id: 'u-1', email: 'new@example.com', first_name: null, seen_at: at(5) },
    ]);
  });
  afterEach(async () => warehouse.close());

  it('follow each survivorship rule', async () => {
    const input = (name: string, priority: number) => ({
      name,
      relation: { model: name },
      priority,
      timestamp: 'seen_at',
      identifiers: { user_id: 'user_id', email: 'email' },
      fields: { first_name: 'first_name' },
    });
    const config = identityConfig({
      inputs: [input('crm', 1), input('web', 50)],
      traits: {
        latest_name: { field: 'first_name', rule: 'most_recent' },
        usual_name: { field: 'first_name', rule: 'most_frequent' },
        official_name: { field: 'first_name', rule: 'source_priority' },
        email: { identifier: 'email', rule: 'most_recent' },
        official_email: { identifier: 'email', rule: 'source_priority' },
      },
    });
    await build(warehouse, config);
    const rows = await warehouse.query(
      `SELECT latest_name, usual_name, official_name, email, official_email, identifier_count FROM ${SCHEMA}.profiles`,
    );

    expect(rows).toEqual([
      {
        latest_name: 'Rob',
        usual_name: 'Bob',
        official_name: 'Robert',
        email: 'new@example.com',
        official_email: 'old@example.com',
        identifier_count: 3,
      },
    ]);
  });
});
