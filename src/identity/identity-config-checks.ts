import type { z } from 'zod';
import { isBuiltInType } from './identifier-kinds.js';
import type { IdentityConfig } from './identity-config.js';

/** Columns every profiles table has; traits cannot use these names. */
export const PROFILE_BASE_COLUMNS = ['profile_id', 'created_at', 'first_seen', 'last_seen', 'identifier_count'];

type Report = (path: (string | number)[], message: string, input: unknown) => void;

/**
 * Cross-field checks of an identity config: names are unique, and every type, field and rule
 * that is used is declared. Each problem becomes a zod issue at its path.
 */
export function checkReferences(config: IdentityConfig, ctx: z.RefinementCtx): void {
  const report: Report = (path, message, input) => ctx.addIssue({ code: 'custom', path, message, input });
  const ruleNames = new Set(config.match_rules.map((rule) => rule.name));
  const usedTypes = checkInputs(config, ruleNames, report);
  checkTypes(config, usedTypes, ruleNames, report);
  checkMatchRules(config, report);
  checkTraits(config, usedTypes, ruleNames, report);
}

/** Checks input names and identifier types, and returns the identifier types the inputs use. */
function checkInputs(config: IdentityConfig, ruleNames: Set<string>, report: Report): Set<string> {
  const inputNames = new Set<string>();
  const usedTypes = new Set<string>();
  config.inputs.forEach((input, index) => {
    if (inputNames.has(input.name)) {
      report(['inputs', index, 'name'], 'is used by another input; input names must be unique', input.name);
    }
    inputNames.add(input.name);

    for (const type of Object.keys(input.identifiers)) {
      usedTypes.add(type);
      const path = ['inputs', index, 'identifiers', type];
      if (ruleNames.has(type)) report(path, 'is the name of a match rule; rename the rule or the type', type);
      if (!isBuiltInType(type) && config.types[type] === undefined) {
        const builtIns = 'email, phone, user_id, anonymous_id, device_id';
        report(path, `is not a built-in type (${builtIns}); declare it under types with its transforms`, type);
      }
    }
  });
  return usedTypes;
}

function checkTypes(config: IdentityConfig, usedTypes: Set<string>, ruleNames: Set<string>, report: Report): void {
  for (const [name, type] of Object.entries(config.types)) {
    if (!usedTypes.has(name) && !ruleNames.has(name)) {
      report(['types', name], 'is not used by any input or match rule; remove it or check its spelling', name);
    }
    if ((name === 'email' || name === 'phone') && type.transforms !== undefined) {
      report(['types', name, 'transforms'], `${name} values have a fixed normalisation; remove transforms`, type.transforms);
    }
    if (ruleNames.has(name) && type.transforms !== undefined) {
      report(['types', name, 'transforms'], 'set transforms on the match rule parts instead', type.transforms);
    }
    if (name !== 'phone' && type.default_country !== undefined) {
      report(['types', name, 'default_country'], 'applies only to the phone type; remove it', type.default_country);
    }
  }
}

function checkMatchRules(config: IdentityConfig, report: Report): void {
  config.match_rules.forEach((rule, index) => {
    if (isBuiltInType(rule.name)) {
      report(['match_rules', index, 'name'], 'is a built-in identifier type; choose another name', rule.name);
    }
    const ruleFields = rule.parts.map((part) => part.field);
    const complete = config.inputs.some((input) => ruleFields.every((field) => input.fields[field] !== undefined));
    if (!complete) {
      const message = `no input maps all of the fields ${ruleFields.join(', ')}; add them under an input's fields`;
      report(['match_rules', index, 'parts'], message, ruleFields);
    }
  });
}

function checkTraits(config: IdentityConfig, usedTypes: Set<string>, ruleNames: Set<string>, report: Report): void {
  const fields = new Set(config.inputs.flatMap((input) => Object.keys(input.fields)));
  for (const [name, trait] of Object.entries(config.traits)) {
    if (PROFILE_BASE_COLUMNS.includes(name)) {
      report(['traits', name], `is a column every profile has (${PROFILE_BASE_COLUMNS.join(', ')}); rename the trait`, name);
    }
    if ('field' in trait && !fields.has(trait.field)) {
      report(['traits', name, 'field'], "is not a field of any input; add it under an input's fields", trait.field);
    }
    if ('identifier' in trait && !usedTypes.has(trait.identifier) && !ruleNames.has(trait.identifier)) {
      report(['traits', name, 'identifier'], 'is not an identifier type of any input', trait.identifier);
    }
  }
}
