import type { SyncProblem } from '../destinations/destination.js';
import { loadMessageTemplate } from './load-template.js';
import { TemplateError, type MessageTemplateOptions } from './message-template.js';

const TEMPLATE_PATH = 'destination_options.template';

/**
 * Loads a sync's message template and returns its problems: a missing or invalid file, or
 * fields it reads that the sync's mapping does not provide, which would reject every row.
 */
export async function checkTemplateAgainstMapping(
  projectDir: string,
  file: string,
  options: MessageTemplateOptions,
  mappedFields: readonly string[],
): Promise<SyncProblem[]> {
  let template;
  try {
    template = await loadMessageTemplate(projectDir, file, options);
  } catch (error) {
    if (error instanceof TemplateError) return [{ path: TEMPLATE_PATH, message: error.message }];
    throw error;
  }
  const unmapped = template.fields.filter((field) => !mappedFields.includes(field));
  if (unmapped.length === 0) return [];
  return [
    {
      path: TEMPLATE_PATH,
      message:
        `template ${template.name} reads ${unmapped.join(', ')}, which the mapping does not provide; ` +
        `add ${unmapped.length === 1 ? 'it' : 'them'} to mapping or fix the template (mapped: ${mappedFields.join(', ')})`,
    },
  ];
}
