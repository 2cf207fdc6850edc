import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigIssue } from '../../src/core/errors.js';
import { parseIdentityConfig } from '../../src/identity/identity-config.js';
import { resolveTypes } from '../../src/identity/resolve-types.js';

const INPUT = {
  name: 'events',
  relation: { model: 'stg_events' },
  timestamp: 'seen_at',
  identifiers: { user_id: 'user_id', email: 'email' },
  fields: { surname: 'last_name', dob: 'birth_date' },
};

function issuesOf(raw: Record<string, unknown>): ConfigIssue[] {
  try {
    parseIdentityConfig(raw, 'sluice.yml', ['identity']);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  throw new Error('expected the config to be invalid');
}

describe('identity config', () => {
  it('fills in defaults', () => {
    const config = parseIdentityConfig({ inputs: [INPUT] }, 'sluice.yml');

    expect(config.name).toBe('identity');
    expect(config.inputs[0]!.priority).toBe(100);
    expect(config.max_profile_size).toEqual({ identifiers: 1000, on_exceed: 'fail' });
    expect(config.tables.identity_graph).toBe('identity_graph');
  });

  it('resolves default blocklists and priorities', () => {
    const types = resolveTypes(parseIdentityConfig({ inputs: [INPUT], types: { user_id: { max_per_profile: 1 } } }, 'sluice.yml'));

    expect(types.map((type) => type.name)).toEqual(['user_id', 'email']);
    expect(types[0]!.maxPerProfile).toBe(1);
    expect(types[0]!.blockedValues).toContain('anonymous');
    expect(types[1]!.blockedValues).toContain('test@test.com');
    expect(types[1]!.blockedPatterns.some((pattern) => new RegExp(pattern).test('no-reply@shop.example'))).toBe(true);
  });

  it('rejects an undeclared custom type', () => {
    const issues = issuesOf({ inputs: [{ ...INPUT, identifiers: { loyalty: 'card' } }] });
    expect(issues).toEqual([
      {
        file: 'sluice.yml',
        path: 'identity.inputs.0.identifiers.loyalty',
        message: expect.stringContaining('declare it under types with its transforms'),
      },
    ]);
  });

  it('rejects transforms on email', () => {
    const issues = issuesOf({ inputs: [INPUT], types: { email: { transforms: ['lower'] } } });
    expect(issues.map((issue) => issue.path)).toEqual(['identity.types.email.transforms']);
    expect(issues[0]!.message).toContain('fixed normalisation');
  });

  it('rejects an invalid pattern', () => {
    const issues = issuesOf({ inputs: [INPUT], types: { email: { blocked_patterns: ['(unclosed'] } } });
    expect(issues.map((issue) => issue.path)).toEqual(['identity.types.email.blocked_patterns.0']);
    expect(issues[0]!.message).toContain('not a valid regular expression');
  });

  it('rejects an unknown default country', () => {
    const phoneInput = { ...INPUT, identifiers: { phone: 'phone' } };
    const issues = issuesOf({ inputs: [phoneInput], types: { phone: { default_country: 'XX' } } });
    expect(issues.map((issue) => issue.path)).toEqual(['identity.types.phone.default_country']);
    expect(issues[0]!.message).toContain('ISO 3166-1 alpha-2');
  });

  it('rejects a trait of an unknown field', () => {
    const issues = issuesOf({ inputs: [INPUT], traits: { city: { field: 'city' } } });
    expect(issues.map((issue) => issue.path)).toEqual(['identity.traits.city.field']);
  });

  it('rejects a trait named like a profile column', () => {
    const issues = issuesOf({ inputs: [INPUT], traits: { first_seen: { field: 'surname' } } });
    expect(issues.map((issue) => issue.path)).toEqual(['identity.traits.first_seen']);
  });

  it('rejects a match rule no input can fill', () => {
    const rule = { name: 'surname_dob_city', parts: [{ field: 'surname' }, { field: 'dob' }, { field: 'city' }] };
    const issues = issuesOf({ inputs: [INPUT], match_rules: [rule] });
    expect(issues.map((issue) => issue.path)).toEqual(['identity.match_rules.0.parts']);
    expect(issues[0]!.message).toContain('surname, dob, city');
  });

  it('rejects duplicate input names', () => {
    const issues = issuesOf({ inputs: [INPUT, INPUT] });
    expect(issues.map((issue) => issue.path)).toEqual(['identity.inputs.1.name']);
  });

  it('rejects unknown fields with their path', () => {
    const issues = issuesOf({ inputs: [{ ...INPUT, timestmp: 'x' }] });
    expect(issues).toContainEqual({ file: 'sluice.yml', path: 'identity.inputs.0.timestmp', message: 'unknown field; remove it or check its spelling' });
  });

  it('names the missing half of a source relation', () => {
    const issues = issuesOf({ inputs: [{ ...INPUT, relation: { table: 'events' } }] });
    expect(issues).toEqual([{ file: 'sluice.yml', path: 'identity.inputs.0.relation.source', message: expect.stringContaining('missing') }]);
  });

  it('rejects a relation of the wrong type', () => {
    const issues = issuesOf({ inputs: [{ ...INPUT, relation: 'stg_events' }] });
    expect(issues.map((issue) => issue.path)).toEqual(['identity.inputs.0.relation']);
    expect(issues[0]!.message).toContain('{model: NAME} or {source: NAME, table: NAME}');
  });
});
