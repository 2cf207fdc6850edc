import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startTikTokImitation } from '../../../src/imitations/tiktok.js';

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

describe('TikTok imitation', () => {
  async function map(body: unknown) {
    const tiktok = await startTikTokImitation();
    closers.push(tiktok.close);
    const response = await post(
      `${tiktok.url}/open_api/v1.3/segment/mapping/`,
      JSON.stringify(body),
      { 'Access-Token': 'tiktok-imitation-token' },
    );
    return { tiktok, response };
  }

  const base = { advertiser_ids: ['1'], action: 'add', id_schema: ['EMAIL_SHA256'] };

  it('returns errors as codes in HTTP 200', async () => {
    const { response } = await map({
      ...base,
      batch_data: [[{ id: 'a@example.com', audience_ids: ['5'] }]],
    });

    expect(response.status).toBe(200);
    expect(response.json.code).toBe(40_062);
  });

  it('checks positional rows against id_schema', async () => {
    const { tiktok, response } = await map({ ...base, batch_data: [[{}, {}]] });

    expect(response.json).toMatchObject({ code: 40_002 });
    expect(response.json.message).toContain('one object per id_schema entry');
    expect(tiktok.state.uploads).toHaveLength(0);
  });

  it('applies a valid mapping', async () => {
    const { tiktok, response } = await map({
      ...base,
      batch_data: [[{ id: sha256('a@example.com'), audience_ids: ['5'] }]],
    });

    expect(response.json.code).toBe(0);
    expect(tiktok.state.audiences.members('5')).toEqual([
      `EMAIL_SHA256:${sha256('a@example.com')}`,
    ]);
  });
});
