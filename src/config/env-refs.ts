import { redactor } from '../core/redact.js';
import type { ConfigIssue } from '../core/errors.js';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${NAME}` and `${NAME:-default}` in every string of a parsed config file with values
 * from the environment. Values read from the environment are registered as secrets, so they are
 * redacted from every output; defaults written in the file are not secrets. A variable that is
 * unset or empty and has no default becomes an issue naming the file and field, and the field is
 * set to the empty string.
 */
export function resolveEnvReferences(
  value: unknown,
  file: string,
  env: NodeJS.ProcessEnv,
  issues: ConfigIssue[],
  path: string[] = [],
): unknown {
  if (typeof value === 'string') return resolveString(value, file, env, issues, path);
  if (Array.isArray(value)) {
    return value.map((item, index) => resolveEnvReferences(item, file, env, issues, [...path, String(index)]));
  }
  if (value !== null && typeof value === 'object') {
    const resolved: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      resolved[key] = resolveEnvReferences(item, file, env, issues, [...path, key]);
    }
    return resolved;
  }
  return value;
}

function resolveString(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv,
  issues: ConfigIssue[],
  path: string[],
): string {
  return text.replace(REFERENCE, (_match, name: string, fallback: string | undefined) => {
    const fromEnv = env[name];
    if (fromEnv !== undefined && fromEnv !== '') {
      redactor.add(fromEnv);
      return fromEnv;
    }
    if (fallback !== undefined) return fallback;
    const message =
      fromEnv === undefined
        ? `environment variable ${name} is not set; export it, or write \${${name}:-default} to give a default`
        : `environment variable ${name} is set but empty; give it a value, or write \${${name}:-default} to use a default when it is empty`;
    issues.push({ file, path: path.join('.'), message });
    return '';
  });
}
