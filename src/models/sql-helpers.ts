import type { HelperOptions } from 'handlebars';
import { ModelError } from '../core/errors.js';
import type { LogicalType } from '../core/values.js';
import type { SqlDialect } from '../warehouse/dialect.js';

/** Names of the helpers that write warehouse-specific SQL, for error messages. */
export const SQL_HELPER_NAMES = [
  'type',
  'date_diff_days',
  'date_add_days',
  'timestamp_add_days',
  'max_by',
  'percentile_cont',
] as const;

const LOGICAL_TYPES: LogicalType[] = ['string', 'integer', 'decimal', 'float', 'boolean', 'timestamp', 'date', 'json'];

type Registrar = (name: string, helper: (...args: unknown[]) => string) => void;

/**
 * Registers the helpers that write the warehouse's own SQL where DuckDB, Snowflake and BigQuery
 * share no syntax. Expressions are passed as quoted SQL text, as in
 * `{{date_diff_days "first_order_at" "last_order_at"}}`.
 */
export function registerSqlHelpers(register: Registrar, model: string, dialect: SqlDialect): void {
  register('type', (...args) => {
    const [name] = positional(model, 'type', args, ['logical type']);
    if (!LOGICAL_TYPES.includes(name as LogicalType)) {
      throw new ModelError(model, `Model ${model}: {{type "${name}"}} names no logical type; use one of ${LOGICAL_TYPES.join(', ')}`);
    }
    return dialect.typeName(name as LogicalType);
  });
  register('date_diff_days', (...args) => {
    const [start, end] = positional(model, 'date_diff_days', args, ['start', 'end']);
    return dialect.dateDiffDays(start!, end!);
  });
  register('date_add_days', (...args) => {
    const [date, days] = positional(model, 'date_add_days', args, ['date', 'days']);
    return dialect.dateAddDays(date!, days!);
  });
  register('timestamp_add_days', (...args) => {
    const [timestamp, days] = positional(model, 'timestamp_add_days', args, ['timestamp', 'days']);
    return dialect.timestampAddDays(timestamp!, days!);
  });
  register('max_by', (...args) => {
    const [value, key] = positional(model, 'max_by', args, ['value', 'key']);
    const where = hashArgument(model, 'max_by', args, 'where');
    return dialect.maxBy(value!, key!, where);
  });
  register('percentile_cont', (...args) => {
    const [expr, fraction] = positional(model, 'percentile_cont', args, ['expression', 'fraction']);
    const partitionBy = hashArgument(model, 'percentile_cont', args, 'partition_by');
    return dialect.percentileCont(expr!, fractionOf(model, fraction!), partitionBy);
  });
}

/**
 * Reads a helper's positional arguments as SQL text. Numbers are accepted as their digits, so
 * `{{date_add_days "d" -7}}` works as well as `"-7"`.
 */
function positional(model: string, helper: string, args: unknown[], names: string[]): string[] {
  const values = args.slice(0, -1);
  const usage = `{{${helper} ${names.map((name) => `"${name}"`).join(' ')}}}`;
  if (values.length !== names.length) {
    throw new ModelError(model, `Model ${model}: ${helper} takes ${names.length} argument(s), as in ${usage}; it was given ${values.length}`);
  }
  return values.map((value, index) => {
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value === 'string' && value.trim() !== '') return value;
    throw new ModelError(model, `Model ${model}: the ${names[index]} argument of ${helper} must be quoted SQL text, as in ${usage}`);
  });
}

function hashArgument(model: string, helper: string, args: unknown[], name: string): string | undefined {
  const options = args[args.length - 1] as HelperOptions;
  const unknown = Object.keys(options.hash ?? {}).filter((key) => key !== name);
  if (unknown.length > 0) {
    throw new ModelError(model, `Model ${model}: ${helper} has no option ${unknown.join(', ')}; its only option is ${name}="..."`);
  }
  const value: unknown = options.hash?.[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.trim() !== '') return value;
  throw new ModelError(model, `Model ${model}: ${helper}'s ${name} must be quoted SQL text, as in ${name}="..."`);
}

function fractionOf(model: string, text: string): number {
  const fraction = Number(text);
  if (text.trim() === '' || !Number.isFinite(fraction) || fraction < 0 || fraction > 1) {
    throw new ModelError(model, `Model ${model}: the fraction of percentile_cont must be a number from 0 to 1, as in {{percentile_cont "amount" 0.9}}; it was ${text}`);
  }
  return fraction;
}
