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

/** A connector to talk to: how to start it and what to call it in messages. */
export interface ConnectorTarget {
  readonly name: string;
  readonly launcher: Launcher;
}

/**
 * Runs one short command (`spec`, `check`, `discover`) and returns the first message of the
 * expected type. Logs pass to the reporter; a connector that prints no such message fails.
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
  let found: AirbyteMessage | undefined;
  for await (const { message } of session.messages()) {
    if (message.type === expected) found ??= message;
  }
  await session.finish();
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
