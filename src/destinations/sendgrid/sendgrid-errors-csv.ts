/**
 * Reads the errors file of a SendGrid import job: the CSV behind `errors_url`, which is the only
 * place SendGrid lists per-contact failures.
 * https://www.twilio.com/docs/sendgrid/api-reference/contacts/import-contacts-status
 *
 * NOTE: the column layout of the file is not documented. This reader takes the first column
 * whose header is `email` and the first whose header is one of `error`, `errors`,
 * `error_message`, `message` or `reason` (case-insensitive). With another layout the errors
 * stay unmatched, and the affected rows are returned for a later run.
 */
const EMAIL_HEADERS = ['email', 'e-mail', 'email_address'];
const ERROR_HEADERS = ['error', 'errors', 'error_message', 'message', 'reason'];

export interface ImportErrors {
  /** Error message by email, trimmed and lower-cased. */
  byEmail: Map<string, string>;
  /** Data lines in the file, matched or not. */
  lineCount: number;
}

export function readImportErrors(csv: string): ImportErrors {
  const [header, ...lines] = parseCsv(csv).filter((line) => line.some((cell) => cell !== ''));
  const byEmail = new Map<string, string>();
  if (!header) return { byEmail, lineCount: 0 };

  const names = header.map((name) => name.trim().toLowerCase());
  const emailColumn = names.findIndex((name) => EMAIL_HEADERS.includes(name));
  const errorColumn = names.findIndex((name) => ERROR_HEADERS.includes(name));
  if (emailColumn >= 0) {
    for (const line of lines) {
      const email = line[emailColumn]?.trim().toLowerCase();
      if (!email) continue;
      const message = errorColumn >= 0 ? line[errorColumn]?.trim() : undefined;
      byEmail.set(email, message || 'SendGrid listed the contact in the errors file');
    }
  }
  return { byEmail, lineCount: lines.length };
}

/** Parses RFC 4180 CSV: quoted fields may contain commas, line breaks and doubled quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;

  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (char === '"') {
        quoted = false;
      } else {
        cell += char;
      }
      continue;
    }

    if (char === '"') {
      quoted = true;
    } else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i += 1;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else {
      cell += char;
    }
  }

  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
