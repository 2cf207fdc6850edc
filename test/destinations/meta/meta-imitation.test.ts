import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startMetaImitation } from '../../../src/imitations/meta.js';

const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', body, headers });
  return { status: response.status, json: (await response.json()) as Record<string, any> };
}

const SESSION = { session_id: 1, batch_seq: 1, last_batch_flag: true };

describe('Meta imitation', () => {
  it('listens on the loopback address only', async () => {
    const meta = await startMetaImitation();
    closers.push(meta.close);

    expect(new URL(meta.url).hostname).toBe('127.0.0.1');
  });

  it('accepts form fields containing JSON', async () => {
    const meta = await startMetaImitation();
    closers.push(meta.close);
    const form = new URLSearchParams({
      access_token: 'meta-imitation-token',
      payload: JSON.stringify({ schema: 'EMAIL_SHA256', data: [sha256('a@example.com')] }),
      session: JSON.stringify(SESSION),
    });
    const response = await post(`${meta.url}/v25.0/42/users`, form.toString(), {
      'Content-Type': 'application/x-www-form-urlencoded',
    });

    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ num_received: 1, num_invalid_entries: 0 });
    expect(meta.state.audiences.members('42')).toEqual([`EMAIL:${sha256('a@example.com')}`]);
  });

  it('counts unhashed values as invalid entries', async () => {
    const meta = await startMetaImitation();
    closers.push(meta.close);
    const body = {
      payload: {
        schema: ['EMAIL', 'MADID'],
        data: [
          ['a@example.com', ''],
          ['', 'NOT-AN-ID'],
        ],
      },
      session: SESSION,
    };
    const response = await post(`${meta.url}/v25.0/42/users`, JSON.stringify(body), {
      Authorization: 'Bearer meta-imitation-token',
    });

    expect(response.json.num_invalid_entries).toBe(2);
    expect(Object.keys(response.json.invalid_entry_samples)).toEqual([
      'a@example.com',
      'NOT-AN-ID',
    ]);
    expect(meta.state.audiences.members('42')).toEqual([]);
  });

  it.each([
    ['not json', 'The request body is not JSON or form fields'],
    [
      JSON.stringify({ payload: { schema: ['EMAIL'], data: [[]] }, session: SESSION }),
      'does not match schema',
    ],
    [
      JSON.stringify({ payload: { schema: ['EMAIL'], data: [] }, session: SESSION }),
      'payload.data is empty',
    ],
    [
      JSON.stringify({ payload: { schema: ['EMAIL'], data: [['x']] } }),
      'The parameter session is required',
    ],
    [
      JSON.stringify({ payload: { schema: ['SSN'], data: [['x']] }, session: SESSION }),
      'Unknown schema key SSN',
    ],
  ])('rejects malformed body %#', async (body, message) => {
    const meta = await startMetaImitation();
    closers.push(meta.close);
    const response = await post(`${meta.url}/v25.0/42/users`, body, {
      Authorization: 'Bearer meta-imitation-token',
    });

    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe(100);
    expect(response.json.error.message).toContain(message);
  });

  it('rejects more rows than allowed', async () => {
    const meta = await startMetaImitation({ maxRowsPerRequest: 2 });
    closers.push(meta.close);
    const data = [1, 2, 3].map((n) => [sha256(`${n}@example.com`)]);
    const body = JSON.stringify({ payload: { schema: ['EMAIL'], data }, session: SESSION });
    const response = await post(`${meta.url}/v25.0/42/users`, body, {
      Authorization: 'Bearer meta-imitation-token',
    });

    expect(response.status).toBe(400);
    expect(response.json.error.message).toBe('payload.data has 3 rows; at most 2 are allowed');
  });

  describe('replace sessions', () => {
    const AUTH = { Authorization: 'Bearer meta-imitation-token' };

    function batch(emails: string[], session: Record<string, unknown>): string {
      const data = emails.map((email) => [sha256(email)]);
      return JSON.stringify({ payload: { schema: ['EMAIL'], data }, session });
    }

    async function replaceImitation(options: Parameters<typeof startMetaImitation>[0] = {}) {
      const meta = await startMetaImitation(options);
      closers.push(meta.close);
      await post(`${meta.url}/v25.0/42/users`, batch(['old@example.com'], SESSION), AUTH);
      return meta;
    }

    it('replaces members at the last batch only', async () => {
      const meta = await replaceImitation();
      const url = `${meta.url}/v25.0/42/usersreplace`;
      const first = await post(url, batch(['a@example.com'], { session_id: 7, batch_seq: 1, last_batch_flag: false }), AUTH);

      expect(first.status).toBe(200);
      expect(meta.state.audiences.members('42')).toEqual([`EMAIL:${sha256('old@example.com')}`]);

      const last = await post(url, batch(['b@example.com'], { session_id: 7, batch_seq: 2, last_batch_flag: true }), AUTH);
      expect(last.status).toBe(200);
      expect(meta.state.audiences.members('42')).toEqual(
        [`EMAIL:${sha256('a@example.com')}`, `EMAIL:${sha256('b@example.com')}`].sort(),
      );
    });

    it('rejects a batch_seq out of order', async () => {
      const meta = await replaceImitation();
      const url = `${meta.url}/v25.0/42/usersreplace`;
      await post(url, batch(['a@example.com'], { session_id: 7, batch_seq: 1, last_batch_flag: false }), AUTH);
      const skipped = await post(url, batch(['b@example.com'], { session_id: 7, batch_seq: 3, last_batch_flag: true }), AUTH);
      const unopened = await post(url, batch(['b@example.com'], { session_id: 8, batch_seq: 2, last_batch_flag: true }), AUTH);

      expect(skipped.status).toBe(400);
      expect(skipped.json.error.message).toBe('batch_seq 3 is out of order; the session expects 2');
      expect(unopened.status).toBe(400);
      expect(meta.state.audiences.members('42')).toEqual([`EMAIL:${sha256('old@example.com')}`]);
    });

    it('refuses adds and other sessions during a replace', async () => {
      const meta = await replaceImitation();
      const url = `${meta.url}/v25.0/42/usersreplace`;
      await post(url, batch(['a@example.com'], { session_id: 7, batch_seq: 1, last_batch_flag: false }), AUTH);
      const add = await post(`${meta.url}/v25.0/42/users`, batch(['c@example.com'], SESSION), AUTH);
      const other = await post(url, batch(['c@example.com'], { session_id: 9, batch_seq: 1, last_batch_flag: true }), AUTH);

      expect(add.status).toBe(400);
      expect(add.json.error.code).toBe(2650);
      expect(other.status).toBe(400);
      expect(other.json.error.code).toBe(2650);
      expect(meta.state.audiences.has('42', `EMAIL:${sha256('c@example.com')}`)).toBe(false);
    });

    it('drops a replace left unfinished', async () => {
      const meta = await replaceImitation({ replaceTimeoutMs: 50 });
      const url = `${meta.url}/v25.0/42/usersreplace`;
      await post(url, batch(['a@example.com'], { session_id: 7, batch_seq: 1, last_batch_flag: false }), AUTH);
      await new Promise((resolve) => setTimeout(resolve, 80));
      const add = await post(`${meta.url}/v25.0/42/users`, batch(['c@example.com'], SESSION), AUTH);

      expect(add.status).toBe(200);
      expect(meta.state.audiences.has('42', `EMAIL:${sha256('a@example.com')}`)).toBe(false);
    });
  });
});
