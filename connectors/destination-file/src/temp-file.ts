import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const FLUSH_AT = 1 << 16;

/** Hidden name of an in-progress temporary file for `target`, in the same directory. */
function tempPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.backflow-${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Deletes temporary files a crashed run left next to `target` (one writer per file is
 * assumed). They never had the target's name, so no reader ever took them for complete.
 */
export async function removeStaleTempFiles(target: string): Promise<void> {
  const prefix = `.${basename(target)}.backflow-`;
  const names = await readdir(dirname(target));
  await Promise.all(
    names
      .filter((name) => name.startsWith(prefix) && name.endsWith('.tmp'))
      .map((name) => rm(join(dirname(target), name), { force: true })),
  );
}

/**
 * A file written next to its target under a hidden name, buffered, then fsynced and renamed
 * over the target in one step: readers see the old file or the new one, never a half.
 */
export class TempFile {
  private buffer = '';

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(target: string): Promise<TempFile> {
    const path = tempPath(target);
    return new TempFile(path, await open(path, 'wx'));
  }

  async write(text: string): Promise<void> {
    this.buffer += text;
    if (this.buffer.length >= FLUSH_AT) await this.flush();
  }

  /** Writes out the buffer and fsyncs: the content is on disk, still under the hidden name. */
  async finish(): Promise<void> {
    await this.flush();
    await this.handle.sync();
    await this.handle.close();
  }

  /** Closes (if still open) and deletes the file. */
  async discard(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.path, { force: true });
  }

  private async flush(): Promise<void> {
    if (this.buffer === '') return;
    const text = this.buffer;
    this.buffer = '';
    // writeFile (unlike write) loops until every byte is out, at the current position.
    await this.handle.writeFile(text);
  }
}

/** Renames a finished temporary file over `target` and fsyncs the directory so the rename survives a crash. */
export async function replaceAtomically(tempFile: string, target: string): Promise<void> {
  await rename(tempFile, target);
  const directory = await open(dirname(target), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
