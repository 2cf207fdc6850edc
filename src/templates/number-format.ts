/**
 * Number and currency formatting for message templates, with Intl.NumberFormat. Canonical
 * decimals arrive as exact strings (`"1234.50"`) and are passed to Intl as strings, so digits
 * beyond double precision are not rounded away before formatting.
 */

/**
 * A value the number helpers cannot read. The message describes the problem without the value,
 * so it can be stored with a rejected row; `argumentIndex` is the helper argument it came from.
 */
export class InvalidNumberValueError extends Error {
  readonly argumentIndex: number;

  constructor(message: string, argumentIndex: number) {
    super(message);
    this.argumentIndex = argumentIndex;
  }
}

export interface NumberFormatOptions {
  locale: string;
  minimumFractionDigits?: number;
  maximumFractionDigits?: number;
}

const DECIMAL_TEXT = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/;
const CURRENCY_CODE = /^[A-Za-z]{3}$/;

/** Formats a number or numeric string with the locale's grouping and decimal separators. */
export function formatNumber(value: unknown, options: NumberFormatOptions): string {
  const formatter = new Intl.NumberFormat(options.locale, {
    minimumFractionDigits: options.minimumFractionDigits,
    maximumFractionDigits: options.maximumFractionDigits,
  });
  return formatter.format(numericValue(value));
}

/**
 * Formats an amount in an ISO 4217 currency, such as `{{formatCurrency 12.5 "EUR"}}`, with the
 * currency's usual number of decimals unless fraction digits are given.
 */
export function formatCurrency(
  value: unknown,
  currency: unknown,
  options: NumberFormatOptions,
): string {
  if (typeof currency !== 'string' || !CURRENCY_CODE.test(currency)) {
    const problem = 'is not a three-letter ISO 4217 currency code such as "EUR"';
    throw new InvalidNumberValueError(problem, 1);
  }
  const formatter = new Intl.NumberFormat(options.locale, {
    style: 'currency',
    currency: currency.toUpperCase(),
    minimumFractionDigits: options.minimumFractionDigits,
    maximumFractionDigits: options.maximumFractionDigits,
  });
  return formatter.format(numericValue(value));
}

function numericValue(value: unknown): number | `${number}` {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && DECIMAL_TEXT.test(value)) return value as `${number}`;
  throw new InvalidNumberValueError('is not a number or decimal string', 0);
}
