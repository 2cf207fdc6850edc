/** BigQuery caps label keys and values at 63 characters. */
const MAX_LABEL_LENGTH = 63;

/**
 * Job labels from a statement tag such as `run=run_20240301T120000Z_a1b2c3 sync=customers`:
 * each `name=value` pair becomes the label `sluice_<name>`. Label keys and values admit only
 * lower-case letters, digits, `_` and `-`, so other characters become `_`. Labels let
 * INFORMATION_SCHEMA.JOBS and billing exports be filtered by run.
 */
export function jobLabels(tag: string | undefined): Record<string, string> {
  const labels: Record<string, string> = { sluice: 'true' };
  for (const pair of (tag ?? '').split(/\s+/)) {
    const separator = pair.indexOf('=');
    if (separator <= 0) continue;
    const key = labelText(`sluice_${pair.slice(0, separator)}`);
    labels[key] = labelText(pair.slice(separator + 1));
  }
  return labels;
}

function labelText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '_')
    .slice(0, MAX_LABEL_LENGTH);
}
