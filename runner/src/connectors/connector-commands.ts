import type {
  AirbyteCatalog,
  AirbyteConnectionStatus,
  AirbyteMessage,
  ConnectorSpecification,
  DestinationCatalog,
} from '@backflow/protocol';
import { ConnectorFailure } from '../errors.js';
import type { Launcher } from '../launchers/index.js';
import type { Reporter } from '../report/reporter.js';
import { ConnectorSession } from './connector-session.js';

/** Deadline of `spec`, `check` and `discover` when the connection sets none (timeouts.command_seconds). */
export const DEFAULT_COMMAND_SECONDS = 300;

/** A connector to talk to: how to start it and what to call it in messages. */
export interface ConnectorTarget {
  readonly name: string;
  readonly launcher: Launcher;
  /** Deadline of each short command, in seconds (default DEFAULT_COMMAND_SECONDS). */
  readonly commandSeconds?: number;
}

/**
 * Runs one short command (`spec`, `check`, `discover`) and returns the first message of the
 * expected type. Logs pass to the reporter; a connector that prints no such message fails.
 * A connector still running at the deadline is stopped (SIGTERM, then SIGKILL: a call stuck
 * in the kernel may ignore the first) and the command fails, named.
 */
async function runForMessage<T extends AirbyteMessage['type']>(
  target: ConnectorTarget,
  command: string,
  files: Record<string, unknown>,
  expected: T,
  reporter: Reporter,
): Promise<AirbyteMessage> {
  await using session = await ConnectorSession.start(target.launcher, { name: target.name, command, files }, reporter);
  session.stdin.end();
  const seconds = target.commandSeconds ?? DEFAULT_COMMAND_SECONDS;
  const overdue = `${command} did not finish within ${seconds}s (timeouts.command_seconds): stopped`;
  let late = false;
  const deadline = setTimeout(() => {
    late = true;
    void session.stop(overdue).catch(() => undefined);
  }, seconds * 1000);
  let found: AirbyteMessage | undefined;
  try {
    for await (const { message } of session.messages()) {
      if (message.type === expected) found ??= message;
    }
    await session.finish();
  } catch (error) {
    if (late) throw new ConnectorFailure(target.name, overdue, { cause: error });
    throw error;
  } finally {
    clearTimeout(deadline);
  }
  if (late) throw new ConnectorFailure(target.name, overdue);
  if (!found) throw new ConnectorFailure(target.name, `${command} printed no ${expected} message`);
  return found;
}

export async function fetchSpec(target: ConnectorTarget, reporter: Reporter): Promise<ConnectorSpecification> {
  return (await runForMessage(target, 'spec', {}, 'SPEC', reporter)).spec!;
}

export async function checkConnection(
  target: ConnectorTarget,
  config: unknown,
  reporter: Reporter,
): Promise<AirbyteConnectionStatus> {
  return (await runForMessage(target, 'check', { config }, 'CONNECTION_STATUS', reporter)).connectionStatus!;
}

export async function discoverSource(
  target: ConnectorTarget,
  config: unknown,
  reporter: Reporter,
): Promise<AirbyteCatalog> {
  return (await runForMessage(target, 'discover', { config }, 'CATALOG', reporter)).catalog!;
}

export async function discoverDestination(
  target: ConnectorTarget,
  config: unknown,
  reporter: Reporter,
): Promise<DestinationCatalog> {
  return (await runForMessage(target, 'discover', { config }, 'DESTINATION_CATALOG', reporter)).destination_catalog!;
}
