import cron from 'node-cron';

interface CronField {
  label: string;
  min: number;
  max: number;
  /** Other values the field accepts besides numbers, ranges, lists, steps and `*`. */
  alternatives?: string;
}

/** node-cron's field keys, with the range each one accepts (node-cron 4.6). */
const FIELDS: Record<string, CronField> = {
  second: { label: 'second', min: 0, max: 59 },
  minute: { label: 'minute', min: 0, max: 59 },
  hour: { label: 'hour', min: 0, max: 23 },
  dayOfMonth: { label: 'day of month', min: 1, max: 31, alternatives: 'L for the last day, a day followed by W' },
  month: { label: 'month', min: 1, max: 12, alternatives: 'jan to dec' },
  dayOfWeek: { label: 'day of week', min: 0, max: 7, alternatives: 'sun to sat' },
};

const EXAMPLE = '"*/15 * * * *"';

/**
 * Checks a cron expression as node-cron reads it: five fields, or six with seconds first, or a
 * nickname such as @daily. Returns what is wrong, naming the field and the allowed values, or
 * undefined when the expression is valid.
 */
export function describeCronProblem(expression: string): string | undefined {
  const result = cron.validateDetailed(expression);
  if (result.valid) return undefined;

  const problems = result.errors.map((error) => {
    const field = FIELDS[error.field];
    if (field === undefined) return describeShapeProblem(expression);
    if (error.message.includes('impossible day of month')) {
      // node-cron names the day and month fields in this message: "31 2 is an impossible day of month ...".
      const month = /^\S+ (\S+) is an impossible/.exec(error.message)?.[1];
      return `day of month ${error.value} never occurs in ${month === undefined ? 'the selected months' : `month ${month}`}`;
    }
    return describeFieldProblem(field, String(error.value));
  });
  return `"${expression}" is not a valid cron expression: ${problems.join('; ')}`;
}

/** Describes an expression that node-cron rejects as a whole: a character it does not read, or the wrong number of fields. */
function describeShapeProblem(expression: string): string {
  if (!/^[a-zA-Z0-9\-*/,#? ]*$/.test(expression.trim())) {
    return `it contains a character that cron does not use (use digits, names, spaces and * , - / ? #, as in ${EXAMPLE})`;
  }
  const fields = expression.trim().split(/\s+/).filter(Boolean).length;
  return `it has ${fields} fields (use five: minute, hour, day of month, month and day of week, or six with seconds first, as in ${EXAMPLE})`;
}

function describeFieldProblem(field: CronField, value: string): string {
  const range = `${field.min}-${field.max}`;
  const outOfRange = numbersIn(value).find((number) => number < field.min || number > field.max);
  if (outOfRange !== undefined) return `${field.label} ${outOfRange} is out of range (allowed: ${range})`;

  const alternatives = field.alternatives ? `, ${field.alternatives}` : '';
  return `${field.label} "${value}" is not valid (allowed: numbers ${range}, ranges such as 1-5, lists such as 1,3, steps such as */2, *${alternatives})`;
}

/** Returns the numbers a field names as values or range ends. Steps (`/2`) and nth weekdays (`#2`) are counts, so they are left out. */
function numbersIn(value: string): number[] {
  return value.split(',').flatMap((part) => {
    const values = part.split('/')[0]!.split('#')[0]!.replace(/[LW]$/i, '');
    return values
      .split('-')
      .filter((text) => /^\d+$/.test(text))
      .map(Number);
  });
}
