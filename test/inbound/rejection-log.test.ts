import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../src/core/logger.js';
import { RejectionLog } from '../../src/inbound/rejection-log.js';

describe('RejectionLog', () => {
  it('logs at most once a minute with a count', () => {
    const logger = new MemoryLogger();
    let now = 1_000_000;
    const log = new RejectionLog(logger, () => now);

    log.record('missing');
    expect(logger.events).toHaveLength(1);
    expect(logger.events[0]!.fields.rejectedSinceLastEvent).toBe(1);
    expect(logger.events[0]!.fields.reason).toBe('no X-Twilio-Signature header');

    now += 30_000;
    log.record('mismatch');
    log.record('mismatch');
    expect(logger.events).toHaveLength(1);

    now += 30_000;
    log.record('mismatch');
    expect(logger.events).toHaveLength(2);
    expect(logger.events[1]!.fields.rejectedSinceLastEvent).toBe(3);
    expect(logger.events[1]!.fields.reason).toBe('X-Twilio-Signature does not match');
  });
});
