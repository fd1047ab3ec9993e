import { readFile } from 'node:fs/promises';
import { ConfigError } from './errors.js';

/** Reads a `--config/--catalog/--state` file as JSON, failing with the flag and file named. */
export async function readJsonFile(path: string, flag: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(`cannot read --${flag} file ${path}: ${code}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    // The parser's message may quote the file's content, which for a config holds secrets.
    const position = /position \d+/.exec((error as Error).message)?.[0];
    throw new ConfigError(`--${flag} file ${path} is not valid JSON${position ? ` (at ${position})` : ''}`);
  }
}
