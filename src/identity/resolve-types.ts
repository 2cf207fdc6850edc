import type { CountryCode } from 'libphonenumber-js/max';
import {
  DEFAULT_BLOCKED_EMAIL_PATTERNS,
  DEFAULT_BLOCKED_EMAILS,
  DEFAULT_BLOCKED_PATTERNS,
  DEFAULT_BLOCKED_VALUES,
  DEFAULT_EMAIL_VALID_PATTERN,
  DEFAULT_PRIORITIES,
  isBuiltInType,
  kindOfBuiltIn,
  type IdentifierKind,
} from './identifier-kinds.js';
import type { IdentityConfig, Transform } from './identity-config.js';

/** One identifier type with its defaults filled in: everything the engine needs to know about it. */
export interface ResolvedType {
  name: string;
  kind: IdentifierKind;
  /** Normalisation steps for the id and custom kinds; empty for the others. */
  transforms: Transform[];
  /** Lower-cased, so that comparison is case-insensitive. */
  blockedValues: string[];
  blockedPatterns: string[];
  validPattern: string | undefined;
  maxPerProfile: number | undefined;
  /** A smaller number is a stronger link. */
  priority: number;
  defaultCountry: CountryCode | undefined;
}

/** Resolves every type the inputs use and every match rule, in priority order (strongest first). */
export function resolveTypes(config: IdentityConfig): ResolvedType[] {
  const names = new Set(config.inputs.flatMap((input) => Object.keys(input.identifiers)));
  const types = [...names].map((name) => resolveType(config, name, kindOf(name)));
  const rules = config.match_rules.map((rule) => resolveType(config, rule.name, 'rule'));
  return [...types, ...rules].sort((a, b) => a.priority - b.priority || compareText(a.name, b.name));
}

function kindOf(name: string): IdentifierKind {
  return isBuiltInType(name) ? kindOfBuiltIn(name) : 'custom';
}

function resolveType(config: IdentityConfig, name: string, kind: IdentifierKind): ResolvedType {
  const settings = config.types[name];
  const useDefaults = settings?.default_blocklist ?? true;
  const blockedValues = [...(useDefaults ? defaultValues(kind) : []), ...(settings?.blocked_values ?? [])];
  const blockedPatterns = [...(useDefaults ? defaultPatterns(kind) : []), ...(settings?.blocked_patterns ?? [])];

  return {
    name,
    kind,
    transforms: kind === 'id' || kind === 'custom' ? (settings?.transforms ?? ['trim']) : [],
    blockedValues: [...new Set(blockedValues.map((value) => value.toLowerCase()))],
    blockedPatterns: [...new Set(blockedPatterns)],
    validPattern: settings?.valid_pattern ?? (kind === 'email' ? DEFAULT_EMAIL_VALID_PATTERN : undefined),
    maxPerProfile: settings?.max_per_profile,
    priority: settings?.priority ?? defaultPriority(name, kind),
    defaultCountry: settings?.default_country as CountryCode | undefined,
  };
}

function defaultPriority(name: string, kind: IdentifierKind): number {
  if (isBuiltInType(name)) return DEFAULT_PRIORITIES[name];
  return kind === 'rule' ? DEFAULT_PRIORITIES.rule : DEFAULT_PRIORITIES.custom;
}

function defaultValues(kind: IdentifierKind): string[] {
  return kind === 'email' ? [...DEFAULT_BLOCKED_VALUES, ...DEFAULT_BLOCKED_EMAILS] : DEFAULT_BLOCKED_VALUES;
}

function defaultPatterns(kind: IdentifierKind): string[] {
  return kind === 'email' ? [...DEFAULT_BLOCKED_PATTERNS, ...DEFAULT_BLOCKED_EMAIL_PATTERNS] : DEFAULT_BLOCKED_PATTERNS;
}

function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
