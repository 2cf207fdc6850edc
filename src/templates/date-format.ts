/**
 * Date formatting for message templates. Values arrive in Sluice's canonical form: a date as
 * `YYYY-MM-DD`, a timestamp as a UTC ISO-8601 string such as `2011-12-09T12:50:00.000000Z`.
 * Patterns use the Unicode date field symbols (the letters of java.time and date-fns):
 *
 *   yyyy 2011   yy 11   M 12   MM 12   MMM Dec   MMMM December   d 9   dd 09
 *   EEE Fri   EEEE Friday   H 12   HH 12   h 12   hh 12   a PM   m 5   mm 05   s 7   ss 07
 *   SSS 000 (milliseconds)   z GMT (time zone name)   'text' literal text   '' a single quote
 *
 * Numbers are written in ASCII digits. Month, weekday and day-period names and the time zone
 * name come from the locale.
 */

export interface DateFormatOptions {
  /** IANA time zone that timestamps are shown in. Dates are calendar days and never shift. */
  timeZone: string;
  /** BCP 47 locale of month, weekday and day-period names. */
  locale: string;
}

/**
 * A value the date helpers cannot read. The message describes the problem without the value, so
 * it can be stored with a rejected row; `argumentIndex` is the helper argument it came from.
 */
export class InvalidDateValueError extends Error {
  readonly argumentIndex = 0;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;
const PATTERN_TOKEN = /'(?:[^']|'')*'|y+|M+|d+|E+|H+|h+|m+|s+|S+|a+|z+/g;

/** Date fields in a time zone, read from one Intl formatter so they agree with each other. */
interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/**
 * Formats a canonical date or timestamp with a pattern. Throws InvalidDateValueError when the
 * value is neither, and RangeError when the time zone or locale is invalid.
 */
export function formatDate(value: unknown, pattern: string, options: DateFormatOptions): string {
  const { instant, isDateOnly } = parseCanonicalDate(value);
  const timeZone = isDateOnly ? 'UTC' : options.timeZone;
  const clock = wallClock(instant, timeZone);
  const zoned = { instant, timeZone, locale: options.locale };

  return pattern.replace(PATTERN_TOKEN, (token) => formatToken(token, clock, zoned));
}

function parseCanonicalDate(value: unknown): { instant: Date; isDateOnly: boolean } {
  if (typeof value !== 'string') {
    throw new InvalidDateValueError('is not a date or timestamp string');
  }

  const date = DATE.exec(value);
  if (date) {
    const day = calendarDay(date);
    return { instant: new Date(Date.UTC(day.year, day.month - 1, day.day)), isDateOnly: true };
  }

  const timestamp = TIMESTAMP.exec(value);
  if (timestamp) {
    calendarDay(timestamp);
    // Date.parse reads at most milliseconds; canonical timestamps carry microseconds.
    const trimmed = value.replace(/(\.\d{3})\d+/, '$1').replace(' ', 'T');
    const instant = new Date(trimmed);
    if (Number.isNaN(instant.getTime())) {
      throw new InvalidDateValueError('is not a valid timestamp');
    }
    return { instant, isDateOnly: false };
  }
  throw new InvalidDateValueError('is not an ISO-8601 date (YYYY-MM-DD) or timestamp');
}

/**
 * Reads year, month and day from the first three groups of a match. Throws for a day that does
 * not exist, which Date.UTC and Date.parse would roll over (2011-02-30 to March 2nd).
 */
function calendarDay(match: RegExpExecArray): { year: number; month: number; day: number } {
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const instant = new Date(Date.UTC(year, month - 1, day));
  if (instant.getUTCMonth() !== month - 1 || instant.getUTCDate() !== day) {
    throw new InvalidDateValueError('is not a valid calendar date');
  }
  return { year, month, day };
}

function wallClock(instant: Date, timeZone: string): WallClock {
  const formatter = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const parts = new Map(formatter.formatToParts(instant).map((part) => [part.type, part.value]));
  const field = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.get(type));
  return {
    year: field('year'),
    month: field('month'),
    day: field('day'),
    hour: field('hour'),
    minute: field('minute'),
    second: field('second'),
    millisecond: instant.getUTCMilliseconds(),
  };
}

interface ZonedInstant {
  instant: Date;
  timeZone: string;
  locale: string;
}

function formatToken(token: string, clock: WallClock, zoned: ZonedInstant): string {
  if (token.startsWith("'")) {
    return token.length === 2 ? "'" : token.slice(1, -1).replace(/''/g, "'");
  }

  const letter = token[0];
  const width = token.length;
  switch (letter) {
    case 'y':
      return width === 2 ? pad(clock.year % 100, 2) : pad(clock.year, width);
    case 'M':
      if (width >= 4) return localName(zoned, { month: 'long', day: 'numeric' }, 'month');
      if (width === 3) return localName(zoned, { month: 'short', day: 'numeric' }, 'month');
      return pad(clock.month, width);
    case 'd':
      return pad(clock.day, width);
    case 'E':
      return localName(zoned, { weekday: width >= 4 ? 'long' : 'short' }, 'weekday');
    case 'H':
      return pad(clock.hour, width);
    case 'h':
      return pad(clock.hour % 12 === 0 ? 12 : clock.hour % 12, width);
    case 'a':
      return localName(zoned, { hour: 'numeric', hour12: true }, 'dayPeriod');
    case 'm':
      return pad(clock.minute, width);
    case 's':
      return pad(clock.second, width);
    case 'S':
      return pad(clock.millisecond, 3).slice(0, width).padEnd(width, '0');
    default:
      return localName(zoned, { timeZoneName: width >= 4 ? 'long' : 'short' }, 'timeZoneName');
  }
}

/**
 * Returns one named part of the date in the locale. Months are taken from a month-and-day
 * format, so that languages which inflect month names (Russian "января") get the form used
 * in dates.
 */
function localName(
  zoned: ZonedInstant,
  fields: Intl.DateTimeFormatOptions,
  type: Intl.DateTimeFormatPartTypes,
): string {
  const formatter = new Intl.DateTimeFormat(zoned.locale, { ...fields, timeZone: zoned.timeZone });
  return formatter.formatToParts(zoned.instant).find((part) => part.type === type)?.value ?? '';
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
