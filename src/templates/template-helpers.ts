import type Handlebars from 'handlebars';
import { InvalidDateValueError, formatDate } from './date-format.js';
import { InvalidNumberValueError, formatCurrency, formatNumber } from './number-format.js';
import { positionKey } from './template-syntax.js';

/** Locale and time zone a template formats with unless a helper call sets its own. */
export interface FormatDefaults {
  /** BCP 47 locale, such as `en-GB`. */
  locale: string;
  /** IANA time zone, such as `Europe/London`. */
  timeZone: string;
}

/** The options object Handlebars passes as a helper's last argument. */
export interface HelperCallOptions {
  name: string;
  hash: Record<string, unknown>;
  loc?: { start: hbs.AST.Position };
}

/**
 * A formatting helper call that failed for one row. `missing` is true when an argument resolved
 * to nothing because the row lacks the field or it is null: Handlebars' strict mode checks plain
 * `{{field}}` lookups but not helper arguments, so the helpers check their own. `argumentIndex`
 * is undefined when the problem is in a hash option such as `locale`. `position` is where the
 * call starts, as `line:column`.
 */
export class HelperCallError extends Error {
  readonly helper: string;
  readonly position: string | undefined;
  readonly argumentIndex: number | undefined;
  readonly missing: boolean;

  constructor(
    options: HelperCallOptions,
    problem: string,
    details: { argumentIndex?: number; missing?: boolean },
  ) {
    super(problem);
    this.helper = options.name;
    this.position = options.loc ? positionKey(options.loc.start) : undefined;
    this.argumentIndex = details.argumentIndex;
    this.missing = details.missing ?? false;
  }
}

/** Names of the formatting helpers, for checks of which helpers a template may call. */
export const FORMAT_HELPERS = ['formatDate', 'formatNumber', 'formatCurrency'] as const;

/** Helpers every Handlebars environment has. */
export const BUILT_IN_HELPERS = ['if', 'unless', 'each', 'with', 'lookup', 'log'] as const;

const DEFAULT_DATE_PATTERN = 'yyyy-MM-dd';

/**
 * Registers the formatting helpers on a Handlebars environment:
 * - `{{formatDate value "d MMMM yyyy" timeZone="Europe/London" locale="en-GB"}}`; the
 *   pattern defaults to `yyyy-MM-dd` (see date-format.ts for the pattern letters).
 * - `{{formatNumber value locale="de-DE" minimumFractionDigits=2 maximumFractionDigits=2}}`.
 * - `{{formatCurrency value "EUR" locale="fr-FR"}}`; the code may come from a field.
 * Hash options override the template's defaults for one call.
 */
export function registerFormatHelpers(
  handlebars: typeof Handlebars,
  defaults: FormatDefaults,
): void {
  handlebars.registerHelper('formatDate', (...args: unknown[]) => {
    const { values, options } = splitArguments(args);
    const value = requireArgument(values, 0, options);
    const pattern = values[1] === undefined ? DEFAULT_DATE_PATTERN : String(values[1]);
    const formatOptions = {
      locale: stringOption(options, 'locale') ?? defaults.locale,
      timeZone: stringOption(options, 'timeZone') ?? defaults.timeZone,
    };
    return callFormatter(options, () => formatDate(value, pattern, formatOptions));
  });

  handlebars.registerHelper('formatNumber', (...args: unknown[]) => {
    const { values, options } = splitArguments(args);
    const value = requireArgument(values, 0, options);
    return callFormatter(options, () => formatNumber(value, numberOptions(options, defaults)));
  });

  handlebars.registerHelper('formatCurrency', (...args: unknown[]) => {
    const { values, options } = splitArguments(args);
    const value = requireArgument(values, 0, options);
    const currency = requireArgument(values, 1, options);
    const formatOptions = numberOptions(options, defaults);
    return callFormatter(options, () => formatCurrency(value, currency, formatOptions));
  });
}

/**
 * Runs a formatter and turns its errors into HelperCallError: invalid values name the argument,
 * and a RangeError from Intl (an unknown locale, time zone or currency) names the options.
 */
function callFormatter(options: HelperCallOptions, format: () => string): string {
  try {
    return format();
  } catch (error) {
    if (error instanceof InvalidDateValueError || error instanceof InvalidNumberValueError) {
      throw new HelperCallError(options, error.message, { argumentIndex: error.argumentIndex });
    }
    if (error instanceof RangeError) {
      const problem =
        `has an invalid locale, time zone, currency or digit option (${error.message})`;
      throw new HelperCallError(options, problem, {});
    }
    throw error;
  }
}

function splitArguments(args: unknown[]): { values: unknown[]; options: HelperCallOptions } {
  const options = args[args.length - 1] as HelperCallOptions;
  return { values: args.slice(0, -1), options };
}

/** Returns the argument, or throws HelperCallError when it is undefined or null. */
function requireArgument(values: unknown[], index: number, options: HelperCallOptions): unknown {
  const value = values[index];
  if (value !== undefined && value !== null) return value;
  throw new HelperCallError(options, 'has no value', { argumentIndex: index, missing: true });
}

function stringOption(options: HelperCallOptions, name: string): string | undefined {
  const value = options.hash[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function integerOption(options: HelperCallOptions, name: string): number | undefined {
  const value = options.hash[name];
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

function numberOptions(options: HelperCallOptions, defaults: FormatDefaults) {
  return {
    locale: stringOption(options, 'locale') ?? defaults.locale,
    minimumFractionDigits: integerOption(options, 'minimumFractionDigits'),
    maximumFractionDigits: integerOption(options, 'maximumFractionDigits'),
  };
}
