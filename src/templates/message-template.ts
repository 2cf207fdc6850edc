import Handlebars from 'handlebars';
import { SluiceError } from '../core/errors.js';
import type { Row } from '../core/values.js';
import {
  BUILT_IN_HELPERS,
  FORMAT_HELPERS,
  type FormatDefaults,
  HelperCallError,
  registerFormatHelpers,
} from './template-helpers.js';
import { type TemplateSyntax, positionKey, readTemplateSyntax } from './template-syntax.js';

/**
 * The channel a template renders for. Email bodies are HTML, so values are HTML-escaped; SMS
 * bodies are plain text and are not escaped.
 */
export type MessageChannel = 'email' | 'sms';

export interface MessageTemplateOptions {
  channel: MessageChannel;
  /** BCP 47 locale for the formatting helpers; default `en-US`. */
  locale?: string;
  /** IANA time zone for `formatDate` on timestamps; default `UTC`. */
  timeZone?: string;
}

/** The rendered text of one row, or why that row could not be rendered. */
export type RenderResult = { ok: true; text: string } | { ok: false; reason: string };

/** A template compiled once per sync and rendered once per row. */
export interface MessageTemplate {
  /** The file name, such as `winback_email.hbs`, used in messages. */
  readonly name: string;
  readonly channel: MessageChannel;
  /**
   * Top-level fields the template reads outside `#each` and `#with` blocks. A sync can check
   * them against its mapping before sending anything.
   */
  readonly fields: readonly string[];
  /**
   * Renders one row. Any error while rendering is returned as a rejection reason, not thrown,
   * and the reason names the row by `rowKey`.
   */
  render(fields: Row, rowKey: string): RenderResult;
}

/** A template that cannot be compiled: a syntax error, an unknown helper or a partial. */
export class TemplateError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('template_invalid', message, options);
  }
}

const DEFAULT_LOCALE = 'en-US';
const DEFAULT_TIME_ZONE = 'UTC';
const KNOWN_HELPERS: ReadonlySet<string> = new Set([...BUILT_IN_HELPERS, ...FORMAT_HELPERS]);

/**
 * Compiles a message template in Handlebars strict mode: `{{field}}` on a row without that field
 * (or with a null value) fails that row's render. Throws TemplateError, naming the template and
 * the line, for a syntax error, an invalid locale or time zone, a call to an unknown helper, or
 * a partial or decorator.
 */
export function compileMessageTemplate(
  name: string,
  source: string,
  options: MessageTemplateOptions,
): MessageTemplate {
  const defaults: FormatDefaults = {
    locale: options.locale ?? DEFAULT_LOCALE,
    timeZone: options.timeZone ?? DEFAULT_TIME_ZONE,
  };
  checkFormatDefaults(name, defaults);

  const syntax = readSyntax(name, source);
  const handlebars = Handlebars.create();
  registerFormatHelpers(handlebars, defaults);
  const compileOptions = { strict: true, noEscape: options.channel === 'sms' };
  // compile() defers compiling to the first render; precompile() reports errors now.
  precompileOrThrow(name, handlebars, source, compileOptions);
  const renderRow = handlebars.compile<Row>(source, compileOptions);

  return {
    name,
    channel: options.channel,
    fields: syntax.fields,
    render(fields, rowKey) {
      try {
        const text = renderRow(withoutNulls(fields));
        return { ok: true, text: options.channel === 'sms' ? text.trim() : text };
      } catch (error) {
        return { ok: false, reason: describeRenderError(error, name, syntax, rowKey) };
      }
    },
  };
}

function checkFormatDefaults(name: string, defaults: FormatDefaults): void {
  try {
    new Intl.DateTimeFormat(defaults.locale, { timeZone: defaults.timeZone });
  } catch (error) {
    throw new TemplateError(
      `Template ${name}: locale "${defaults.locale}" or time zone "${defaults.timeZone}" is ` +
        'invalid; use a BCP 47 locale such as en-GB and an IANA time zone such as Europe/London',
      { cause: error },
    );
  }
}

