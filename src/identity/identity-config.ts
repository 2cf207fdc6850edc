import { isSupportedCountry } from 'libphonenumber-js/max';
import { z } from 'zod';
import { columnNameSchema, identifierSchema } from '../config/identifiers.js';
import { toConfigIssues } from '../config/zod-issues.js';
import { ConfigError } from '../core/errors.js';
import { checkReferences } from './identity-config-checks.js';

/** A regular expression in config. It must compile in JavaScript, and SqlDialect (src/warehouse/dialect.ts) says which syntax is portable. */
const patternSchema = z.string().min(1).refine(compiles, { message: 'is not a valid regular expression' });

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** ISO 3166-1 alpha-2 country code that libphonenumber-js has numbering metadata for. */
const countrySchema = z
  .string()
  .refine((code) => isSupportedCountry(code), { message: 'is not a supported ISO 3166-1 alpha-2 country code (such as US, GB, DE)' });

/** One step that normalises a text value. `regex_replace` replaces every match with literal text. */
export const transformSchema = z.union(
  [
    z.enum(['trim', 'lower', 'upper', 'nfc', 'digits_only']),
    z
      .object({
        regex_replace: z.object({ pattern: patternSchema, replacement: z.string().default('') }).strict(),
      })
      .strict(),
  ],
  { error: 'use trim, lower, upper, nfc, digits_only or {regex_replace: {pattern, replacement}}' },
);

export type Transform = z.infer<typeof transformSchema>;

/** Settings of one identifier type, built-in (email, phone, user_id, ...) or custom. */
export const identifierTypeSchema = z
  .object({
    /** Normalisation steps, in order. Not allowed for email and phone, whose rules are fixed. */
    transforms: z.array(transformSchema).optional(),
    /** Values that never link, compared case-insensitively after normalisation. */
    blocked_values: z.array(z.string()).default([]),
    /** Values matching any of these patterns (anywhere in the value) never link. */
    blocked_patterns: z.array(patternSchema).default([]),
    /** Whether the built-in placeholder values (null, undefined, 0, anonymous, ...) are blocked too. */
    default_blocklist: z.boolean().default(true),
    /** Values not matching this pattern are invalid and never link. Email has a default. */
    valid_pattern: patternSchema.optional(),
    /** Maximum number of identifiers of this type in one profile; links are cut to keep it. */
    max_per_profile: z.number().int().min(1).optional(),
    /** Link strength: a smaller number is a stronger link. */
    priority: z.number().int().min(0).optional(),
    /** Phone only: the country that numbers without an international prefix belong to. */
    default_country: countrySchema.optional(),
  })
  .strict();

export type IdentifierTypeConfig = z.infer<typeof identifierTypeSchema>;

const relationSchema = z.union(
  [
    z.object({ model: identifierSchema }).strict(),
    z.object({ source: identifierSchema, table: identifierSchema }).strict(),
  ],
  { error: 'use {model: NAME} or {source: NAME, table: NAME}' },
);

export type IdentityRelation = z.infer<typeof relationSchema>;

/** One table whose rows carry identifiers. Every row links the identifiers it contains. */
export const identityInputSchema = z
  .object({
    /** Source name, shown in the graph and in explanations. */
    name: identifierSchema,
    relation: relationSchema,
    /** Source trust: a smaller number is a more trusted source. */
    priority: z.number().int().min(0).default(100),
    /** Column with the time the row was observed; it orders identifiers and traits. */
    timestamp: columnNameSchema,
    /** Column with an ISO 3166-1 alpha-2 country code for the row's phone numbers. */
    country: columnNameSchema.optional(),
    /** Identifier type to the column (or columns) holding it. */
    identifiers: z.record(identifierSchema, z.union([columnNameSchema, z.array(columnNameSchema).min(1)])),
    /** Named fields for match rules and traits, to the column holding them. */
    fields: z.record(identifierSchema, columnNameSchema).default({}),
  })
  .strict();

export type IdentityInputConfig = z.infer<typeof identityInputSchema>;

