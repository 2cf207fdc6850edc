import { beforeEach, describe, expect, it } from 'vitest';
import { inbox, resetInboxes, sentRecords } from '../support/memory-destination.js';
import { openTestContext, runOnce, writeFiles } from '../support/project-fixture.js';
import { customerProject, customers, replaceCustomers, syncFile } from './engine-fixture.js';
import { runProject } from '../../src/run/run-project.js';
import { defaultRunOptions } from '../../src/run/run-context.js';

beforeEach(() => resetInboxes());

describe('per-row outcomes', () => {
  it('keeps rejected rows out of the snapshot and retries them next run', async () => {
    const rows = Array.from({ length: 10 }, (_u, i) => ({ id: `c${String(i + 1).padStart(2, '0')}`, email: `ops${i}@acme-01.example.com`, tier: 'gold' }));
    const dir = await customerProject('rejects', rows, syncFile({ mode: 'upsert' }));
    inbox('rejects').respond = () => ({ status: 'rejected', reason: 'domain field is required' });

    const first = await runOnce(dir);
    expect(first.status).toBe('partial');
    expect(first.syncs[0]!.status).toBe('partial');
    expect(first.syncs[0]!.counts).toMatchObject({ added: 10, accepted: 0, rejected: 10 });
    expect(first.syncs[0]!.rejections[0]).toEqual({ key: 'c01', reason: 'domain field is required' });

    const context = await openTestContext(dir);
    const rejections = await context.store.listRejections(first.runId);
    await context.close();
    expect(rejections).toHaveLength(10);

    inbox('rejects').respond = () => ({ status: 'accepted' });
    const second = await runOnce(dir);
    expect(second.syncs[0]!.counts).toMatchObject({ added: 10, accepted: 10, rejected: 0 });
    expect(sentRecords('rejects')).toHaveLength(20);
  });

  it('rejects one bad row without failing its batch', async () => {
    const dir = await customerProject('onebad', customers(3), syncFile({ mode: 'upsert' }));
    inbox('onebad').respond = (record) => (record.key === 'c00002' ? { status: 'rejected', reason: 'invalid value' } : { status: 'accepted' });
    const first = await runOnce(dir);
    expect(first.syncs[0]!.counts).toMatchObject({ accepted: 2, rejected: 1 });

    inbox('onebad').respond = () => ({ status: 'accepted' });
    inbox('onebad').calls.length = 0;
    await runOnce(dir);
    expect(sentRecords('onebad').map((r) => r.key)).toEqual(['c00002']);
  });

  it('retries rows the destination asks to retry within the run', async () => {
    const dir = await customerProject('retry', customers(2), syncFile({ mode: 'upsert' }));
    inbox('retry').respond = (_record, call) => (call === 0 ? { status: 'retry', reason: 'throttled', retryAfterMs: 10 } : { status: 'accepted' });
    const summary = await runOnce(dir);
    expect(summary.syncs[0]!.counts).toMatchObject({ accepted: 2, rejected: 0 });
    expect(inbox('retry').calls).toHaveLength(2);
  });

  it('does not advance the snapshot when the destination cannot make rows durable', async () => {
    const dir = await customerProject('flush', customers(4), syncFile({ mode: 'upsert' }));
    inbox('flush').failFlush = true;
    const first = await runOnce(dir);
    expect(first.syncs[0]!.status).toBe('failed');
    expect(first.syncs[0]!.counts).toMatchObject({ accepted: 0, rejected: 4 });

    inbox('flush').failFlush = false;
    const second = await runOnce(dir);
    expect(second.syncs[0]!.counts).toMatchObject({ added: 4, accepted: 4 });
  });

  it('a failed call leaves its rows for the next run', async () => {
    const dir = await customerProject('throws', customers(30), syncFile({ mode: 'upsert' }).replace('destination: memory', 'destination: memory\nbatch_size: 10'));
    inbox('throws').failCalls.add(1);
    const first = await runOnce(dir);
    expect(first.syncs[0]!.status).toBe('failed');
    expect(first.syncs[0]!.error).toContain('scripted failure of call 1');
    expect(first.syncs[0]!.counts.accepted).toBe(10);

    inbox('throws').failCalls.clear();
    inbox('throws').calls.length = 0;
    const second = await runOnce(dir);
    expect(second.syncs[0]!.counts).toMatchObject({ added: 20, accepted: 20 });
  });
});

