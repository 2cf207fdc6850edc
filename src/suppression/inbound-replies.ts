import { classifyReply } from './opt-out-keywords.js';
import type { SuppressionEntry, SuppressionList, SuppressionSource } from './suppression-list.js';

/** An SMS a person sent to one of the project's senders, as Twilio's inbound webhook posts it. */
export interface InboundReply {
  /** The person's number (Twilio's `From`). */
  from: string;
  /** The sender number the reply went to (Twilio's `To`), when known. */
  to?: string;
  body: string;
}

export interface ReplyResult {
  /** Opt-out replies applied; a repeat for an address already suppressed counts too. */
  suppressed: number;
  /** Entries removed for opt-in keywords. */
  liftedEntries: number;
}

/** Sources an opt-in keyword may lift; operator entries and erasure requests stay. */
const LIFTED_BY_OPT_IN: readonly SuppressionSource[] = ['inbound_reply', 'destination_error'];

/**
 * Returns one SMS suppression entry for every reply that is an opt-out keyword. The entry
 * covers every sender, not only the number the reply went to. Twilio itself blocks only that
 * number (https://www.twilio.com/docs/proxy/opt-out-keywords), but a person who opted out must
 * not get messages from the project's other numbers either.
 */
export function suppressionEntriesFromReplies(
  replies: readonly InboundReply[],
  now: Date = new Date(),
): SuppressionEntry[] {
  const entries: SuppressionEntry[] = [];
  for (const reply of replies) {
    const keyword = classifyReply(reply.body);
    if (keyword?.kind !== 'opt_out') continue;
    entries.push({
      channel: 'sms',
      address: reply.from,
      sender: null,
      reason: `replied "${keyword.keyword}"`,
      source: 'inbound_reply',
      createdAt: now.toISOString(),
    });
  }
  return entries;
}

/**
 * Applies replies to a suppression list in the order given, so a later reply wins. An opt-out
 * keyword adds an entry for every sender. An opt-in keyword removes the person's every-sender
 * entry from earlier replies and, when `to` is known, the entry for that sender (such as one
 * recorded from a Twilio 21610). Entries added by an operator or for an erasure request stay.
 * Other channels are never touched.
 */
export async function applyInboundReplies(
  list: SuppressionList,
  replies: readonly InboundReply[],
  now: Date = new Date(),
): Promise<ReplyResult> {
  const result: ReplyResult = { suppressed: 0, liftedEntries: 0 };
  for (const reply of replies) {
    const keyword = classifyReply(reply.body);
    if (keyword?.kind === 'opt_out') {
      await list.add(suppressionEntriesFromReplies([reply], now));
      result.suppressed += 1;
    } else if (keyword?.kind === 'opt_in') {
      result.liftedEntries += await liftSuppression(list, reply);
    }
  }
  return result;
}

async function liftSuppression(list: SuppressionList, reply: InboundReply): Promise<number> {
  const base = { channel: 'sms' as const, address: reply.from, sources: LIFTED_BY_OPT_IN };
  let removed = await list.remove({ ...base, sender: null, sources: ['inbound_reply'] });
  if (reply.to !== undefined) removed += await list.remove({ ...base, sender: reply.to });
  return removed;
}
