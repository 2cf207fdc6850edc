/**
 * SMS segment counting, following the GSM 03.38 (3GPP TS 23.038) alphabet and the usual
 * concatenation limits. A message that fits one segment carries 160 GSM-7 septets or 70 UCS-2
 * code units. A longer message is split into segments of 153 septets or 67 code units, because
 * each part gives up room to the concatenation header. Carriers bill per segment.
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegmentCount {
  encoding: SmsEncoding;
  /** Segments the message is split into; 0 for an empty message. */
  segments: number;
  /** Septets for GSM-7 (extension characters count two), UTF-16 code units for UCS-2. */
  units: number;
}

const GSM7_SINGLE_SEGMENT = 160;
const GSM7_CONCATENATED_SEGMENT = 153;
const UCS2_SINGLE_SEGMENT = 70;
const UCS2_CONCATENATED_SEGMENT = 67;

/** The GSM 03.38 basic character set; each character is one septet. */
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** The GSM 03.38 extension table; each character is an escape septet plus one, so two. */
const GSM7_EXTENSION = '\f^{}\\[~]|€';

const basicSet = new Set(GSM7_BASIC);
const extensionSet = new Set(GSM7_EXTENSION);

/**
 * Counts the segments of an SMS body. The body is sent as GSM-7 when every character is in the
 * basic or extension table, and as UCS-2 otherwise, as a sender without character replacement
 * (such as Twilio's Smart Encoding) would send it.
 */
export function countSmsSegments(text: string): SmsSegmentCount {
  const characters = [...text];
  const gsm7Widths = characters.map(gsm7Width);
  if (gsm7Widths.every((width) => width > 0)) {
    return segmentsOf('GSM-7', gsm7Widths, GSM7_SINGLE_SEGMENT, GSM7_CONCATENATED_SEGMENT);
  }

  // A character outside the Basic Multilingual Plane, such as an emoji, is a surrogate pair.
  const ucs2Widths = characters.map((character) => character.length);
  return segmentsOf('UCS-2', ucs2Widths, UCS2_SINGLE_SEGMENT, UCS2_CONCATENATED_SEGMENT);
}

/** Returns the septets a character takes in GSM-7, or 0 when GSM-7 cannot encode it. */
function gsm7Width(character: string): number {
  if (basicSet.has(character)) return 1;
  if (extensionSet.has(character)) return 2;
  return 0;
}

/**
 * Fills segments character by character. A character never straddles two segments, so an
 * escape pair or a surrogate pair that does not fit in the rest of a segment starts the next
 * one. A long message can therefore take one segment more than its length divided by the
 * segment size.
 */
function segmentsOf(
  encoding: SmsEncoding,
  widths: number[],
  singleSegment: number,
  concatenatedSegment: number,
): SmsSegmentCount {
  const units = widths.reduce((sum, width) => sum + width, 0);
  if (units === 0) return { encoding, segments: 0, units };
  if (units <= singleSegment) return { encoding, segments: 1, units };

  let segments = 1;
  let used = 0;
  for (const width of widths) {
    if (used + width > concatenatedSegment) {
      segments += 1;
      used = 0;
    }
    used += width;
  }
  return { encoding, segments, units };
}