function readSyntax(name: string, source: string): TemplateSyntax {
  let program: hbs.AST.Program;
  try {
    program = Handlebars.parse(source);
  } catch (error) {
    throw new TemplateError(`Template ${name} has a syntax error: ${messageOf(error)}`, {
      cause: error,
    });
  }

  const syntax = readTemplateSyntax(program, KNOWN_HELPERS);
  if (syntax.unknownHelpers.length > 0) {
    const known = [...FORMAT_HELPERS, ...BUILT_IN_HELPERS].join(', ');
    throw new TemplateError(
      `Template ${name} calls unknown helpers: ${syntax.unknownHelpers.join(', ')}; ` +
        `the helpers are ${known}`,
    );
  }
  if (syntax.unsupported.length > 0) {
    throw new TemplateError(
      `Template ${name} uses a ${syntax.unsupported.join(', a ')}; message templates support ` +
        'neither partials nor decorators, so write the text into the template',
    );
  }
  return syntax;
}

function precompileOrThrow(
  name: string,
  handlebars: typeof Handlebars,
  source: string,
  compileOptions: CompileOptions,
): void {
  try {
    handlebars.precompile(source, compileOptions);
  } catch (error) {
    throw new TemplateError(`Template ${name} cannot be compiled: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

/**
 * Drops top-level null fields, so that strict mode reports `{{field}}` on a null as missing
 * instead of rendering an empty string into the message. `{{#if field}}` still reads a dropped
 * field as false.
 */
function withoutNulls(fields: Row): Row {
  const present: Row = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value !== null) present[name] = value;
  }
  return present;
}

/** Handlebars' strict-mode message for a missing field: `"first_name" not defined in ...`. */
const STRICT_MISSING_FIELD = /^"([^"]+)" not defined in /;

function describeRenderError(
  error: unknown,
  name: string,
  syntax: TemplateSyntax,
  rowKey: string,
): string {
  if (error instanceof HelperCallError) return describeHelperError(error, name, syntax, rowKey);

  const strictMatch = STRICT_MISSING_FIELD.exec(messageOf(error));
  if (strictMatch) {
    const position = positionOfException(error);
    const field = (position && syntax.pathsByPosition.get(position)) ?? strictMatch[1]!;
    return missingFieldReason(name, field, rowKey);
  }
  return `template ${name} could not render row ${rowKey}: ${messageOf(error)}`;
}

function describeHelperError(
  error: HelperCallError,
  name: string,
  syntax: TemplateSyntax,
  rowKey: string,
): string {
  const argumentTexts = error.position
    ? syntax.helperArgumentsByPosition.get(error.position)
    : undefined;
  const argumentText =
    error.argumentIndex === undefined ? undefined : argumentTexts?.[error.argumentIndex];
  if (error.missing && argumentText !== undefined) {
    return missingFieldReason(name, argumentText, rowKey);
  }

  const line = error.position ? ` at line ${error.position.split(':')[0]}` : '';
  const subject =
    error.argumentIndex === undefined
      ? ''
      : ` argument ${argumentText ? `"${argumentText}"` : error.argumentIndex + 1}`;
  return (
    `template ${name} could not render row ${rowKey}: ` +
    `${error.helper}${line}${subject} ${error.message}`
  );
}

function missingFieldReason(name: string, field: string, rowKey: string): string {
  return (
    `template ${name} uses "${field}", which row ${rowKey} does not have (missing or null); ` +
    `map it in the sync, or wrap it in {{#if ${field}}} where it may be empty`
  );
}

function positionOfException(error: unknown): string | undefined {
  const { lineNumber, column } = error as { lineNumber?: unknown; column?: unknown };
  if (typeof lineNumber !== 'number' || typeof column !== 'number') return undefined;
  return positionKey({ line: lineNumber, column });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
