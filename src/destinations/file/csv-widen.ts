import { createReadStream, createWriteStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Copies a CSV file written by csvLine, replacing its header line with `headerLine` and padding
 * every data row with empty fields up to `width` columns. Used when fields first appear after
 * the header was written. Streams, so memory stays flat. Relies on csvLine quoting every field
 * that contains a comma or CR: outside quotes a comma always separates fields and a CR always
 * starts a record separator.
 */
export async function widenCsvFile(
  sourcePath: string,
  targetPath: string,
  headerLine: string,
  width: number,
): Promise<void> {
  await pipeline(
    createReadStream(sourcePath, { encoding: 'utf8' }),
    new CsvWidener(headerLine, width),
    createWriteStream(targetPath, { flags: 'wx' }),
  );
}

class CsvWidener extends Transform {
  readonly #width: number;
  #inQuotes = false;
  #inOldHeader = true;
  /** An LF is expected next, ending the old header line. */
  #skipLineFeed = false;
  #fieldsInRecord = 1;

  constructor(headerLine: string, width: number) {
    super({ decodeStrings: false, encoding: 'utf8' });
    this.#width = width;
    this.push(headerLine);
  }

  override _transform(chunk: string, _encoding: BufferEncoding, callback: TransformCallback): void {
    let output = '';
    let copiedUpTo = 0;

    for (let index = 0; index < chunk.length; index += 1) {
      const char = chunk[index];
      if (this.#skipLineFeed) {
        this.#skipLineFeed = false;
        copiedUpTo = index + 1;
        continue;
      }
      if (char === '"') this.#inQuotes = !this.#inQuotes;
      if (this.#inQuotes) continue;
      if (char === ',') this.#fieldsInRecord += 1;
      if (char !== '\r') continue;

      const padding = ','.repeat(Math.max(0, this.#width - this.#fieldsInRecord));
      this.#fieldsInRecord = 1;
      if (this.#inOldHeader) {
        this.#inOldHeader = false;
        this.#skipLineFeed = true;
        copiedUpTo = index + 1;
        continue;
      }
      output += chunk.slice(copiedUpTo, index) + padding;
      copiedUpTo = index;
    }

    if (!this.#inOldHeader) output += chunk.slice(copiedUpTo);
    callback(null, output);
  }
}
