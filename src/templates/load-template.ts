import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type MessageTemplate,
  type MessageTemplateOptions,
  TemplateError,
  compileMessageTemplate,
} from './message-template.js';

/** The project folder that contains message templates. */
export const TEMPLATES_DIR = 'templates';

/**
 * Reads and compiles `templates/<file>` of the project at `projectDir`. `file` may name a
 * subfolder (`sms/cart.hbs`) but must stay inside templates/. Throws TemplateError when the file
 * is outside that folder, cannot be read or does not compile.
 */
export async function loadMessageTemplate(
  projectDir: string,
  file: string,
  options: MessageTemplateOptions,
): Promise<MessageTemplate> {
  const templatesDir = path.resolve(projectDir, TEMPLATES_DIR);
  const fullPath = path.resolve(templatesDir, file);
  const relative = path.relative(templatesDir, fullPath);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new TemplateError(
      `Template "${file}" is outside the project's ${TEMPLATES_DIR}/ folder; ` +
        `give a file name relative to ${TEMPLATES_DIR}/, such as winback_email.hbs`,
    );
  }

  let source: string;
  try {
    source = await readFile(fullPath, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : 'unreadable';
    throw new TemplateError(
      `Template ${TEMPLATES_DIR}/${relative} is ${reason}; create it or fix the template name ` +
        'in the sync',
      { cause: error },
    );
  }
  return compileMessageTemplate(relative.split(path.sep).join('/'), source, options);
}
