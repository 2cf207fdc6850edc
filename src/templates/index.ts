/**
 * Message templates: Handlebars files under the project's templates/ folder, compiled once per
 * sync in strict mode and rendered once per row, plus SMS segment counting.
 */
export { TEMPLATES_DIR, loadMessageTemplate } from './load-template.js';
export {
  type MessageChannel,
  type MessageTemplate,
  type MessageTemplateOptions,
  type RenderResult,
  TemplateError,
  compileMessageTemplate,
} from './message-template.js';
export { type SmsEncoding, type SmsSegmentCount, countSmsSegments } from './sms-segments.js';
