/** A regular file to put in a tar archive. */
export interface TarEntry {
  name: string;
  content: string | Buffer;
  /** Permission bits, e.g. 0o444. */
  mode: number;
}

const BLOCK = 512;

/**
 * A ustar archive of small regular files owned by root, enough for Docker's `putArchive`.
 * Names must fit the 100-byte ustar name field.
 */
export function tarFiles(entries: readonly TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const content = Buffer.isBuffer(entry.content) ? entry.content : Buffer.from(entry.content);
    blocks.push(header(entry.name, content.length, entry.mode), content);
    const padding = (BLOCK - (content.length % BLOCK)) % BLOCK;
    blocks.push(Buffer.alloc(padding));
  }
  blocks.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(blocks);
}

function header(name: string, size: number, mode: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`);
  block.write(name, 0, 100, 'utf8');
  octal(block, 100, 8, mode);
  octal(block, 108, 8, 0); // uid
  octal(block, 116, 8, 0); // gid
  octal(block, 124, 12, size);
  octal(block, 136, 12, Math.floor(Date.now() / 1000));
  block.fill(' ', 148, 156); // checksum is computed with its own field as spaces
  block.write('0', 156, 1, 'ascii'); // regular file
  block.write('ustar\u000000', 257, 8, 'ascii');
  let checksum = 0;
  for (const byte of block) checksum += byte;
  block.write(`${checksum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return block;
}

function octal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, length, 'ascii');
}