/**
 * A composite identifier for data without a shared email or phone: the normalised parts joined
 * with `|`. A row gets the identifier only when every part is present and non-empty.
 */
export const matchRuleSchema = z
  .object({
    name: identifierSchema,
    parts: z
      .array(
        z
          .object({
            field: identifierSchema,
            transforms: z.array(transformSchema).default(['trim', 'lower']),
          })
          .strict(),
      )
      .min(2, 'a match rule needs at least two parts; map a single column as an identifier instead'),
  })
  .strict();

export type MatchRuleConfig = z.infer<typeof matchRuleSchema>;

export const survivorshipRules = ['most_recent', 'most_frequent', 'source_priority'] as const;
export type SurvivorshipRule = (typeof survivorshipRules)[number];

/** A profile column, taken from an input field or from the profile's identifiers of one type. */
export const traitSchema = z.union(
  [
    z.object({ field: identifierSchema, rule: z.enum(survivorshipRules).default('most_recent') }).strict(),
    z.object({ identifier: identifierSchema, rule: z.enum(survivorshipRules).default('most_recent') }).strict(),
  ],
  { error: 'use {field: NAME, rule: RULE} or {identifier: TYPE, rule: RULE}' },
);

export type TraitConfig = z.infer<typeof traitSchema>;

/** Names of the tables the identity model writes in the model schema. */
export const identityTablesSchema = z
  .object({
    identity_graph: identifierSchema.default('identity_graph'),
    profiles: identifierSchema.default('profiles'),
    profile_merges: identifierSchema.default('profile_merges'),
    identity_edges: identifierSchema.default('identity_edges'),
    identity_blocked: identifierSchema.default('identity_blocked'),
  })
  .strict();

export type IdentityTableNames = z.infer<typeof identityTablesSchema>;

const identityConfigObjectSchema = z
  .object({
    /** Name of the identity model; scratch tables are prefixed with it. */
    name: identifierSchema.default('identity'),
    inputs: z.array(identityInputSchema).min(1, 'add at least one input'),
    types: z.record(identifierSchema, identifierTypeSchema).default({}),
    match_rules: z.array(matchRuleSchema).default([]),
    traits: z.record(identifierSchema, traitSchema).default({}),
    max_profile_size: z
      .object({
        /** Maximum number of identifiers in one profile. */
        identifiers: z.number().int().min(2).default(1000),
        /** `fail` stops the build; `quarantine` removes the most-linked identifier and continues. */
        on_exceed: z.enum(['fail', 'quarantine']).default('fail'),
      })
      .strict()
      .default({ identifiers: 1000, on_exceed: 'fail' }),
    /** Maximum passes of the connected-components step before the build fails. */
    max_passes: z.number().int().min(1).default(64),
    /** Maximum breadth-first passes when a limit splits a profile. */
    max_split_passes: z.number().int().min(1).default(1000),
    tables: identityTablesSchema.default({
      identity_graph: 'identity_graph',
      profiles: 'profiles',
      profile_merges: 'profile_merges',
      identity_edges: 'identity_edges',
      identity_blocked: 'identity_blocked',
    }),
  })
  .strict();

export const identityConfigSchema = identityConfigObjectSchema.superRefine(checkReferences);

export type IdentityConfig = z.infer<typeof identityConfigSchema>;

/**
 * Validates an identity config and returns it with defaults filled in. Raises a ConfigError that
 * names the file, the dotted path and the fix for every problem. `prefix` is the path of the
 * identity section inside its file.
 */
export function parseIdentityConfig(raw: unknown, file: string, prefix: (string | number)[] = []): IdentityConfig {
  const result = identityConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(toConfigIssues(result.error, file, prefix));
}

/** Lists the model or source table each input reads, so the caller can order builds and resolve relations. */
export function identityRelations(config: IdentityConfig): { input: string; relation: IdentityRelation }[] {
  return config.inputs.map((input) => ({ input: input.name, relation: input.relation }));
}
