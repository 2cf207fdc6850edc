/**
 * Removes secret values from text before it reaches a terminal, a log file or the run history.
 * Config loading registers every value read from an environment variable here.
 */
export const REDACTED = '[redacted]';

/** Secrets shorter than this are not registered: replacing "1" or "no" everywhere would garble output. */
const MIN_SECRET_LENGTH = 4;

export class Redactor {
  readonly #secrets = new Set<string>();

  add(secret: string | undefined): void {
    if (!secret || secret.length < MIN_SECRET_LENGTH) return;
    this.#secrets.add(secret);
    // Logs and run history are JSON, where a secret containing `"` or `\` appears escaped.
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) this.#secrets.add(escaped);
  }

  redact(text: string): string {
    let result = text;
    for (const secret of this.#secrets) {
      result = result.split(secret).join(REDACTED);
    }
    return result;
  }

  /** Redacts every string inside a JSON-like value. */
  redactValue<T>(value: T): T {
    return JSON.parse(this.redact(JSON.stringify(value) ?? 'null')) as T;
  }
}

/** One process-wide redactor, so that errors raised deep inside drivers are cleaned too. */
export const redactor = new Redactor();
