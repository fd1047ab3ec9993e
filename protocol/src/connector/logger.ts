import { format } from 'node:util';
import type { AirbyteLogMessage } from '../types.js';
import type { MessageOutput } from './output.js';

type Level = AirbyteLogMessage['level'];

export interface Logger {
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

/**
 * A logger that writes LOG messages. Log lines are small and rare next to records, so they
 * are queued behind whatever the output is writing rather than awaited by the caller.
 */
export function createLogger(output: MessageOutput, onError: (error: unknown) => void): Logger {
  const emit = (level: Level, message: string, args: unknown[]) => {
    output.write({ type: 'LOG', log: { level, message: format(message, ...args) } }).catch(onError);
  };
  return {
    debug: (message, ...args) => emit('DEBUG', message, args),
    info: (message, ...args) => emit('INFO', message, args),
    warn: (message, ...args) => emit('WARN', message, args),
    error: (message, ...args) => emit('ERROR', message, args),
  };
}

/**
 * Routes `console.*` to LOG messages while a connector runs: a stray `console.log` in a
 * connector or one of its libraries would otherwise corrupt the protocol on stdout.
 */
export function captureConsole(logger: Logger): () => void {
  const saved = {
    log: console.log,
    info: console.info,
    warn: console.warn,
    error: console.error,
    debug: console.debug,
  };
  console.log = (...args: unknown[]) => logger.info(format(...args));
  console.info = (...args: unknown[]) => logger.info(format(...args));
  console.debug = (...args: unknown[]) => logger.debug(format(...args));
  console.warn = (...args: unknown[]) => logger.warn(format(...args));
  console.error = (...args: unknown[]) => logger.error(format(...args));
  return () => Object.assign(console, saved);
}
