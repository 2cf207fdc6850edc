import type { AudienceAction } from '../identifiers/audience-members.js';
import {
  TIKTOK_ID_TYPES,
  type TikTokIdType,
  type TikTokIdentifiers,
} from '../identifiers/tiktok-identifiers.js';

/**
 * The JSON body of POST /segment/mapping/. Each row of `batch_data` lists one object per
 * `id_schema` entry, in the same order, and `{}` where the row has no such identifier.
 * Source: TikTok Business API SDK (github.com/tiktok/tiktok-business-api-sdk) and Segment's
 * TikTok Audiences connector, which send this shape.
 */
export interface TikTokMappingBody {
  advertiser_ids: string[];
  action: 'add' | 'delete';
  id_schema: TikTokIdType[];
  batch_data: TikTokIdEntry[][];
}

type TikTokIdEntry = { id: string; audience_ids: string[] } | Record<string, never>;

export function buildTikTokMappingBody(
  action: AudienceAction,
  rows: TikTokIdentifiers[],
  advertiserId: string,
  audienceId: string,
): TikTokMappingBody {
  const schema = TIKTOK_ID_TYPES.filter((type) => rows.some((row) => row[type] !== undefined));
  return {
    advertiser_ids: [advertiserId],
    action: action === 'add' ? 'add' : 'delete',
    id_schema: schema,
    batch_data: rows.map((row) =>
      schema.map((type): TikTokIdEntry => {
        const id = row[type];
        return id === undefined ? {} : { id, audience_ids: [audienceId] };
      }),
    ),
  };
}
