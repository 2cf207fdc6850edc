import { describe, expect, it } from 'vitest';
import { renderPlan } from '../../src/cli/render.js';
import type { SyncPlan } from '../../src/diff/plan.js';

/** A plan of a trigger sync after a mapping change: its changed rows are recorded, not sent. */
const triggerPlan = {
  sync: 'winback_sms',
  spec: { mode: 'trigger', model: { name: 'audience_sakila_winback' } },
  initialSync: true,
  modelRows: 2,
  deliveredRows: 1,
  counts: { added: 1, changed: 1, removed: 0 },
  operations: { send: 1 },
  advanceOnly: 1,
  excluded: { nullKeyRows: 0, duplicateKeyRows: 0 },
  guards: [],
  withheldRemovals: 0,
  samples: [
    { key: '16', operation: 'upsert', fields: { phone: '[pii]' }, previous: { phone: '[pii]' }, contentHash: 'a', change: 'changed', sent: false },
    { key: '17', operation: 'send', fields: { phone: '[pii]' }, previous: null, contentHash: 'b', change: 'added', sent: true },
  ],
} as unknown as SyncPlan;

describe('renderPlan', () => {
  it('labels samples the run does not send', () => {
    const lines = renderPlan(triggerPlan).split('\n');

    expect(lines).toContain('    not sent (changed) 16 {"phone":"[pii]"}');
    expect(lines).toContain('    send (added) 17 {"phone":"[pii]"}');
  });

  it('describes the first run of a mapping without promising sends', () => {
    const text = renderPlan(triggerPlan);

    expect(text).toContain('first run of this sync or of its mapping: every current row counts as added or changed');
    expect(text).toContain('to send: send 1');
  });
});
