import type { z } from 'zod';
import type { ConfigIssue } from '../core/errors.js';
import { redactor } from '../core/redact.js';

/**
 * Shows a bad value in a message. Secrets read from the environment are redacted before long
 * values are cut, so that no part of a secret is left, and the result stays on one line.
 */
export function showValue(value: unknown): string {
  const redacted = redactStrings(value);
  const text = redacted === undefined ? 'nothing' : JSON.stringify(redacted) ?? String(redacted);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Redacts each string before serialising, because JSON escaping would hide a secret containing `"` or `\`. */
function redactStrings(value: unknown): unknown {
  if (typeof value === 'string') return redactor.redact(value);
  if (Array.isArray(value)) return value.map(redactStrings);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactStrings(item)]));
  }
  return value;
}

/**
 * Turns zod issues into config issues that name the file, the dotted path, the bad value and
 * the fix, one per problem. `prefix` is the path of the validated value inside its file.
 */
export function toConfigIssues(
  error: z.ZodError,
  file: string,
  prefix: (string | number)[] = [],
): ConfigIssue[] {
  return error.issues.flatMap((issue) => describeIssue(issue, file, prefix));
}

function describeIssue(issue: z.core.$ZodIssue, file: string, prefix: (string | number)[]): ConfigIssue[] {
  const path = [...prefix, ...issue.path.map((part) => String(part))];
  const input = (issue as { input?: unknown }).input;

  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        file,
        path: [...path, key].join('.'),
        message: 'unknown field; remove it or check its spelling',
      }));
    case 'invalid_union':
      return describeUnion(issue, file, path, input);
    case 'invalid_type':
      return [{ file, path: path.join('.'), message: describeType(issue.expected, input) }];
    case 'invalid_key': {
      const reasons = issue.issues.map((inner) => inner.message).join('; ');
      return [{ file, path: path.join('.'), message: `name ${showValue(input)} is invalid: ${reasons}; rename it` }];
    }
    case 'invalid_value': {
      const options = issue.values.map((option) => showValue(option)).join(', ');
      const problem = input === undefined ? 'missing; add this field with' : `${showValue(input)} is not valid; use`;
      return [{ file, path: path.join('.'), message: `${problem} one of ${options}` }];
    }
    default:
      return [{ file, path: path.join('.'), message: `${issue.message} (got ${showValue(input)})` }];
  }
}

function describeType(expected: string, input: unknown): string {
  if (input === undefined) return `missing; add this field (${expected})`;
  return `expected ${expected}, got ${showValue(input)}`;
}

/** zod's message for a failed union that sets no message of its own. */
const DEFAULT_UNION_MESSAGE = 'Invalid input';

/**
 * A union fails with one list of issues per branch. The branch with the fewest issues is most
 * likely what the user meant, so its issues are reported; a custom message on the union wins.
 */
function describeUnion(
  issue: z.core.$ZodIssueInvalidUnion,
  file: string,
  path: (string | number)[],
  input: unknown,
): ConfigIssue[] {
  const { discriminator, options } = issue as { discriminator?: string; options?: unknown[] };
  if (discriminator !== undefined) {
    const value = input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[discriminator] : input;
    const choices = (options ?? []).map((option) => showValue(option)).join(', ');
    return [{ file, path: path.join('.'), message: `${showValue(value)} is not supported; use one of ${choices}` }];
  }

  // A branch that failed only at its root (wrong type) is less likely the intended one than a
  // branch that matched the shape and failed on a nested field.
  const depth = (branch: z.core.$ZodIssue[]) => Math.max(...branch.map((inner) => inner.path.length));
  const branches = issue.errors.filter((branch) => branch.length > 0);
  const closest = branches.sort((a, b) => depth(b) - depth(a) || a.length - b.length)[0];
  if (!closest || depth(closest) === 0) {
    // Without a custom message, a value of the wrong type lists the types the branches accept.
    const rootIssues = branches.flat();
    const expected = rootIssues.flatMap((inner) => (inner.code === 'invalid_type' ? [inner.expected] : []));
    if (issue.message === DEFAULT_UNION_MESSAGE && expected.length > 0 && expected.length === rootIssues.length) {
      return [{ file, path: path.join('.'), message: describeType([...new Set(expected)].join(' or '), input) }];
    }
    return [{ file, path: path.join('.'), message: `${issue.message} (got ${showValue(input)})` }];
  }
  return closest.flatMap((inner) => describeIssue(inner, file, path));
}
