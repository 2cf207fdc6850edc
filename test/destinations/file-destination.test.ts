import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Destination } from '../../src/destinations/destination.js';
import { fileSyncSchema } from '../../src/destinations/file/file-config.js';
import { fileDestinationType } from '../../src/destinations/file/file-type.js';
import { changeRecord, testContext } from './change-records.js';

let projectDir: string;

beforeEach(async () => {
  projectDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-file-dest-'));
});

async function openFile(options: Record<string, unknown>, runId = 'run-1'): Promise<Destination> {
  const account = fileDestinationType.accountSchema.parse({ type: 'file', directory: 'out' });
  const syncOptions = fileDestinationType.syncSchema.parse(options);
  return fileDestinationType.open(account, syncOptions, testContext({ projectDir, runId }));
}

/** Ends a run as the engine does: flush (sync and rename), then close. */
async function finish(destination: Destination): Promise<void> {
  await destination.flush?.();
  await destination.close();
}

function outPath(...parts: string[]): string {
  return path.join(projectDir, 'out', ...parts);
}

describe('file destination, JSON Lines', () => {
  it('writes _op, _key and fields per line', async () => {
    const destination = await openFile({ format: 'jsonl' });
    const outcomes = await destination.write([
      changeRecord('a', 'upsert', { email: 'a@example.com', score: 1.5, tags: ['x', 'y'] }),
      changeRecord('b', 'insert', { email: 'b@example.com', score: null, tags: { nested: true } }),
    ]);
    await finish(destination);

    expect(outcomes).toEqual([{ status: 'accepted' }, { status: 'accepted' }]);
    const lines = (await readFile(outPath('contacts', 'run-1.jsonl'), 'utf8')).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(JSON.parse(lines[0]!)).toEqual({
      _op: 'upsert',
      _key: 'a',
      email: 'a@example.com',
      score: 1.5,
      tags: ['x', 'y'],
    });
    expect(JSON.parse(lines[1]!)).toEqual({
      _op: 'insert',
      _key: 'b',
      email: 'b@example.com',
      score: null,
      tags: { nested: true },
    });
  });

  it('writes the previous fields for deletes and removes', async () => {
    const destination = await openFile({ format: 'jsonl' });
    await destination.write([
      changeRecord('a', 'delete', null, { email: 'old-a@example.com' }),
      changeRecord('b', 'remove', null, { email: 'old-b@example.com' }),
    ]);
    await finish(destination);

    const text = await readFile(outPath('contacts', 'run-1.jsonl'), 'utf8');
    const lines = text.trim().split('\n').map((line) => JSON.parse(line) as unknown);
    expect(lines).toEqual([
      { _op: 'delete', _key: 'a', email: 'old-a@example.com' },
      { _op: 'remove', _key: 'b', email: 'old-b@example.com' },
    ]);
  });

  it('rejects a field named _op', async () => {
    const destination = await openFile({ format: 'jsonl' });
    const outcomes = await destination.write([
      changeRecord('a', 'upsert', { _op: 'mine' }),
      changeRecord('b', 'upsert', { email: 'b@example.com' }),
    ]);
    await finish(destination);

    expect(outcomes[0]?.status).toBe('rejected');
    expect(outcomes[0]).toHaveProperty('reason', expect.stringContaining('"_op"'));
    expect(outcomes[1]).toEqual({ status: 'accepted' });
    const text = await readFile(outPath('contacts', 'run-1.jsonl'), 'utf8');
    expect(text.trim().split('\n')).toHaveLength(1);
  });
});

describe('file destination, CSV', () => {
  it('quotes fields per RFC 4180', async () => {
    const destination = await openFile({ format: 'csv' });
    await destination.write([
      changeRecord('a', 'upsert', {
        name: 'Smith, Jane',
        note: 'said "hi"',
        address: 'line 1\nline 2',
        profile: { plan: 'pro', seats: [1, 2] },
        empty: '',
        missing: null,
        active: true,
      }),
    ]);
    await finish(destination);

    const text = await readFile(outPath('contacts', 'run-1.csv'), 'utf8');
    expect(text).toBe(
      '_op,_key,name,note,address,profile,empty,missing,active\r\n' +
        'upsert,a,"Smith, Jane","said ""hi""","line 1\nline 2",' +
        '"{""plan"":""pro"",""seats"":[1,2]}","",,true\r\n',
    );
  });

  it('widens the header for late fields', async () => {
    const destination = await openFile({ format: 'csv' });
    await destination.write([
      changeRecord('a', 'upsert', { email: 'a@example.com', note: 'x,\r\ny' }),
    ]);
    await destination.write([
      changeRecord('b', 'upsert', { email: 'b@example.com', phone: '+15550100' }),
    ]);
    await finish(destination);

    const text = await readFile(outPath('contacts', 'run-1.csv'), 'utf8');
    expect(text).toBe(
      '_op,_key,email,note,phone\r\n' +
        'upsert,a,a@example.com,"x,\r\ny",\r\n' +
        'upsert,b,b@example.com,,+15550100\r\n',
    );
  });

  it('writes the previous fields for a delete', async () => {
    const destination = await openFile({ format: 'csv' });
    await destination.write([changeRecord('a', 'delete', null, { email: 'old@example.com' })]);
    await finish(destination);

    const text = await readFile(outPath('contacts', 'run-1.csv'), 'utf8');
    expect(text).toBe('_op,_key,email\r\ndelete,a,old@example.com\r\n');
  });
});

