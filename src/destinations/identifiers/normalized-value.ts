/**
 * The result of normalising one identifier: the normalised text, or the reason it was dropped.
 * Reasons name the field and the rule that failed but never the value, because they end up in
 * logs and run history and the value is personal data.
 */
export type NormalizedValue = { ok: true; value: string } | { ok: false; reason: string };

export function accepted(value: string): NormalizedValue {
  return { ok: true, value };
}

export function dropped(reason: string): NormalizedValue {
  return { ok: false, reason };
}