describe('null handling per field', () => {
  it('on_null skip leaves the delivered value alone and is not a change', async () => {
    const rows = [{ id: 'u5', email: 'u5@example.com', tier: 'gold', phone: '+12025550117' }];
    const mapping = '  email: email\n  phone: { from: phone, on_null: skip }';
    const dir = await customerProject('skipnull', rows, syncFile({ mode: 'upsert', mapping }));
    await runOnce(dir);

    await replaceCustomers(dir, [{ ...rows[0]!, phone: null }]);
    const skipped = await runOnce(dir);
    expect(skipped.syncs[0]!.counts.changed).toBe(0);

    await replaceCustomers(dir, [{ ...rows[0]!, email: 'new@example.com', phone: null }]);
    await runOnce(dir);
    const last = sentRecords('skipnull').at(-1)!;
    expect(last.fields).toEqual({ email: 'new@example.com' });
  });

  it('on_null clear sends the NULL', async () => {
    const rows = [{ id: 'u5', email: 'u5@example.com', tier: 'gold', phone: '+12025550117' }];
    const mapping = '  email: email\n  phone: { from: phone, on_null: clear }';
    const dir = await customerProject('clearnull', rows, syncFile({ mode: 'upsert', mapping }));
    await runOnce(dir);
    await replaceCustomers(dir, [{ ...rows[0]!, phone: null }]);
    const summary = await runOnce(dir);
    expect(summary.syncs[0]!.counts.changed).toBe(1);
    expect(sentRecords('clearnull').at(-1)!.fields).toEqual({ email: 'u5@example.com', phone: null });
  });
});

describe('full syncs of one sync', () => {
  it('new sync gets every row', async () => {
    const dir = await customerProject('old', customers(40), syncFile({ mode: 'upsert' }));
    await runOnce(dir);
    const yml = (await import('node:fs')).readFileSync(`${dir}/sluice.yml`, 'utf8');
    await writeFiles(dir, {
      'sluice.yml': `${yml}  second: { type: memory, inbox: new }\n`,
      'syncs/crm_second.yml': syncFile({ mode: 'upsert' }).replace('destination: memory', 'destination: second'),
    });
    const summary = await runOnce(dir);
    expect(summary.syncs.find((s) => s.name === 'crm')!.counts.accepted).toBe(0);
    expect(summary.syncs.find((s) => s.name === 'crm_second')!.counts).toMatchObject({ added: 40, accepted: 40 });
  });

  it('changed mapping resends and removes', async () => {
    const rows = customers(40);
    const dir = await customerProject('remap', rows, syncFile({ mode: 'mirror' }));
    await runOnce(dir);
    inbox('remap').calls.length = 0;

    await writeFiles(dir, { 'syncs/crm.yml': syncFile({ mode: 'mirror', mapping: '  email: email\n  tier: tier\n  phone: phone' }) });
    await replaceCustomers(dir, rows.slice(0, 39));
    const summary = await runOnce(dir);
    expect(summary.syncs[0]!.counts).toMatchObject({ changed: 39, removed: 1, accepted: 40 });
    const removed = sentRecords('remap').filter((r) => r.operation === 'delete');
    expect(removed).toEqual([expect.objectContaining({ key: 'c00040', previous: expect.objectContaining({ email: 'person40@example.com' }) })]);
  });

  it('--full resends delivered rows and still produces removals', async () => {
    const rows = customers(3);
    const dir = await customerProject('full', rows, syncFile({ mode: 'audience', mapping: '  email: email' }));
    await runOnce(dir);
    expect(inbox('full').fullRefresh).toBe(false);
    inbox('full').calls.length = 0;

    await replaceCustomers(dir, rows.slice(0, 2));
    const summary = await runOnce(dir, { full: true });
    expect(summary.syncs[0]!.counts).toMatchObject({ changed: 2, removed: 1 });
    expect(inbox('full').fullRefresh).toBe(true);
    expect(sentRecords('full').map((r) => `${r.operation}:${r.key}`).sort()).toEqual(['add:c00001', 'add:c00002', 'remove:c00003']);
  });
});

describe('one run per sync', () => {
  it('skips a sync whose lock another process holds, and sends nothing', async () => {
    const dir = await customerProject('overlap', customers(20), syncFile({ mode: 'upsert' }));
    const context = await openTestContext(dir);
    try {
      const lease = await context.store.acquireLock('sync:crm', 'other-host:4242:abc', 'run_other', 60_000);
      expect(lease).toBeDefined();

      const skipped = await runProject(context, defaultRunOptions);
      expect(skipped.syncs[0]!.status).toBe('skipped');
      expect(skipped.syncs[0]!.detail).toContain('in progress');
      expect(sentRecords('overlap')).toHaveLength(0);
      const history = await context.store.listSyncRuns(skipped.runId);
      expect(history[0]!.status).toBe('skipped');

      await context.store.releaseLock('sync:crm', 'other-host:4242:abc');
      const ran = await runProject(context, defaultRunOptions);
      expect(ran.syncs[0]!.counts.accepted).toBe(20);
    } finally {
      await context.close();
    }
  });

  it('takes over the lease of a crashed run once it expires', async () => {
    const dir = await customerProject('stale', customers(5), syncFile({ mode: 'upsert' }));
    const context = await openTestContext(dir);
    try {
      await context.store.acquireLock('sync:crm', 'crashed:1:abc', 'run_crashed', 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const summary = await runProject(context, defaultRunOptions);
      expect(summary.syncs[0]!.counts.accepted).toBe(5);
    } finally {
      await context.close();
    }
  });
});
