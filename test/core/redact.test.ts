import { describe, expect, it } from 'vitest';
import { Redactor, REDACTED } from '../../src/core/redact.js';

describe('redactor', () => {
  it('redacts secrets in plain text', () => {
    const redactor = new Redactor();
    redactor.add('SG.fake-0001');
    expect(redactor.redact('key SG.fake-0001 rejected')).toBe(`key ${REDACTED} rejected`);
  });

  it('redacts secrets with quotes and backslashes inside JSON', () => {
    const redactor = new Redactor();
    const secret = 'pa"ss\\word-1234';
    redactor.add(secret);
    const json = JSON.stringify({ password: secret });
    expect(redactor.redact(json)).not.toContain('word-1234');
    expect(JSON.stringify(redactor.redactValue({ password: secret }))).not.toContain('word-1234');
  });

  it('ignores values too short to redact safely', () => {
    const redactor = new Redactor();
    redactor.add('no');
    expect(redactor.redact('no change')).toBe('no change');
  });
});
