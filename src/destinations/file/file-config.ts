import path from 'node:path';
import { z } from 'zod';

/** A named file destination in sluice.yml. */
export const fileAccountSchema = z
  .object({
    type: z.literal('file'),
    /** Output folder, relative to the project folder unless absolute. */
    directory: z.string().min(1),
  })
  .strict();

export type FileAccount = z.infer<typeof fileAccountSchema>;

const PLACEHOLDER = /\{([^}]*)\}/g;
const KNOWN_PLACEHOLDERS = new Set(['sync', 'run_id']);

function hasOnlyKnownPlaceholders(template: string): boolean {
  const names = [...template.matchAll(PLACEHOLDER)].map((match) => match[1] ?? '');
  return names.every((name) => KNOWN_PLACEHOLDERS.has(name));
}

const fileTemplateSchema = z
  .string()
  .min(1)
  .refine(hasOnlyKnownPlaceholders, {
    message: 'may contain only the placeholders {sync} and {run_id}',
  })
  .refine((value) => value.includes('{run_id}'), {
    message: 'must contain {run_id}, so that each run writes its own file',
  })
  .refine((value) => !path.isAbsolute(value) && !value.split(/[\\/]/).includes('..'), {
    message: 'must be a relative path inside the destination directory, without ".."',
  });

/** `destination_options` of a sync that writes to files. */
export const fileSyncSchema = z
  .object({
    /** File name inside the directory, such as `{sync}/{run_id}.csv`. */
    file: fileTemplateSchema.optional(),
    format: z.enum(['jsonl', 'csv']).default('jsonl'),
  })
  .strict()
  .transform((options) => ({
    format: options.format,
    file: options.file ?? `{sync}/{run_id}.${options.format}`,
  }));

export type FileSyncOptions = z.infer<typeof fileSyncSchema>;

/**
 * Returns the file name for one run. Characters of the run id outside letters, digits, ".", "_"
 * and "-" become "_", so that the id cannot add folders to the path.
 */
export function renderFileName(template: string, syncName: string, runId: string): string {
  const safeRunId = runId.replace(/[^A-Za-z0-9._-]/g, '_');
  return template.replaceAll('{sync}', syncName).replaceAll('{run_id}', safeRunId);
}
