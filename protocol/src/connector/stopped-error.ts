import type { Command } from './argv.js';
import { TransientError } from './errors.js';

/** A command given up on because the connector was asked to stop; the work it waited on is abandoned. */
export class StoppedError extends TransientError {
  constructor(command: Command) {
    super(`${command} stopped: the connector was asked to stop`);
  }
}
