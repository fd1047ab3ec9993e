import { redact } from '@backflow/protocol/connector';
import { logLevel, type SyncEvent } from './events.js';

/**
 * Where a sync tells what happens. Every text passes `redact` with the secrets of both
 * connectors' configs before it reaches any sink, so no display, log or callback can leak one.
 */
export interface Reporter {
  /** Logs a message; `level` may be any case (a connector's `WARN`), events carry the lower-case set. */
  log(origin: string, level: string, message: string): void;
  emit(event: SyncEvent): void;
  /** Registers values that must never be printed (config secrets, interpolated env vars). */
  addSecrets(secrets: readonly string[]): void;
  /** Scrubs registered secrets from a text (for errors printed outside the reporter). */
  scrub(text: string): string;
}

export type EventSink = (event: SyncEvent) => void;

export function createReporter(sinks: readonly EventSink[]): Reporter {
  const secrets = new Set<string>();
  const scrub = (text: string) => redact(text, [...secrets]);
  const emit = (event: SyncEvent) => {
    for (const sink of sinks) sink(event);
  };
  return {
    log: (origin, level, message) => emit({ type: 'log', origin, level: logLevel(level), message: scrub(message) }),
    emit,
    addSecrets: (values) => values.forEach((value) => secrets.add(value)),
    scrub,
  };
}
