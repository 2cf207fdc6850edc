import type { MessageTemplate } from '../../templates/message-template.js';
import { type SmsSegmentCount, countSmsSegments } from '../../templates/sms-segments.js';
import type { ChangeRecord } from '../destination.js';
import { type RecipientFields, recipientNumber } from './recipient-number.js';

/** Maximum Body length of a Twilio message (the Messages API in twilio-oai, version 2010-04-01). */
export const MAX_BODY_LENGTH = 1_600;

export interface PreparedMessage {
  /** Recipient in E.164. */
  to: string;
  body: string;
  segments: SmsSegmentCount;
}

export interface MessageRules {
  recipient: RecipientFields;
  /** Messages with more segments are rejected; undefined for no cap. */
  maxSegments?: number;
}

export type PrepareResult = { ok: true; message: PreparedMessage } | { ok: false; reason: string };

/**
 * Builds the SMS for one record: checks the operation, normalises the recipient, renders the
 * template and checks the body against Twilio's length limit and the sync's segment cap. Every
 * problem rejects this record alone.
 */
export function prepareMessage(
  record: ChangeRecord,
  template: MessageTemplate,
  rules: MessageRules,
): PrepareResult {
  if (record.operation !== 'send' || record.fields === null) {
    const reason =
      `the Twilio destination only sends messages, but got a ${record.operation} operation; ` +
      'use mode: trigger for SMS syncs';
    return { ok: false, reason };
  }

  const recipient = recipientNumber(record.fields, rules.recipient);
  if (!recipient.ok) return recipient;

  const rendered = template.render(record.fields, record.key);
  if (!rendered.ok) return rendered;

  return checkBody(recipient.number, rendered.text, template.name, rules.maxSegments);
}

function checkBody(
  to: string,
  body: string,
  templateName: string,
  maxSegments: number | undefined,
): PrepareResult {
  if (body === '') {
    return { ok: false, reason: `template ${templateName} rendered an empty message` };
  }
  if (body.length > MAX_BODY_LENGTH) {
    const reason =
      `the message is ${body.length} characters, over Twilio's maximum of ${MAX_BODY_LENGTH}; ` +
      `shorten template ${templateName}`;
    return { ok: false, reason };
  }

  const segments = countSmsSegments(body);
  if (maxSegments !== undefined && segments.segments > maxSegments) {
    const reason =
      `the message is ${segments.segments} segments (${segments.encoding}), over max_segments ` +
      `${maxSegments}; shorten template ${templateName} or raise max_segments`;
    return { ok: false, reason };
  }
  return { ok: true, message: { to, body, segments } };
}
