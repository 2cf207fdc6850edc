import type { z } from 'zod';
import type { ConfigIssue } from '../core/errors.js';

/** Shows a bad value in a message; long values are cut so a message stays one line. */
export function showValue(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
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
    case 'invalid_value': {
      const options = issue.values.map((option) => showValue(option)).join(', ');
      return [{ file, path: path.join('.'), message: `${showValue(input)} is not valid; use one of ${options}` }];
    }
    default:
      return [{ file, path: path.join('.'), message: `${issue.message} (got ${showValue(input)})` }];
  }
}

function describeType(expected: string, input: unknown): string {
  if (input === undefined) return `missing; add this field (${expected})`;
  return `expected ${expected}, got ${showValue(input)}`;
}

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
    return [{ file, path: path.join('.'), message: `${issue.message} (got ${showValue(input)})` }];
  }
  return closest.flatMap((inner) => describeIssue(inner, file, path));
}
