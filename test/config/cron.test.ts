import { describe, expect, it } from 'vitest';
import { describeCronProblem } from '../../src/config/cron.js';

describe('describeCronProblem', () => {
  it('accepts valid expressions', () => {
    for (const expression of ['30 6 * * *', '*/15 * * * *', '0 9 * * mon-fri', '0 0 1 jan *', '1-5/2 * * * *', '0 0 L * *', '0 0 * * 1#2', '0 30 6 * * *', '@daily']) {
      expect(describeCronProblem(expression), expression).toBeUndefined();
    }
  });

  it('names the field out of range', () => {
    expect(describeCronProblem('30 25 * * *')).toBe('"30 25 * * *" is not a valid cron expression: hour 25 is out of range (allowed: 0-23)');
    expect(describeCronProblem('1-70 * * * *')).toContain('minute 70 is out of range (allowed: 0-59)');
    expect(describeCronProblem('5,99 * * * *')).toContain('minute 99 is out of range (allowed: 0-59)');
    expect(describeCronProblem('0 0 32W * *')).toContain('day of month 32 is out of range (allowed: 1-31)');
    expect(describeCronProblem('0 0 1 13 *')).toContain('month 13 is out of range (allowed: 1-12)');
    expect(describeCronProblem('* * * * 1-9')).toContain('day of week 9 is out of range (allowed: 0-7)');
    expect(describeCronProblem('61 * * * * *')).toContain('second 61 is out of range (allowed: 0-59)');
  });

  it('lists every field out of range', () => {
    expect(describeCronProblem('30 25 32 * *')).toBe(
      '"30 25 32 * *" is not a valid cron expression: hour 25 is out of range (allowed: 0-23); day of month 32 is out of range (allowed: 1-31)',
    );
  });

  it('describes a field that is not a number', () => {
    expect(describeCronProblem('*/0 * * * *')).toContain('minute "*/0" is not valid (allowed: numbers 0-59, ranges such as 1-5');
    expect(describeCronProblem('0 0 * x *')).toContain('month "x" is not valid (allowed: numbers 1-12, ranges such as 1-5, lists such as 1,3, steps such as */2, *, jan to dec)');
  });

  it('describes a day of month that never occurs', () => {
    expect(describeCronProblem('0 0 31 2 *')).toBe('"0 0 31 2 *" is not a valid cron expression: day of month 31 never occurs in month 2');
  });

  it('counts fields when too few or many', () => {
    expect(describeCronProblem('30 6 * *')).toBe(
      '"30 6 * *" is not a valid cron expression: it has 4 fields ' +
        '(use five: minute, hour, day of month, month and day of week, or six with seconds first, as in "*/15 * * * *")',
    );
    expect(describeCronProblem('0 0 6 * * * *')).toContain('it has 7 fields');
  });

  it('rejects characters cron does not use', () => {
    expect(describeCronProblem('0 6 * * *;')).toContain('it contains a character that cron does not use');
  });
});
