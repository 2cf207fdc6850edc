import { randomUUID } from 'node:crypto';
import { type WriteStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { type FileHandle, mkdir, open, rename, truncate, unlink } from 'node:fs/promises';
import path from 'node:path';

/** Writes a rewritten copy of the file at `sourcePath` to `targetPath`. */
export type FileRewrite = (sourcePath: string, targetPath: string) => Promise<void>;

/** Lines are handed to the stream in chunks of about this many characters. */
const CHUNK_CHARS = 64 * 1024;

/**
 * A file written under a temporary name in the folder of its final path and renamed into place
 * by `commit`, so a run that crashes leaves no partial file under the final name. Appends wait
 * until the operating system has taken each chunk, so memory stays bounded by one batch.
 */
export class OutputFile {
  readonly finalPath: string;
  readonly tempPath: string;
  readonly #stream: WriteStream;
  #streamError: Error | undefined;
  /** Bytes of the appends that completed; a failed append is cut off at commit. */
  #completeBytes = 0;
  #failed = false;

  private constructor(finalPath: string, tempPath: string, stream: WriteStream) {
    this.finalPath = finalPath;
    this.tempPath = tempPath;
    this.#stream = stream;
    this.#stream.on('error', (error) => {
      this.#streamError ??= error;
      this.#failed = true;
    });
  }

  static async create(finalPath: string): Promise<OutputFile> {
    const directory = path.dirname(finalPath);
    await mkdir(directory, { recursive: true });

    const tempName = `.${path.basename(finalPath)}.${randomUUID().slice(0, 8)}.tmp`;
    const tempPath = path.join(directory, tempName);
    const stream = createWriteStream(tempPath, { flags: 'wx', encoding: 'utf8' });
    // `once` rejects if 'error' comes first, such as EACCES on open.
    await once(stream, 'open');
    return new OutputFile(finalPath, tempPath, stream);
  }

  /** Appends whole lines. Rejects if the file cannot be written; later appends reject too. */
  async append(lines: string[]): Promise<void> {
    if (this.#failed) throw this.#streamError ?? new Error('an earlier write to this file failed');

    try {
      let chunk = '';
      let bytes = 0;
      for (const line of lines) {
        chunk += line;
        if (chunk.length >= CHUNK_CHARS) {
          bytes += await this.#writeChunk(chunk);
          chunk = '';
        }
      }
      if (chunk) bytes += await this.#writeChunk(chunk);
      this.#completeBytes += bytes;
    } catch (error) {
      this.#failed = true;
      throw error;
    }
  }

  /**
   * Flushes, cuts off any failed append, syncs to disk and renames the file into place, replacing
   * a file of the same name. `transform`, when given, writes a rewritten copy to a new temporary
   * path, which is renamed in place of this file.
   */
  async commit(transform?: FileRewrite): Promise<void> {
    await this.#finish();

    let source = this.tempPath;
    if (transform) {
      source = `${this.tempPath}.rewrite`;
      await transform(this.tempPath, source);
      await syncFile(source);
      await unlink(this.tempPath);
    }

    await rename(source, this.finalPath);
    await syncDirectory(path.dirname(this.finalPath));
  }

  /** Closes and deletes the temporary file. */
  async discard(): Promise<void> {
    await this.#close();
    await unlink(this.tempPath).catch(() => undefined);
  }

  async #finish(): Promise<void> {
    await this.#close();
    if (this.#failed) await truncate(this.tempPath, this.#completeBytes);
    await syncFile(this.tempPath);
  }

  /** Ends the stream and waits until its file descriptor is closed. */
  async #close(): Promise<void> {
    if (this.#stream.closed) return;
    const closed = new Promise<void>((resolve) => this.#stream.once('close', () => resolve()));
    if (!this.#stream.destroyed) this.#stream.end();
    await closed;
  }

  #writeChunk(chunk: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#stream.write(chunk, (error) => {
        if (error) reject(error);
        else resolve(Buffer.byteLength(chunk));
      });
    });
  }
}

async function syncFile(filePath: string): Promise<void> {
  const handle = await open(filePath, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Syncs a folder so that a rename in it survives a power failure. Some platforms (Windows)
 * cannot open a folder for syncing; there the rename is left to the file system.
 */
async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // Best effort only, see above.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