describe('file destination, files', () => {
  it('writes one file per run', async () => {
    const first = await openFile({ format: 'jsonl', file: '{sync}-{run_id}.jsonl' }, 'run-1');
    await first.write([changeRecord('a', 'upsert', { email: 'a@example.com' })]);
    await finish(first);
    const second = await openFile({ format: 'jsonl', file: '{sync}-{run_id}.jsonl' }, 'run-2');
    await second.write([changeRecord('a', 'upsert', { email: 'a@example.com' })]);
    await finish(second);

    expect((await readdir(outPath())).sort()).toEqual(['contacts-run-1.jsonl', 'contacts-run-2.jsonl']);
    const firstText = await readFile(outPath('contacts-run-1.jsonl'), 'utf8');
    expect(firstText.trim().split('\n')).toHaveLength(1);
  });

  it('discards the temporary file when closed without a flush', async () => {
    const destination = await openFile({ format: 'jsonl' });
    await destination.write([changeRecord('a', 'upsert', { email: 'a@example.com' })]);
    await destination.close();

    expect(await readdir(outPath('contacts'))).toEqual([]);
  });

  it('keeps a temporary name until flushed', async () => {
    const destination = await openFile({ format: 'jsonl' });
    await destination.write([changeRecord('a', 'upsert', { email: 'a@example.com' })]);

    const before = await readdir(outPath('contacts'));
    expect(before).toHaveLength(1);
    expect(before[0]).toMatch(/^\.run-1\.jsonl\.[0-9a-f]{8}\.tmp$/);
    const tempSize = (await stat(outPath('contacts', before[0]!))).size;
    expect(tempSize).toBeGreaterThan(0);

    await finish(destination);
    expect(await readdir(outPath('contacts'))).toEqual(['run-1.jsonl']);
  });

  it('creates no file for a run without rows', async () => {
    const destination = await openFile({ format: 'csv' });
    await destination.write([]);
    await finish(destination);

    await expect(readdir(outPath())).rejects.toThrow(/ENOENT/);
  });

  it('declares per-run idempotent writes', async () => {
    const destination = await openFile({ format: 'csv' });
    expect(destination.capabilities).toMatchObject({ maxBatchSize: 1_000, idempotent: true });
    expect(destination.capabilities.operations).toHaveLength(7);
    await finish(destination);
  });

  it('writes many batches in order', async () => {
    const destination = await openFile({ format: 'jsonl' });
    for (let batch = 0; batch < 20; batch += 1) {
      const records = Array.from({ length: 5_000 }, (_unused, index) =>
        changeRecord(`k${batch * 5_000 + index}`, 'upsert', { n: batch * 5_000 + index }),
      );
      await destination.write(records);
    }
    await finish(destination);

    const lines = (await readFile(outPath('contacts', 'run-1.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(100_000);
    expect(JSON.parse(lines[99_999]!)).toEqual({ _op: 'upsert', _key: 'k99999', n: 99_999 });
  });
});

describe('file destination options', () => {
  it('defaults the file name by sync and run', () => {
    expect(fileSyncSchema.parse({ format: 'csv' })).toEqual({
      format: 'csv',
      file: '{sync}/{run_id}.csv',
    });
  });

  it.each([
    ['out.csv', 'must contain {run_id}'],
    ['../{run_id}.csv', 'without ".."'],
    ['/tmp/{run_id}.csv', 'relative path'],
    ['{run_id}-{date}.csv', 'only the placeholders'],
  ])('rejects the file name %s', (file, message) => {
    const result = fileSyncSchema.safeParse({ file });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message).join('; ')).toContain(message);
  });
});
