import { describe, expect, it } from 'vitest';
import { redactor } from '../../src/core/redact.js';
import { AccountLimiter } from '../../src/destinations/http/account-limiter.js';
import {
  backoffDelayMs,
  parseRetryAfter,
  retryAfterDelayMs,
} from '../../src/destinations/http/backoff.js';
import { bodyExcerpt, classifyStatus } from '../../src/destinations/http/classify.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('reads delay seconds', () => {
    expect(parseRetryAfter('2', now)).toBe(2_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP-date', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
  });

  it('returns 0 for a date in the past', () => {
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
  });

  it('ignores missing and invalid values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-3', now)).toBeUndefined();
  });
});

describe('backoff delays', () => {
  const policy = { maxAttempts: 5, baseDelayMs: 100, maxWaitMs: 1_000 };

  it('doubles the delay per attempt', () => {
    expect(backoffDelayMs(1, policy, () => 0)).toBe(50);
    expect(backoffDelayMs(1, policy, () => 1)).toBe(100);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(200);
    expect(backoffDelayMs(3, policy, () => 1)).toBe(400);
  });

  it('never exceeds the maximum wait', () => {
    expect(backoffDelayMs(20, policy, () => 1)).toBe(1_000);
  });

  it('adds at most 10 % jitter to Retry-After', () => {
    expect(retryAfterDelayMs(2_000, () => 0)).toBe(2_000);
    expect(retryAfterDelayMs(2_000, () => 1)).toBe(2_200);
    expect(retryAfterDelayMs(60_000, () => 1)).toBe(61_000);
  });
});

describe('classifyStatus', () => {
  it.each([
    [200, 'success'],
    [204, 'success'],
    [408, 'retryable'],
    [429, 'retryable'],
    [500, 'retryable'],
    [503, 'retryable'],
    [301, 'permanent'],
    [400, 'permanent'],
    [401, 'permanent'],
    [422, 'permanent'],
  ])('classifies %i as %s', (status, expected) => {
    expect(classifyStatus(status)).toBe(expected);
  });
});

describe('bodyExcerpt', () => {
  it('collapses whitespace and cuts long bodies', () => {
    const excerpt = bodyExcerpt(`error:\n\n  ${'x'.repeat(500)}`);
    expect(excerpt.startsWith('error: xxx')).toBe(true);
    expect(excerpt.length).toBe(203);
  });

  it('redacts a secret that straddles the cut', () => {
    const secret = 'straddling-secret-value-0123456789';
    redactor.add(secret);
    const excerpt = bodyExcerpt(`${'y'.repeat(190)}${secret}`);
    expect(excerpt).not.toContain(secret.slice(0, 10));
  });
});

describe('AccountLimiter', () => {
  it('caps requests in flight', async () => {
    const limiter = new AccountLimiter({ maxConcurrency: 2 });
    let active = 0;
    let maxActive = 0;
    const task = async () => {
      const release = await limiter.acquire();
      active += 1;
      maxActive = Math.max(maxActive, active);
      await new Promise((resolve) => setTimeout(resolve, 20));
      active -= 1;
      release?.();
    };

    await Promise.all(Array.from({ length: 6 }, task));
    expect(maxActive).toBe(2);
  });

  it('spaces request starts by the rate limit', async () => {
    const limiter = new AccountLimiter({ maxConcurrency: 10, maxRequestsPerSecond: 20 });
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        const release = await limiter.acquire();
        starts.push(Date.now());
        release?.();
      }),
    );

    const elapsed = Math.max(...starts) - Math.min(...starts);
    expect(elapsed).toBeGreaterThanOrEqual(3 * 50 - 5);
  });

  it('holds every start during a pause', async () => {
    const limiter = new AccountLimiter({ maxConcurrency: 10 });
    limiter.pause(100);
    const started = Date.now();
    const release = await limiter.acquire();
    release?.();
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('learns the rate of a throttling quota', async () => {
    const limiter = new AccountLimiter({ maxConcurrency: 2, maxRequestsPerSecond: 100 });
    const now = Date.now();
    // A quota of 2 requests per second: after starts 300 and 100 ms ago, the next is admitted
    // when the older one leaves the window, 700 ms from now.
    limiter.accepted(now - 300);
    limiter.accepted(now - 100);
    limiter.throttled(700);

    expect(limiter.requestsPerSecond).toBeGreaterThan(1.9);
    expect(limiter.requestsPerSecond).toBeLessThan(2);
  });

  it('learns from the burst after an idle spell', async () => {
    const limiter = new AccountLimiter({ maxConcurrency: 2, maxRequestsPerSecond: 100 });
    const now = Date.now();
    limiter.accepted(now - 30_000);
    limiter.accepted(now - 300);
    limiter.accepted(now - 100);
    limiter.throttled(700);

    expect(limiter.requestsPerSecond).toBeGreaterThan(1.9);
  });

  it('never raises the configured rate', async () => {
    const limiter = new AccountLimiter({ maxConcurrency: 2, maxRequestsPerSecond: 1 });
    const now = Date.now();
    limiter.accepted(now - 300);
    limiter.accepted(now - 100);
    limiter.throttled(700);

    expect(limiter.requestsPerSecond).toBe(1);
  });

  it('learns nothing beyond the kept history', async () => {
    const limiter = new AccountLimiter({ maxConcurrency: 2, maxRequestsPerSecond: 5_000 });
    const now = Date.now();
    // 10,000 starts in the last 2 seconds, as many as the limiter keeps: the quota may admit more.
    for (let index = 0; index < 10_000; index += 1) limiter.accepted(now - 2_000 + index * 0.2);
    limiter.throttled(1_000);

    expect(limiter.requestsPerSecond).toBe(5_000);
  });

  it('keeps the rate when nothing was accepted', async () => {
    const limiter = new AccountLimiter({ maxConcurrency: 2, maxRequestsPerSecond: 5 });
    limiter.throttled(10);
    expect(limiter.requestsPerSecond).toBe(5);
  });

  it('stops waiting when the signal aborts', async () => {
    const limiter = new AccountLimiter({ maxConcurrency: 1 });
    const held = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort();

    expect(await waiting).toBeUndefined();
    held?.();
    const next = await limiter.acquire();
    expect(next).toBeTypeOf('function');
  });
});
