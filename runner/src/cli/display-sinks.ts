import { jsonLogSink } from '../report/json-log-sink.js';
import type { EventSink } from '../report/reporter.js';

/** A live display at a terminal, else JSON log lines: what `sync` and `plan` show on stderr. */
export async function displaySinks(verbose: boolean | undefined): Promise<EventSink[]> {
  if (!process.stderr.isTTY) return [jsonLogSink(process.stderr)];
  // cli-progress loads only for a terminal; logs and scripts never draw bars.
  const { terminalSink } = await import('../report/terminal-sink.js');
  return [terminalSink({ verbose: verbose ?? false })];
}
